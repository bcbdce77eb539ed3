"""Wiring: a configured campus → the sources, stores and senders its cycle uses.

Backends are chosen here by name, so the cycle never knows which ones it has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

from google.auth.credentials import Credentials

from facultativo.notifiers.base import Sender, SendError
from facultativo.notifiers.compose import environment
from facultativo.notifiers.outbox import OutboxSender
from facultativo.sync.attachments.base import AttachmentStore
from facultativo.sync.attachments.folder import FolderStore
from facultativo.sync.cycle import Runtime
from facultativo.sync.ledger import Ledger
from facultativo.sync.lock import campus_lock
from facultativo.sync.notify import MailContext
from facultativo.sync.process import Retry
from facultativo.sync.sources.base import ResponseSource, SourceError
from facultativo.sync.sources.xlsx import XlsxSource
from facultativo.validators import ValidatorPool

from .config import Campus, Config, Mail


def build_source(campus: Campus) -> ResponseSource:
    src = campus.source
    if src.kind == "google":
        return _google(campus)[0]
    if src.kind == "xlsx" and src.path is not None:
        return XlsxSource(src.path, src.sheet)
    raise SourceError(f"campus «{campus.name}»: falta [campus.source] con kind y path.")


def build_store(campus: Campus) -> AttachmentStore:
    if campus.source.kind == "google":
        return _google(campus)[1]
    folder = campus.source.attachments
    if folder is None:
        raise SourceError(f"campus «{campus.name}»: falta source.attachments (carpeta de PDFs).")
    return FolderStore(folder)


_GOOGLE: dict[tuple, tuple[ResponseSource, AttachmentStore]] = {}


def _google(campus: Campus) -> tuple[ResponseSource, AttachmentStore]:
    """Sheets source and Drive store for a campus, made once per process so that
    credentials (and their token) and the download cache live across cycles."""
    from facultativo.sync.google_clients import google_backends

    g = campus.google
    if g is None:
        raise SourceError(f"campus «{campus.name}»: falta la tabla [campus.google].")
    key = (campus.name, g)
    if key not in _GOOGLE:
        _GOOGLE[key] = google_backends(
            g.credentials, g.spreadsheet, g.tab, g.endpoint, g.token, g.timeout_seconds
        )
    return _GOOGLE[key]


def build_sender(campus: Campus) -> Sender:
    """The campus's sender, by name: one module per sender under notifiers/."""
    mail = campus.mail
    if mail.sender == "smtp":
        return _smtp(campus)
    if mail.sender == "gmail":
        return _gmail(campus)
    assert mail.outbox is not None
    return OutboxSender(mail.outbox)


def _smtp(campus: Campus) -> Sender:
    import ssl

    from facultativo.notifiers.smtp import SmtpSender

    mail = campus.mail
    context = ssl.create_default_context(cafile=str(mail.cafile) if mail.cafile else None)
    xoauth2 = None
    if mail.auth == "xoauth2":
        xoauth2 = _google_token(campus, "https://mail.google.com/")
    password = "" if mail.auth == "none" else _password(mail)
    return SmtpSender(
        mail.host,
        mail.port,
        mail.security,
        mail.username if mail.auth != "none" else "",
        password,
        xoauth2,
        mail.timeout_seconds,
        context,
    )


def _password(mail: Mail) -> Callable[[], str]:
    """Read at connection time, from the environment or a file, never kept in config."""
    import os

    def read() -> str:
        if mail.password_env:
            value = os.environ.get(mail.password_env, "")
            if not value:
                raise SendError(f"la variable de entorno {mail.password_env} está vacía")
            return value
        if mail.password_file:
            from facultativo.notifiers.smtp import read_password_file

            return read_password_file(mail.password_file)
        return ""

    return read


def _google_credentials(campus: Campus, scope: str) -> Credentials:
    from facultativo.google_api.auth import AuthError, load_credentials

    g = campus.google
    if g is None:
        raise SendError(f"campus «{campus.name}»: enviar con Google necesita [campus.google]")
    try:
        return load_credentials(
            g.credentials,
            g.token,
            [scope],
            subject=campus.mail.mailbox or campus.mail.username or None,
        )
    except AuthError as exc:
        raise SendError(str(exc)) from None


def _google_token(campus: Campus, scope: str) -> Callable[[], str]:
    def token() -> str:
        from google.auth.transport.requests import Request

        creds = _google_credentials(campus, scope)
        creds.refresh(Request())
        return creds.token

    return token


def _gmail(campus: Campus) -> Sender:
    from facultativo.google_api.auth import GMAIL_SEND
    from facultativo.google_api.retry import RetryPolicy
    from facultativo.notifiers.gmail import GmailSender

    endpoint = campus.google.endpoint if campus.google else None
    return GmailSender(
        lambda: _google_credentials(campus, GMAIL_SEND),
        endpoint,
        RetryPolicy(),
        campus.mail.timeout_seconds,
    )


def mail_context(campus: Campus) -> MailContext:
    c = campus.contact
    escuela = campus.policy.institutions[0] if campus.policy.institutions else ""
    contact = {
        "office": c.office,
        "email": c.email,
        "address": c.address,
        "hours": c.hours,
        "escuela": escuela,
    }
    sender = campus.mail.from_address or (f"{c.office} <{c.email}>" if c.email else c.office)
    return MailContext(
        environment(campus.mail.templates),
        campus.name,
        contact,
        sender,
        campus.policy.timezone,
        campus.mail.daily_cap,
        campus.mail.modo == "sombra",
    )


@contextmanager
def open_runtime(
    config: Config,
    campus: Campus,
    pool: ValidatorPool,
    dry_run: bool = False,
    checkpoint: Callable[[str], None] | None = None,
    locked: bool = False,
) -> Iterator[Runtime]:
    """A Runtime with an open ledger, holding the campus lock unless the caller
    already holds it (`locked`) or nothing will be written (`dry_run`)."""
    lock = nullcontext() if dry_run or locked else campus_lock(config.ledger, campus.name)
    with lock:
        ledger = Ledger.snapshot(config.ledger) if dry_run else Ledger(config.ledger)
        try:
            rt = Runtime(
                name=campus.name,
                policy=campus.policy,
                source=build_source(campus),
                store=build_store(campus),
                ledger=ledger,
                pool=pool,
                sender=build_sender(campus),
                mail=mail_context(campus),
                limits=config.limits,
                retry=Retry(campus.max_attempts, campus.retry_minutes),
                desde=campus.desde,
                columns=campus.columns,
            )
            if checkpoint is not None:
                rt.checkpoint = checkpoint
            yield rt
        finally:
            ledger.close()
