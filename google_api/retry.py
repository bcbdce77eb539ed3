"""One bounded retry policy for every Sheets and Drive call.

gspread's BackOffHTTPClient retries without bound and googleapiclient's
num_retries ignores Retry-After; this policy caps attempts and total time,
backs off exponentially with full jitter and honours Retry-After. Permanent
errors (403 not shared, 404) are never retried.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TypeVar

log = logging.getLogger("facultativo.google")
T = TypeVar("T")

RETRY_STATUS = {408, 429, 500, 502, 503, 504}
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}


@dataclass(frozen=True)
class Failure:
    """How a caller classified an exception: retry it (after how long), or not."""

    retry: bool
    retry_after: float | None = None


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    base_seconds: float = 0.5
    max_seconds: float = 20.0
    total_seconds: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def call(self, fn: Callable[[], T], classify: Callable[[BaseException], Failure]) -> T:
        """fn(), retried while `classify` says so and the budget lasts; else the last error."""
        started, waited = time.monotonic(), 0.0
        attempt = 1
        while True:
            try:
                return fn()
            except Exception as exc:
                failure = classify(exc)
                wait = self._wait(attempt, failure)
                spent = max(time.monotonic() - started, waited)
                if (
                    not failure.retry
                    or attempt >= self.max_attempts
                    or (spent + wait > self.total_seconds)
                ):
                    raise
                _log_retry(exc, attempt, wait)
                self.sleep(wait)
                waited += wait
                attempt += 1

    def _wait(self, attempt: int, failure: Failure) -> float:
        if failure.retry_after is not None:
            return min(failure.retry_after, self.max_seconds)
        return random.uniform(0, min(self.max_seconds, self.base_seconds * 2 ** (attempt - 1)))


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def classify_status(status: int, reason: str | None, header: str | None) -> Failure:
    if status in RETRY_STATUS or (status == 403 and reason in RATE_REASONS):
        return Failure(True, retry_after(header))
    return Failure(False)


def error_reason(payload: object) -> str | None:
    """The first `errors[].reason` of a Google error body, if any."""
    try:
        return payload["error"]["errors"][0]["reason"]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return None


def _log_retry(exc: BaseException, attempt: int, wait: float) -> None:
    """An answer Google gave (429, 503) is worth a line; a network failure is not: if it
    lasts, the caller says it once for the whole outage (app/outages.py)."""
    from facultativo.google_api.failures import explain

    for response in (getattr(exc, "response", None), getattr(exc, "resp", None)):
        status = getattr(response, "status_code", None) or getattr(response, "status", None)
        if status:  # a requests.Response of an error is falsy: no `or` between them
            log.info("Google respondió HTTP %s; reintento %d en %.1f s", status, attempt, wait)
            return
    known = explain(exc)
    why = known.text if known else type(exc).__name__
    log.debug("sin respuesta de Google (%s); reintento %d en %.1f s", why, attempt, wait)
