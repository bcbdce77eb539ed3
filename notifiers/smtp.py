"""SMTP sender: STARTTLS or implicit TLS, login with an app password or XOAUTH2,
one connection per cycle, explicit timeouts.

Reply codes decide what happens to a message: 4xx, timeouts and dropped
connections are transient (sent again next cycle); 5xx for a recipient is
permanent (shown to staff in the sheet). A connection lost mid-batch is
reopened for the next message.
"""

from __future__ import annotations

import base64
import errno
import logging
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import ClassVar

from facultativo.errors.system import os_error
from facultativo.notifiers.base import Sender, SendError, google_credentials
from facultativo.settings import Deps, Table
from facultativo.settings.secrets import warn_if_readable_by_others
from facultativo.validators.text import clip

SECURITY = ("starttls", "ssl", "none")
log = logging.getLogger("facultativo.mail")


def read_password_file(path: Path) -> str:
    """The app password from [campus.mail] password_file, read at connection time.

    A file other users can read still works, with a warning (once per process),
    the same one a Google key file gets."""
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise SendError(
            f"no existe password_file {path}: créalo con la contraseña de aplicación sola en "
            f"una línea, legible por el usuario facultativo (install -m 640 -o root -g "
            f"facultativo /dev/null {path}, y luego edítalo)"
        ) from None
    except UnicodeDecodeError:
        raise SendError(
            f"password_file {path} no es texto UTF-8: escribe de nuevo la contraseña con un editor"
        ) from None
    except OSError as exc:
        raise SendError(
            f"no se puede leer password_file {path} ({os_error(exc)}): debe poder leerlo el "
            f"usuario facultativo (chgrp facultativo {path}; chmod 640 {path})"
        ) from None
    if not secret:
        raise SendError(
            f"password_file {path} está vacío: escribe en él la contraseña de aplicación, sola "
            "en una línea"
        )
    warn_if_readable_by_others(path)
    return secret


