"""SMTP sender, the registered backend: [campus.mail] sender = "smtp" read into Settings,
and `build`, which makes the session (smtp_session.py) with the password or the XOAUTH2
token read at connection time, never kept in config.

The password's own problems (a variable missing from the environment, a password_file
missing, unreadable or empty, a Windows line ending) are worded here, in the same words
for `check` and for a cycle that cannot log in. What the server's replies mean is in
smtp_failures.py.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from facultativo.errors.system import os_error
from facultativo.notifiers.base import SendError, google_credentials
from facultativo.notifiers.smtp_session import SMTP_XOAUTH2, SmtpSender
from facultativo.settings import Deps, Table
from facultativo.settings.secrets import warn_if_readable_by_others

SECURITY = ("starttls", "ssl", "none")
AUTH = ("password", "xoauth2", "none")
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
    can_probe: ClassVar[bool] = True  # `check --probar-correo` logs in and sends MAIL FROM

    def describe(self) -> str:
        return f"se envían por SMTP a {self.host}:{self.port} ({self.security}, {self.auth})"

    def secret_problem(self) -> str | None:
        """The password the environment or a file must hold, when it does not (`check`)."""
        if self.auth != "password" or not self.username:
            return None
        if self.password_env:
            return missing_password(self.password_env)
        return password_file_problem(self.password_file) if self.password_file else None

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
            timeout_seconds=t.number("timeout_seconds", cls.timeout_seconds, 1, 600),
            mailbox=t.text("mailbox"),
        )


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
