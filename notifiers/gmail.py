"""Gmail API sender: `users.messages.send` as the office mailbox.

With a service account, Workspace domain-wide delegation lets it send as the
mailbox (scope gmail.send only); with OAuth user credentials, the user who ran
`facultativo auth` sends. Retries follow the shared bounded policy; a 4xx other
than rate limits is permanent for that message.
"""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import httplib2
from google.auth.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from facultativo.google_api.retry import Failure, RetryPolicy, classify_status, error_reason

from .base import Sender, SendError

NETWORK = (OSError, httplib2.HttpLib2Error, http.client.HTTPException)


class GmailSender(Sender):
    name = "gmail"

    def __init__(
        self,
        credentials: Callable[[], Credentials],
        endpoint: str | None,
        policy: RetryPolicy,
        timeout: float,
    ) -> None:
        self.credentials, self.endpoint = credentials, endpoint
        self.policy, self.timeout = policy, timeout
        self.service: Any = None

    def open(self) -> None:
        """Credentials are loaded here, so a broken key defers mail instead of stopping sync."""
        http = AuthorizedHttp(self.credentials(), http=httplib2.Http(timeout=self.timeout))
        options = {"api_endpoint": self.endpoint.rstrip("/") + "/"} if self.endpoint else None
        self.service = build(
            "gmail",
            "v1",
            http=http,
            client_options=options,
            cache_discovery=False,
            static_discovery=True,
        )

    def send(self, message: EmailMessage) -> None:
        raw = base64.urlsafe_b64encode(message.as_bytes()).decode()
        request = self.service.users().messages().send(userId="me", body={"raw": raw})
        try:
            self.policy.call(request.execute, _classify)
        except HttpError as exc:
            status = int(exc.resp.status)
            transient = _classify(exc).retry or status in (401, 403)
            raise SendError(f"Gmail respondió {status}: {_message(exc)}", transient) from None
        except NETWORK as exc:
            raise SendError(f"sin conexión con Gmail ({type(exc).__name__})") from None


def _classify(exc: BaseException) -> Failure:
    if isinstance(exc, HttpError):
        reason = error_reason(_body(exc))
        return classify_status(int(exc.resp.status), reason, exc.resp.get("retry-after"))
    return Failure(isinstance(exc, NETWORK))


def _body(exc: HttpError) -> Any:
    try:
        return json.loads(exc.content)
    except (ValueError, TypeError):
        return None


def _message(exc: HttpError) -> str:
    body = _body(exc)
    try:
        return str(body["error"]["message"])[:150]
    except (KeyError, TypeError):
        return "error"
