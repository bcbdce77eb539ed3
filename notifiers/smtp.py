"""SMTP sender: STARTTLS or implicit TLS, login with an app password or XOAUTH2,
one connection per cycle, explicit timeouts.

Reply codes decide what happens to a message: 4xx, timeouts and dropped
connections are transient (sent again next cycle); 5xx for a recipient is
permanent (shown to staff in the sheet). A connection lost mid-batch is
reopened for the next message.
"""

from __future__ import annotations

import base64
import logging
import os
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import ClassVar

from facultativo.settings import Deps, Table
from facultativo.settings.secrets import warn_if_readable_by_others
from facultativo.validators.text import os_error

from .base import Sender, SendError, google_credentials

SECURITY = ("starttls", "ssl", "none")
log = logging.getLogger("facultativo.mail")


def read_password_file(path: Path) -> str:
    """The app password from [campus.mail] password_file, read at connection time.

    A file other users can read still works, with a warning (once per process),
    the same one a Google key file gets."""
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise SendError(f"no existe password_file {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SendError(f"no se pudo leer password_file {path} ({type(exc).__name__})") from None
    warn_if_readable_by_others(path)
    return secret


class SmtpSender(Sender):
    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        security: str = "starttls",
        username: str = "",
        password: str | Callable[[], str] = "",
        xoauth2: Callable[[], str] | None = None,
        timeout: float = 30.0,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.xoauth2 = username, password, xoauth2
        self.timeout = timeout
        self.context = context or ssl.create_default_context()
        self.conn: smtplib.SMTP | None = None

    def open(self) -> None:
        try:
            self.conn = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            raise SendError(
                f"el servidor {self.host} rechazó el usuario o la contraseña de aplicación "
                f"({exc.smtp_code}); revisa [campus.mail]"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"no hay conexión con {self.host}:{self.port} ({_why(exc)})") from None

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.context
            )
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            conn.ehlo()
            if self.security == "starttls":
                conn.starttls(context=self.context)
                conn.ehlo()
            self._login(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _login(self, conn: smtplib.SMTP) -> None:
        if self.xoauth2 is not None:
            token = self.xoauth2()
            raw = f"user={self.username}\1auth=Bearer {token}\1\1"
            code, reply = conn.docmd("AUTH", "XOAUTH2 " + base64.b64encode(raw.encode()).decode())
            if code != 235:
                raise smtplib.SMTPAuthenticationError(code, reply)
        elif self.username:
            password = self.password() if callable(self.password) else self.password
            conn.login(self.username, password)

    def send(self, message: EmailMessage) -> None:
        if self.conn is None:
            self.open()  # the previous message lost the connection
        assert self.conn is not None
        try:
            self.conn.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise SendError(_reply(code, reply), transient=code < 500) from None
        except smtplib.SMTPSenderRefused as exc:  # MAIL FROM: the relay's setup, not the address
            self._drop_if_closing(exc.smtp_code)
            raise SendError(_reply(exc.smtp_code, exc.smtp_error), relay=True) from None
        except smtplib.SMTPDataError as exc:
            self._drop_if_closing(exc.smtp_code)
            raise SendError(
                _reply(exc.smtp_code, exc.smtp_error), transient=exc.smtp_code < 500
            ) from None
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
            self.conn = None
            raise SendError(f"se cortó la conexión con {self.host} ({_why(exc)})") from None

    def _drop_if_closing(self, code: int) -> None:
        if code == 421:  # the server is closing the channel
            self.close()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                self.conn.close()
            self.conn = None


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {' '.join(text.split())}"[:200]


def _why(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "tiempo de espera agotado"
    if isinstance(exc, socket.gaierror):
        return "no se encontró el servidor: revisa host"
    if isinstance(exc, ConnectionRefusedError):
        return "el servidor rechazó la conexión: revisa host y port"
    if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
        return os_error(exc)
    return f"{type(exc).__name__}: {exc}"[:120]


KIND = "smtp"
TABLE = "mail"
SMTP_XOAUTH2 = "https://mail.google.com/"  # the scope Gmail's SMTP asks of an XOAUTH2 token


@dataclass(frozen=True)
class Settings:
    """[campus.mail] sender = "smtp". Secrets come from the environment or a file, never
    from facultativo.toml."""

    KEYS: ClassVar[frozenset[str]] = frozenset(
        {
            "host",
            "port",
            "security",
            "username",
            "password_env",
            "password_file",
            "password",
            "auth",
            "cafile",
            "timeout_seconds",
            "mailbox",
        }
    )

    host: str
    port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    username: str = ""
    password_env: str = ""
    password_file: Path | None = None
    auth: str = "password"  # password | xoauth2 | none
    cafile: Path | None = None
    timeout_seconds: float = 30.0
    mailbox: str = ""  # xoauth2 with a service account: the mailbox it acts as

    def describe(self) -> str:
        return f"se envían por SMTP a {self.host}:{self.port} ({self.security}, {self.auth})"

    @property
    def needs_google(self) -> bool:
        """XOAUTH2 tokens come from [campus.google]'s key."""
        return self.auth == "xoauth2"

    @classmethod
    def from_table(cls, t: Table) -> Settings:
        host = t.text("host")
        if not host:
            t.problem(f'{t.where}.host falta: el servidor SMTP, p. ej. "smtp.gmail.com".')
        security = t.choice("security", SECURITY, "starttls")
        auth = t.choice("auth", AUTH, "password")
        username, password_env = t.text("username"), t.text("password_env")
        password_file = t.path("password_file")
        if auth == "password" and username and not (password_env or password_file):
            t.problem(
                f"{t.where}: falta password_env (variable de entorno con la contraseña de "
                "aplicación) o password_file; la contraseña nunca va en este archivo."
            )
        if t.has("password"):
            t.problem(f"{t.where}.password: no escribas contraseñas aquí; usa password_env.")
        port = 465 if security == "ssl" else 587
        return cls(
            host=host,
            port=int(t.number("port", port, 1, 65535, whole=True)),
            security=security,
            username=username,
            password_env=password_env,
            password_file=password_file,
            auth=auth,
            cafile=t.path("cafile"),
            timeout_seconds=t.number("timeout_seconds", 30.0, 1, 600),
            mailbox=t.text("mailbox"),
        )


AUTH = ("password", "xoauth2", "none")


def build(settings: Settings, deps: Deps) -> SmtpSender:
    s = settings
    cafile = str(s.cafile) if s.cafile else None
    xoauth2 = _xoauth2(s, deps) if s.auth == "xoauth2" else None
    return SmtpSender(
        s.host,
        s.port,
        s.security,
        s.username if s.auth != "none" else "",
        "" if s.auth == "none" else _password(s),
        xoauth2,
        s.timeout_seconds,
        ssl.create_default_context(cafile=cafile),
    )


def _password(s: Settings) -> Callable[[], str]:
    """Read at connection time, from the environment or a file, never kept in config."""

    def read() -> str:
        if s.password_env:
            value = os.environ.get(s.password_env, "")
            if not value:
                raise SendError(f"la variable de entorno {s.password_env} está vacía")
            return value
        if s.password_file:
            return read_password_file(s.password_file)
        return ""

    return read


def _xoauth2(s: Settings, deps: Deps) -> Callable[[], str]:
    """A fresh OAuth token for each connection, from [campus.google]'s key acting as the
    office mailbox."""

    def token() -> str:
        from google.auth.transport.requests import Request

        creds = google_credentials(deps, SMTP_XOAUTH2, s.mailbox or s.username)
        creds.refresh(Request())
        return str(creds.token)

    return token
