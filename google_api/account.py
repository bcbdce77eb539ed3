"""[campus.google]: which key reaches Google, and one set of credentials per key.

The Sheets source and the Drive store of a campus share one `Session` (credentials,
their cached token, the retry policy), made once per process; the Gmail and XOAUTH2
senders ask for credentials of their own scope and mailbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from facultativo.google_api.auth import AuthError, load_credentials, service_account_email
from facultativo.google_api.retry import RetryPolicy
from facultativo.settings import Table

if TYPE_CHECKING:
    from google.auth.credentials import Credentials


@dataclass(frozen=True)
class Account:
    KEYS: ClassVar[frozenset[str]] = frozenset(
        {"credentials", "token", "endpoint", "timeout_seconds"}
    )

    credentials: Path
    token: Path | None = None  # OAuth user token cache (installed-app credentials)
    endpoint: str | None = None  # replaces the Google API hosts (tests, API proxies)
    timeout_seconds: float = 30.0

    @classmethod
    def from_table(cls, t: Table) -> Account:
        credentials = t.path("credentials")
        if credentials is None:
            t.problem(f'{t.where}.credentials falta: la llave JSON, p. ej. "credentials.json".')
        endpoint = t.text("endpoint") or None
        if endpoint and not endpoint.startswith(("https://", "http://")):
            t.problem(f'{t.where}.endpoint = "{endpoint}": debe empezar con https:// o http://.')
        return cls(
            credentials or Path("credentials.json"),
            t.path("token"),
            endpoint,
            t.number("timeout_seconds", cls.timeout_seconds, 1, 600),
        )

    def load(self, scopes: list[str] | None = None, subject: str | None = None) -> Credentials:
        """Credentials for these scopes (the Sheets and Drive ones by default), acting as
        `subject` when a service account sends as the office mailbox."""
        return load_credentials(self.credentials, self.token, scopes, subject)


@dataclass(frozen=True)
class Session:
    credentials: Credentials
    email: str | None  # the service account's address, to say whom to share with
    policy: RetryPolicy


_SESSIONS: dict[Account, tuple[tuple[int, int] | None, Session]] = {}


def session(account: Account) -> Session:
    """The account's Sheets-and-Drive session, made once per process and made again when
    the key file changes: IT replaces a revoked key as the log says, and the running
    service uses the new one on its next attempt (raises AuthError)."""
    seen = key_stamp(account.credentials)
    cached = _SESSIONS.get(account)
    if cached is None or cached[0] != seen:
        creds = account.load()
        _SESSIONS[account] = (seen, Session(creds, service_account_email(creds), RetryPolicy()))
    return _SESSIONS[account][1]


def key_stamp(path: Path) -> tuple[int, int] | None:
    """When the key file last changed, to notice it was replaced."""
    try:
        info = path.stat()
    except OSError:
        return None  # load() says what is wrong with it
    return info.st_mtime_ns, info.st_size


def forget() -> None:
    """Drop cached sessions (tests that restart the fake Google server)."""
    _SESSIONS.clear()


__all__ = ["Account", "AuthError", "Session", "forget", "key_stamp", "session"]