def password_file_problem(path: Path) -> str | None:
    """What is wrong with [campus.mail] password_file (missing, unreadable, empty), in the
    words a cycle that cannot log in uses; None when it holds a password."""
    try:
        read_password_file(path)
    except SendError as exc:
        return str(exc)
    return None


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
        password_from: str = "",
        cafile: Path | None = None,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.password_from = password_from  # where the password is kept, for the fix
        self.username, self.password, self.xoauth2 = username, password, xoauth2
        self.timeout = timeout
        self.context, self.cafile = context, cafile  # the context is made when first needed
        self.conn: smtplib.SMTP | None = None
        self._non_ascii = False  # the last login sent characters beyond ASCII (UTF-8)

    def open(self) -> None:
        """Connect, STARTTLS or TLS as configured, and log in. Every failure is a SendError
        with one Spanish line that says what to fix (`check --probar-correo` shows it as is)."""
        try:
            self.conn = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            if self.xoauth2 is not None:
                raise SendError(
                    f"el servidor {self.host} rechazó el token XOAUTH2 de «{self.username}» "
                    f"({exc.smtp_code}): revisa mailbox y la delegación de dominio de la cuenta "
                    f"de servicio (alcance {SMTP_XOAUTH2})"
                ) from None
            raise SendError(
                f"el servidor {self.host} rechazó el usuario «{self.username}» o la contraseña "
                f"de aplicación ({exc.smtp_code}): revisa username en [campus.mail] y la "
                f"contraseña{self.password_from}; con Gmail es una contraseña de aplicación "
                "(16 letras), no la de la cuenta" + (_NON_ASCII if self._non_ascii else "")
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(
                f"no hay conexión con {self.host}:{self.port}: {self._why(exc)}"
            ) from None

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._tls()
            )
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            conn.ehlo()
            if self.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise SendError(self._lacks("STARTTLS", _PORTS))
                conn.starttls(context=self._tls())
                conn.ehlo()
            if (self.xoauth2 is not None or self.username) and not conn.has_extn("auth"):
                raise SendError(self._lacks("AUTH (inicio de sesión)", _NO_AUTH))
            self._login(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _tls(self) -> ssl.SSLContext:
        """The system's authorities, or [campus.mail] cafile's: read at the first connection,
        so a wrong cafile is a line in the log and in `check`, not a crash."""
        if self.context is None:
            try:
                self.context = ssl.create_default_context(cafile=self.cafile)
            except ssl.SSLError:
                raise SendError(
                    f"cafile {self.cafile} no tiene un certificado PEM («-----BEGIN "
                    "CERTIFICATE-----»): revisa cafile en [campus.mail]"
                ) from None
            except OSError as exc:
                raise SendError(
                    f"cafile {self.cafile}: {os_error(exc)}; revisa cafile en [campus.mail]"
                ) from None
        return self.context

    def _lacks(self, what: str, fix: str) -> str:
        return f"el servidor {self.host}:{self.port} no ofrece {what}: {fix}"

    def _why(self, exc: BaseException) -> str:
        """What went wrong talking to the server, in Spanish, with the fix: smtplib's and
        OpenSSL's own words never reach the log or `check`."""
        if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(exc.__context__, OSError):
            exc = exc.__context__  # smtplib's word for a read that timed out or failed
        if isinstance(exc, ssl.SSLCertVerificationError):
            return _CERTIFICATE.get(exc.verify_code, _CERTIFICATE[0]).format(host=self.host)
        if isinstance(exc, ssl.SSLError):
            return f"no se pudo establecer TLS; {_PORTS}"
        if isinstance(exc, socket.timeout | TimeoutError):
            return (
                f"el servidor no respondió en {self.timeout:g} s: revisa host y port, que el "
                f"firewall deje salir a ese puerto y que security corresponda al puerto {_PAIRS}"
            )
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return f"el servidor cerró la conexión; {_PORTS}"
        if isinstance(exc, smtplib.SMTPResponseException):
            line, _ = explain_reply(exc.smtp_code, exc.smtp_error)
            return line if not line[:1].isdigit() else f"el servidor respondió {line}"
        if isinstance(exc, smtplib.SMTPException):  # login: no mechanism smtplib speaks
            return (
                "el servidor no acepta usuario y contraseña (PLAIN, LOGIN ni CRAM-MD5); "
                'con Gmail o Microsoft 365 sin contraseñas de aplicación usa auth = "xoauth2"'
            )
        return _why(exc)

    def _login(self, conn: smtplib.SMTP) -> None:
        if self.xoauth2 is not None:
            token = self.xoauth2()
            raw = f"user={self.username}\1auth=Bearer {token}\1\1"
            code, reply = conn.docmd("AUTH", "XOAUTH2 " + base64.b64encode(raw.encode()).decode())
            if code != 235:
                raise smtplib.SMTPAuthenticationError(code, reply)
        elif self.username:
            password = self.password() if callable(self.password) else self.password
            self._non_ascii = not (self.username + password).isascii()
            if self._non_ascii:
                self._login_utf8(conn, password)
            else:
                conn.login(self.username, password)

    def _login_utf8(self, conn: smtplib.SMTP, password: str) -> None:
        """smtplib encodes AUTH in ASCII; a username or password with ñ or accents goes as
        UTF-8 (RFC 4616 for PLAIN, what servers that allow it expect for LOGIN too). A server
        that refuses it answers 535, worded in `open` with what to check."""

        def b64(text: str) -> str:
            return base64.b64encode(text.encode("utf-8")).decode("ascii")

        offered = conn.esmtp_features.get("auth", "").upper().split()
        if "PLAIN" in offered:
            code, reply = conn.docmd("AUTH", "PLAIN " + b64(f"\x00{self.username}\x00{password}"))
        elif "LOGIN" in offered:
            code, reply = conn.docmd("AUTH", "LOGIN " + b64(self.username))
            if code == 334:
                code, reply = conn.docmd(b64(password))
        else:
            raise SendError(
                f"el servidor {self.host} solo acepta contraseñas en ASCII (CRAM-MD5) y el "
                f"usuario o la contraseña{self.password_from} tienen ñ, acentos u otros "
                "caracteres fuera de ASCII: usa una contraseña solo con letras sin acento, "
                "números y signos"
            )
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)

    def send(self, message: EmailMessage) -> None:
        if self.conn is None:
            self.open()  # the previous message lost the connection
        assert self.conn is not None
        try:
            self.conn.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            text, relay = explain_reply(code, reply, "RCPT")
            raise SendError(text, transient=code < 500, relay=relay) from None
        except smtplib.SMTPSenderRefused as exc:  # MAIL FROM: the relay's setup, not the address
            self._drop_if_closing(exc.smtp_code)
            text, _ = explain_reply(exc.smtp_code, exc.smtp_error, "MAIL")
            raise SendError(text, relay=True) from None
        except smtplib.SMTPDataError as exc:
            self._drop_if_closing(exc.smtp_code)
            text, relay = explain_reply(exc.smtp_code, exc.smtp_error, "DATA")
            raise SendError(text, transient=exc.smtp_code < 500, relay=relay) from None
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
            self.conn = None
            raise SendError(f"se cortó la conexión con {self.host} ({_why(exc)})") from None

    def probe(self, sender: str) -> None:
        """For `check --probar-correo`, after `open`: MAIL FROM the campus's address, then
        RSET (no RCPT, no DATA: nothing is sent), so a server that will not take mail from
        this account or address says so now, not at the first student's email."""
        assert self.conn is not None
        try:
            code, reply = self.conn.mail(sender)
            if code != 250:
                raise SendError(explain_reply(code, reply, "MAIL")[0], relay=True)
            self.conn.rset()
        except (smtplib.SMTPException, OSError) as exc:
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
    return clip(f"{code} {' '.join(text.split())}", 200)


