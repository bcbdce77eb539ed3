"""Wiring: a configured campus → the sources, stores and senders its cycle uses.

Backends are chosen here by name, so the cycle never knows which ones it has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

from facultativo.notifiers.base import Sender
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

from .config import Campus, Config


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
    from facultativo.sync.google.clients import google_backends

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
    outbox = campus.mail.outbox
    assert outbox is not None
    return OutboxSender(outbox)


def mail_context(campus: Campus) -> MailContext:
    c = campus.contact
    contact = {"office": c.office, "email": c.email, "address": c.address, "hours": c.hours}
    sender = campus.mail.from_address or (f"{c.office} <{c.email}>" if c.email else c.office)
    return MailContext(environment(), campus.name, contact, sender, campus.policy.timezone)


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
                columns=campus.columns,
            )
            if checkpoint is not None:
                rt.checkpoint = checkpoint
            yield rt
        finally:
            ledger.close()
