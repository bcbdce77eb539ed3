"""The bounded retry policy shared by Sheets and Drive calls."""

from __future__ import annotations

import pytest

from facultativo.google_api.retry import Failure, RetryPolicy, classify_status, retry_after


class Flaky:
    def __init__(self, failures: int) -> None:
        self.failures, self.calls = failures, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError("reset")
        return "ok"


def policy(**kw) -> tuple[RetryPolicy, list[float]]:
    slept: list[float] = []
    return RetryPolicy(sleep=slept.append, **kw), slept


def test_retries_until_success_within_the_cap():
    p, slept = policy(max_attempts=5)
    fn = Flaky(3)
    assert p.call(fn, lambda e: Failure(True)) == "ok"
    assert fn.calls == 4 and len(slept) == 3
    assert all(0 <= s <= p.max_seconds for s in slept)


def test_gives_up_after_max_attempts():
    p, _ = policy(max_attempts=3)
    fn = Flaky(10)
    with pytest.raises(ConnectionError):
        p.call(fn, lambda e: Failure(True))
    assert fn.calls == 3


def test_never_retries_a_permanent_error():
    p, slept = policy()
    fn = Flaky(1)
    with pytest.raises(ConnectionError):
        p.call(fn, lambda e: Failure(False))
    assert fn.calls == 1 and slept == []


def test_honours_retry_after_but_not_beyond_the_cap():
    p, slept = policy(max_seconds=5)
    p.call(Flaky(2), lambda e: Failure(True, 3.0))
    assert slept == [3.0, 3.0]
    p2, slept2 = policy(max_seconds=5)
    p2.call(Flaky(1), lambda e: Failure(True, 3600.0))
    assert slept2 == [5.0]


def test_total_time_budget_stops_retries():
    p, slept = policy(max_attempts=50, max_seconds=10, total_seconds=15)
    with pytest.raises(ConnectionError):
        p.call(Flaky(100), lambda e: Failure(True, 10.0))
    assert slept == [10.0]  # a second 10 s wait would pass the 15 s budget


@pytest.mark.parametrize(
    ("status", "reason", "retry"),
    [
        (429, None, True),
        (503, None, True),
        (500, None, True),
        (403, "userRateLimitExceeded", True),
        (403, "forbidden", False),
        (404, "notFound", False),
        (400, None, False),
        (401, None, False),
    ],
)
def test_classification(status, reason, retry):
    assert classify_status(status, reason, None).retry is retry


def test_retry_after_in_seconds_or_http_date():
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after("mañana") is None