_ENHANCED = re.compile(r"^([245]\.\d{1,3}\.\d{1,3})\s*")
_RELAY = (
    "el servidor no deja enviar desde esta cuenta o dirección (relay): revisa username, from "
    "y security en [campus.mail], o pide a quien administra el correo que lo permita"
)
_AUTH = (
    "el servidor pide iniciar sesión antes de enviar: revisa auth, username y security en "
    "[campus.mail] (muchos solo aceptan la contraseña después de STARTTLS, en el 587 con "
    '"starttls")'
)
_POLICY = (
    "el servidor rechazó el correo por sus políticas (remitente no autorizado, SPF/DKIM o "
    "filtro de spam): revisa from en [campus.mail] con quien administra el servidor de correo"
)
_NO_MAILBOX = (
    "la dirección no existe en el servidor de correo del destinatario: revisa que esté bien escrita"
)
_FULL = "el buzón del destinatario está lleno"
_SIZE = "el correo es más grande de lo que acepta el servidor"
_REFUSED = (
    "el servidor rechazó el correo (554, transacción fallida): revisa con quien administra el "
    "servidor de correo"
)


def explain_reply(code: int, reply: bytes | str, stage: str = "") -> tuple[str, bool]:
    """A refusal the server answered, as (line, relay): the common 5xx explained in Spanish,
    with the code and a short quote of the server's own text only as the detail after it
    (the rest, and every 4xx, the code and the text as they came). `relay`: the refusal is
    the server's about this account or machine (IT's to fix), not about one address.
    `stage`: "MAIL", "RCPT" or "DATA"."""
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    text = " ".join(text.split())
    found = _ENHANCED.match(text)
    enhanced = found[1] if found else ""
    said = text[found.end() :] if found else text
    lowered = said.lower()
    spanish, relay = "", False
    if code >= 500:
        if "relay" in lowered:
            spanish, relay = _RELAY, True
        elif code == 530 or enhanced in ("5.7.0", "5.7.8") or "authentication required" in lowered:
            spanish, relay = _AUTH, True
        elif enhanced.startswith("5.7."):
            spanish, relay = _POLICY, True
        elif enhanced == "5.2.2" or "quota" in lowered or "mailbox full" in lowered:
            spanish = _FULL
        elif code == 552 or enhanced == "5.3.4" or "size" in lowered or "too large" in lowered:
            spanish = _SIZE
        elif stage == "RCPT" and (enhanced.startswith("5.1.") or code in (550, 551, 553)):
            spanish = _NO_MAILBOX
        elif code == 554:
            spanish = _REFUSED
    if not spanish:
        return _reply(code, reply), relay
    detail = f"{code}{f' {enhanced}' if enhanced else ''}" + (
        f": «{clip(said, 80)}»" if said else ""
    )
    return f"{spanish} ({detail})", relay


