"""gspread's HTTP client with our endpoint, timeouts and bounded retries.

The `endpoint` setting replaces both https://sheets.googleapis.com and
https://www.googleapis.com (tests, API proxies); everything else is the real
gspread talking HTTP.
"""

from __future__ import annotations

import os
from typing import Any

import requests
from google.auth.credentials import Credentials
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from facultativo.google_api.retry import Failure, RetryPolicy, classify_status, error_reason

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


def ca_bundle() -> str | None:
    """The certificates requests trusts (Sheets, the token), for httplib2 too (Drive,
    Gmail): a school proxy that inspects HTTPS is fixed by one variable, not two."""
    return next((os.environ[v] for v in CA_VARIABLES if os.environ.get(v)), None)


def rewrite(url: str, endpoint: str | None) -> str:
    if not endpoint:
        return url
    for host in GOOGLE_HOSTS:
        if url.startswith(host):
            return endpoint.rstrip("/") + url[len(host) :]
    return url


class SheetsHTTPClient(HTTPClient):
    """Every request: endpoint rewritten, explicit timeout, bounded retries."""

    def __init__(
        self, auth: Credentials, endpoint: str | None, policy: RetryPolicy, timeout: float
    ) -> None:
        super().__init__(auth)
        self.endpoint = endpoint
        self.policy = policy
        self.set_timeout((min(10.0, timeout), timeout))

    def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:
        url = rewrite(endpoint, self.endpoint)
        parent = super().request
        return self.policy.call(lambda: parent(method, url, *args, **kwargs), classify)


def classify(exc: BaseException) -> Failure:
    if isinstance(exc, APIError):
        response = exc.response
        try:
            reason = error_reason(response.json())
        except ValueError:
            reason = None
        return classify_status(response.status_code, reason, response.headers.get("Retry-After"))
    if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
        return Failure(True)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return Failure(True)
    return Failure(False)
