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
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, ClassVar

from facultativo.google_api.retry import Failure, RetryPolicy, classify_status, error_reason
from facultativo.notifiers.base import Sender, SendError, google_credentials
from facultativo.settings import Deps, Table
from facultativo.validators.text import clip

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

GMAIL_SEND = "https://www.googleapis.com/auth/gmail.send"


def _network(*more: type[BaseException]) -> tuple[type[BaseException], ...]:
    import httplib2

    return (OSError, httplib2.HttpLib2Error, http.client.HTTPException, *more)


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
        import httplib2
        from google_auth_httplib2 import AuthorizedHttp
        from googleapiclient.discovery import build as discovery_build

        from facultativo.google_api.http import ca_bundle

        http = AuthorizedHttp(
            self.credentials(), http=httplib2.Http(timeout=self.timeout, ca_certs=ca_bundle())
        )
        options = {"api_endpoint": self.endpoint.rstrip("/") + "/"} if self.endpoint else None
        self.service = discovery_build(
            "gmail",
            "v1",
            http=http,
            client_options=options,
            cache_discovery=False,
            static_discovery=True,
        )

    def send(self, message: EmailMessage) -> None:
        from google.auth.exceptions import GoogleAuthError
        from googleapiclient.errors import HttpError

        from facultativo.google_api.failures import explain

        raw = base64.urlsafe_b64encode(message.as_bytes()).decode()
        request = self.service.users().messages().send(userId="me", body={"raw": raw})
        try:
            self.policy.call(request.execute, _classify)
        except HttpError as exc:
            status = int(exc.resp.status)
            retry = _classify(exc).retry
            text, relay = explain_refusal(status, error_reason(_body(exc)), _message(exc), retry)
            raise SendError(text, retry or status in (401, 403), relay=relay) from None
        except _network(GoogleAuthError) as exc:
            known = explain(exc)
            text = known.text if known else type(exc).__name__
            refused = known is not None and not known.outage  # the key, not this address
            raise SendError(f"Gmail: {text}", True, relay=refused) from None


def _classify(exc: BaseException) -> Failure:
    from googleapiclient.errors import HttpError

    if isinstance(exc, HttpError):
        reason = error_reason(_body(exc))
        return classify_status(int(exc.resp.status), reason, exc.resp.get("retry-after"))
    return Failure(isinstance(exc, _network()))


def _body(exc: Any) -> Any:
    try:
        return json.loads(exc.content)
    except (ValueError, TypeError):
        return None


def _message(exc: Any) -> str:
    body = _body(exc)
    try:
        return str(body["error"]["message"])
    except (KeyError, TypeError):
        return ""


_RATE = {"rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded", "quotaExceeded"}
_GMAIL_DISABLED = {"accessNotConfigured", "SERVICE_DISABLED"}


def explain_refusal(status: int, reason: str | None, message: str, retry: bool) -> tuple[str, bool]:
    """Gmail's refusal as (line, relay): what it means in Spanish, then Gmail's status and a
    short quote of its own (English) words as the detail. `relay`: the account or the key
    is refused, not this address: IT's to fix, never the student's ERROR."""
    lowered = message.lower()
    relay = False
    if reason in _RATE or status == 429:
        spanish = "Gmail limita por ahora los envíos de esta cuenta; se intenta de nuevo más tarde"
    elif reason in _GMAIL_DISABLED:
        spanish, relay = (
            "la Gmail API no está habilitada en el proyecto de Google Cloud de la llave: "
            "habilítala en «APIs y servicios» → «Biblioteca» y espera unos minutos",
            True,
        )
    elif status >= 500 or retry:
        spanish = "Gmail no está disponible por ahora; se intenta de nuevo más tarde"
    elif status == 401:
        spanish, relay = (
            "Google no aceptó las credenciales de [campus.google] para enviar: revisa la llave "
            f"y, con una cuenta de servicio, la delegación de todo el dominio ({GMAIL_SEND})",
            True,
        )
    elif status == 403 or "delegation" in lowered:
        spanish, relay = (
            "la cuenta no tiene permiso para enviar como el buzón: revisa mailbox en "
            "[campus.mail] y, con una cuenta de servicio, la delegación de todo el dominio con "
            f"el permiso {GMAIL_SEND}",
            True,
        )
    elif reason == "failedPrecondition" or "not enabled" in lowered:
        spanish, relay = (
            "el buzón que envía no tiene Gmail activo en Google Workspace: revisa mailbox en "
            "[campus.mail]",
            True,
        )
    elif status == 400:
        spanish = (
            "Gmail no acepta este correo (casi siempre, la dirección del destinatario no es "
            "válida): revisa que esté bien escrita"
        )
    else:
        spanish = "Gmail rechazó el correo"
    quote = f": «{clip(message, 80)}»" if message else ""
    return f"{spanish} (Gmail respondió {status}{quote})", relay


KIND = "gmail"
TABLE = "mail"


@dataclass(frozen=True)
class Settings:
    """[campus.mail] sender = "gmail": the Gmail API through [campus.google]'s key."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"mailbox", "timeout_seconds"})

    mailbox: str = ""  # a service account sends as this mailbox (domain-wide delegation)
    timeout_seconds: float = 30.0
    needs_google: ClassVar[bool] = True  # [campus.google]'s key sends
    can_probe: ClassVar[bool] = False  # `check` already tries the key against Google

    def secret_problem(self) -> str | None:
        return None  # the key is [campus.google]'s, which `check` reads first

    @classmethod
    def from_table(cls, t: Table) -> Settings:
        return cls(t.text("mailbox"), t.number("timeout_seconds", cls.timeout_seconds, 1, 600))

    def describe(self) -> str:
        return f"se envían con la API de Gmail como {self.mailbox or 'la cuenta autorizada'}"


def build(settings: Settings, deps: Deps) -> GmailSender:
    endpoint = deps.google.endpoint if deps.google else None
    return GmailSender(
        lambda: google_credentials(deps, GMAIL_SEND, settings.mailbox),
        endpoint,
        RetryPolicy(),
        settings.timeout_seconds,
    )
