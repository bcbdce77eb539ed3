"""The composition root: a configured campus → the source, store and sender its cycle uses.

Each backend is found in its family's registry by the kind the configuration names
(notifiers.SENDERS, sync.sources.SOURCES, sync.attachments.STORES) and built from its
own settings, so neither the cycle nor this module knows which ones exist.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from typing import Any

from facultativo.config import Campus, Config
from facultativo.google_api.account import key_stamp
from facultativo.notifiers import SENDERS
from facultativo.notifiers.base import Sender
from facultativo.notifiers.compose import environment
from facultativo.settings import Backend, Deps
from facultativo.sync.attachments import STORES, AttachmentStore
from facultativo.sync.block import Block
from facultativo.sync.ledger import Ledger
from facultativo.sync.lock import campus_lock
from facultativo.sync.notify import MailContext
from facultativo.sync.process import Retry
from facultativo.sync.runtime import Hooks, Ports, Runtime, Settings
from facultativo.sync.sources import SOURCES, ResponseSource, SourceError
from facultativo.validators import ValidatorPool

# Built once per process and campus: Google credentials (and their token) and the
# Drive download cache live across cycles.
_BUILT: dict[tuple[str, Backend, Block | None], tuple[object, Any]] = {}


def forget_backends() -> None:
    """Drop built backends and Google sessions (tests that restart the fake server)."""
    from facultativo.google_api.account import forget

    _BUILT.clear()
    forget()


def _deps(campus: Campus) -> Deps:
    return Deps(campus.name, campus.google)


def block(campus: Campus) -> Block:
    """The campus's status block ([campus.columns] prefijo): the source writes it, the
    cycle and every command read the sheet by it."""
    return Block(campus.prefijo)


def build_source(campus: Campus) -> ResponseSource:
    """The campus's responses source, built with its status block."""
    if campus.source is None:
        raise SourceError(f"campus «{campus.name}»: falta [campus.source] con kind y path.")
    source = SOURCES[campus.source.kind]
    chosen = block(campus)
    return _built(campus, campus.source, lambda s, d: source.build(s, d, chosen), chosen)


def build_store(campus: Campus) -> AttachmentStore:
    if campus.store is None:
        raise SourceError(f"campus «{campus.name}»: falta source.attachments (carpeta de PDFs).")
    return _built(campus, campus.store, STORES[campus.store.kind].build)


def _built(
    campus: Campus, backend: Backend, build: Callable[..., Any], chosen: Block | None = None
) -> Any:
    """The campus's backend, built again when its Google key file changed: IT replaces a
    revoked key as the log says, and the running service reads with the new one (and a
    source again when the campus's block changed)."""
    key = (campus.name, backend, chosen)
    stamp = key_stamp(campus.google.credentials) if campus.google else None
    if key not in _BUILT or _BUILT[key][0] != stamp:
        _BUILT[key] = (stamp, build(backend.settings, _deps(campus)))
    return _BUILT[key][1]


def build_sender(campus: Campus) -> Sender:
    """A new sender per cycle: it holds a connection, opened and closed by the cycle."""
    sender = campus.mail.sender
    built: Sender = SENDERS[sender.kind].build(sender.settings, _deps(campus))
    return built


def contact(campus: Campus) -> dict[str, str]:
    """The office's contact block and where a student goes next (the campus's Form, its
    pre-check page), as every email and the pre-check page show them."""
    c = campus.contact
    escuela = campus.policy.institutions[0] if campus.policy.institutions else ""
    return {
        "office": c.office,
        "email": c.email,
        "address": c.address,
        "hours": c.hours,
        "escuela": escuela,
        "form_url": campus.form_url,
        "web_url": campus.web_url,
    }


def mail_context(campus: Campus) -> MailContext:
    c = campus.contact
    sender = campus.mail.from_address or (f"{c.office} <{c.email}>" if c.email else c.office)
    return MailContext(
        environment(campus.mail.templates),
        campus.name,
        contact(campus),
        sender,
        campus.policy.timezone,
        campus.mail.daily_cap,
        campus.mail.modo == "sombra",
        timedelta(minutes=campus.mail.espera_decision_minutos),
        campus.mail.avisar_anteriores,
    )


def settings_of(config: Config, campus: Campus) -> Settings:
    return Settings(
        name=campus.name,
        policy=campus.policy,
        mail=mail_context(campus),
        limits=config.limits,
        retry=Retry(campus.max_attempts, campus.retry_minutes),
        columns=campus.columns,
        desde=campus.desde,
        lote_command=lote_command(config, campus),
        block=block(campus),
    )


def lote_command(config: Config, campus: Campus) -> str:
    """`facultativo lote` as staff type it on this install: `--config` with the file the
    service runs with (absolute: they run it from anywhere), `--campus` when there are
    several."""
    words = ["facultativo", "lote"]
    if config.path is not None:
        words += ["--config", str(config.path.resolve())]
    if len(config.campuses) > 1:
        words += ["--campus", campus.name]
    return shlex.join([*words, "--salida", "lote.xlsx"])


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
            ports = Ports(
                source=build_source(campus),
                store=build_store(campus),
                ledger=ledger,
                pool=pool,
                sender=build_sender(campus),
            )
            hooks = Hooks() if checkpoint is None else Hooks(checkpoint=checkpoint)
            yield Runtime(settings_of(config, campus), ports, hooks)
        finally:
            ledger.close()