def _why(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "tiempo de espera agotado"
    if isinstance(exc, socket.gaierror):
        return "no se encontró el servidor (DNS): revisa host"
    if isinstance(exc, ConnectionRefusedError):
        return "el servidor rechazó la conexión: revisa host y port"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return f"el servidor cortó la conexión; {_PORTS}"
    if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "no hay ruta hacia el servidor: revisa host y la red de esta máquina"
    if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
        return os_error(exc)
    return f"error inesperado ({type(exc).__name__})"


_NON_ASCII = (
    "; el usuario o la contraseña tienen ñ, acentos u otros caracteres fuera de ASCII, que "
    "muchos servidores no aceptan (se enviaron en UTF-8): las contraseñas de aplicación de "
    "Gmail solo usan letras a-z; cópiala de nuevo"
)
_PAIRS = '(587 con "starttls", 465 con "ssl")'
_PORTS = f"revisa security y port {_PAIRS}"
_NO_AUTH = (
    'si este servidor no pide contraseña, usa auth = "none"; si la pide, revisa security '
    "y port (muchos solo ofrecen AUTH después de STARTTLS, en el 587)"
)
_CA = "si el servidor usa una autoridad propia, indica su certificado con cafile en [campus.mail]"
_CERTIFICATE = {  # OpenSSL's verify codes (X509_V_ERR_*)
    0: f"el certificado del servidor no es válido; {_CA}",
    9: "el certificado del servidor aún no es válido: revisa la fecha y hora de esta máquina",
    10: "el certificado del servidor venció: avisa a quien administra el servidor de correo",
    18: f"el certificado del servidor es autofirmado; {_CA}",
    19: f"el certificado del servidor es de una autoridad desconocida; {_CA}",
    20: f"el certificado del servidor es de una autoridad desconocida; {_CA}",
    21: f"el certificado del servidor es de una autoridad desconocida; {_CA}",
    62: (
        "el certificado del servidor no es para «{host}»: escribe en host el nombre que "
        "dice su certificado (p. ej. smtp.gmail.com, no una dirección IP)"
    ),
}


def missing_password(variable: str) -> str | None:
    """The problem when the environment lacks the app password [campus.mail] names; the
    same words for `check` and for a cycle that cannot log in."""
    if os.environ.get(variable, ""):
        return None
    return (
        f"la variable de entorno {variable} no existe o está vacía: escríbela en "
        f"/etc/facultativo/env como {variable}='…' (legible por el usuario facultativo); "
        "systemd la lee con EnvironmentFile=, y con cron hay que cargarla con "
        "«set -a; . /etc/facultativo/env; set +a» (deploy/facultativo.cron)"
    )


_CRLF_WARNED: set[str] = set()


def password_from_env(variable: str) -> str:
    """The app password in `variable`, without the carriage return a Windows-edited
    /etc/facultativo/env leaves at its end when sh reads it (systemd drops it itself): the
    server would refuse the password with it. Said once per process, with the fix."""
    value = os.environ[variable]
    if not value.endswith("\r"):
        return value
    if variable not in _CRLF_WARNED:
        _CRLF_WARNED.add(variable)
        log.warning(
            "%s termina en un retorno de carro: /etc/facultativo/env tiene finales de línea de "
            "Windows (CRLF); se usa sin él, pero conviértelo con: sed -i 's/\\r$//' "
            "/etc/facultativo/env",
            variable,
        )
    return value.rstrip("\r")


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
    xoauth2 = _xoauth2(s, deps) if s.auth == "xoauth2" else None
    return SmtpSender(
        s.host,
        s.port,
        s.security,
        s.username if s.auth != "none" else "",
        "" if s.auth == "none" else _password(s),
        xoauth2,
        s.timeout_seconds,
        password_from=_password_from(s),
        cafile=s.cafile,
    )


def _password_from(s: Settings) -> str:
    if s.auth != "password":
        return ""
    if s.password_env:
        return f" ({s.password_env} en /etc/facultativo/env)"
    return f" (password_file {s.password_file})" if s.password_file else ""


def _password(s: Settings) -> Callable[[], str]:
    """Read at connection time, from the environment or a file, never kept in config."""

    def read() -> str:
        if s.password_env:
            problem = missing_password(s.password_env)
            if problem:
                raise SendError(problem)
            return password_from_env(s.password_env)
        if s.password_file:
            return read_password_file(s.password_file)
        return ""

    return read


def _xoauth2(s: Settings, deps: Deps) -> Callable[[], str]:
    """A fresh OAuth token for each connection, from [campus.google]'s key acting as the
    office mailbox."""

    def token() -> str:
        from google.auth.exceptions import GoogleAuthError
        from google.auth.transport.requests import Request

        from facultativo.google_api.failures import explain

        creds = google_credentials(deps, SMTP_XOAUTH2, s.mailbox or s.username)
        try:
            creds.refresh(Request())
        except GoogleAuthError as exc:
            known = explain(exc)
            text = known.text if known else type(exc).__name__
            raise SendError(
                f"token XOAUTH2: {text}", True, relay=bool(known and not known.outage)
            ) from None
        return str(creds.token)

    return token
