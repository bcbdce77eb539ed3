"""What one campus's cycle runs with (its settings, ports and hooks) and what it reports.

Kept apart from the cycle's steps (sync/cycle.py, which re-exports them): the composition
root (app/wiring.py) builds these, the digest and the commands read them.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from facultativo.notifiers.base import Sender
from facultativo.sync.attachments import AttachmentStore
from facultativo.sync.block import DEFAULT_BLOCK, PREFIX, Block
from facultativo.sync.ledger import Ledger
from facultativo.sync.model import Due
from facultativo.sync.notify import MailContext
from facultativo.sync.process import Retry
from facultativo.sync.sources import CellWrite, ResponseSource
from facultativo.validators import Limits, Policy, ValidatorPool


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _nothing(step: str) -> None:
    return None


@dataclass(frozen=True)
class Settings:
    """What the campus's configuration says, fixed for the cycle."""

    name: str
    policy: Policy
    mail: MailContext
    limits: Limits = field(default_factory=Limits)
    retry: Retry = field(default_factory=Retry)
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    desde: datetime | None = None  # responses before it are ANTERIOR (the campus's first day)
    # how staff make the batch on this install (the digest says it): its configuration file,
    # and the campus when there are several
    lote_command: str = "facultativo lote --salida lote.xlsx"
    # [campus.columns] prefijo: the status block the cycle reads and writes (the sources
    # are built with the same one, app/wiring.py)
    block: Block = DEFAULT_BLOCK


@dataclass(frozen=True)
class Ports:
    """The backends the cycle talks to; tests pass fakes of any of them."""

    source: ResponseSource
    store: AttachmentStore
    ledger: Ledger
    pool: ValidatorPool
    sender: Sender


@dataclass
class Hooks:
    """Time, crash points, progress and shutdown: what a caller may watch or drive."""

    clock: Callable[[], datetime] = _utcnow
    checkpoint: Callable[[str], None] = _nothing  # tests inject crashes here
    progress: Callable[[int, int], None] | None = None
    stop: threading.Event = field(default_factory=threading.Event)  # set on SIGTERM
    replay: bool = False  # `sync --once --reintentar`: emails waiting to retry go now


@dataclass(frozen=True)
class Runtime:
    """Everything one campus's cycle needs: settings, ports and hooks."""

    settings: Settings
    ports: Ports
    hooks: Hooks = field(default_factory=Hooks)


@dataclass
class Report:
    campus: str
    block: str = PREFIX  # the status block's name, as the report's lines say it
    rows: int = 0
    processed: int = 0
    estados: Counter[str] = field(default_factory=Counter)
    emails: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    planned_cells: list[CellWrite] = field(default_factory=list)
    planned_emails: list[Due] = field(default_factory=list)
    restored: int = 0  # rows whose lost status cells were written back from the ledger
    moved: int = 0  # rows written elsewhere than where they were read (staff sorted)
    vanished: int = 0  # rows no longer in the sheet when writing: tried again next cycle
    unseen: int = 0  # new answers found by the re-read before writing: decided next cycle
    foreign: int = 0  # rows with an id another ledger gave: left alone, flagged
    unread: list[str] = field(default_factory=list)  # estados staff typed that nobody reads
    waiting: int = 0  # staff decisions still within their grace period
    edited: list[str] = field(default_factory=list)  # answers changed under staff's decision
    wrote: bool = False  # cells went to the sheet (its version moved because of us)

    def summary(self) -> dict:
        out = {
            "rows": self.rows,
            "processed": self.processed,
            "estados": dict(self.estados),
            "emails": dict(self.emails),
        }
        for name in ("restored", "moved", "vanished", "foreign", "waiting"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.edited:
            out["edited"] = self.edited[:10]
        if self.unread:
            out["unread"] = self.unread[:10] + (
                [f"… y {len(self.unread) - 10} más"] if len(self.unread) > 10 else []
            )
        return out
