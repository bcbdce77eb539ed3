"""The interface every sender implements: open once per cycle, send, close.

Adding a sender (SMTP, Gmail API, ...) means adding one module with one
subclass; the cycle never knows which one it talks to.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from email.message import EmailMessage
from typing import TYPE_CHECKING

from facultativo.settings import Deps

if TYPE_CHECKING:
    from google.auth.credentials import Credentials


class SendError(Exception):
    """A message was not sent. `transient`: try again later; otherwise permanent (bad
    address, rejected) and shown to staff in the sheet. `relay`: the server refused us,
    not this address (a sender refused, authentication required): the email waits for IT,
    however long, and is never the student's ERROR."""

    def __init__(self, message: str, transient: bool = True, relay: bool = False) -> None:
        super().__init__(message)
        self.transient = transient or relay
        self.relay = relay


class Sender(ABC):
    name: str

    def __enter__(self) -> Sender:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:  # noqa: B027 - optional hook
        """Connect; raise SendError(transient=True) when the service is down."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Disconnect."""

    @abstractmethod
    def send(self, message: EmailMessage) -> None:
        """Deliver one message or raise SendError."""

    def probe(self, from_address: str) -> str | None:
        """For `check --probar-correo`, after `open`: try the account without sending
        anything and say what was tried; None when this sender cannot be tried so."""
        return None

    def deliver(self, message: EmailMessage, row: int | None = None, masked_to: str = "") -> None:
        """`send`, told what the message is about: the sheet row (None: no row, the digest)
        and the address as the logs mask it (never the whole address). A sender that keeps
        files, the outbox, names them by these; the others just send."""
        self.send(message)


def google_credentials(deps: Deps, scope: str, subject: str) -> Credentials:
    """Credentials from [campus.google]'s key for one scope, acting as `subject` (the office
    mailbox) when it is a service account with domain-wide delegation."""
    from facultativo.google_api.auth import AuthError

    if deps.google is None:
        raise SendError(f"campus «{deps.campus}»: enviar con Google necesita [campus.google]")
    try:
        creds: Credentials = deps.google.load([scope], subject or None)
        return creds
    except AuthError as exc:
        raise SendError(str(exc)) from None
