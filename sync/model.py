"""The records the cycle passes between its stages, and what the ledger remembers of them.

A row is planned (`Step`, `Action`), processed (`Outcome`, whose `Decision` the ledger
records as an `Entry`), and mailed (`Due`, remembered as a `Notice`). Keeping them here,
apart from the stages and from SQLite, lets each stage be read and tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, StrEnum

from facultativo.sync.rows import Row
from facultativo.validators import Verdict


class NoticeKind(StrEnum):
    RESULTADO = "resultado"  # the verdict
    APLICADA = "aplicada"  # the follow-up once staff applied it in IMSS
    DECISION = "decision"  # staff decided a REVISIÓN MANUAL themselves


class NoticeStatus(StrEnum):
    SENDING = "sending"  # recorded before the send: a crash mid-send is seen and retried
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SHADOW = "sombra"  # decided in shadow mode: recorded, never sent
    ADOPTED = "adoptada"  # rebuilt by `facultativo adoptar` with no record of a send: never sent
    SUPERSEDED = "reemplazado"  # waiting to be tried again when a newer email reached them


@dataclass(frozen=True)
class Decision:
    """A verdict (or temporary error) to record for one response."""

    key: str
    estado: str
    motivos: str
    cells: dict[str, str]  # status column -> value to write
    checksums: str = ""
    error: bool = False  # ERROR_TEMPORAL: counts an attempt
    next_attempt_at: datetime | None = None
    datos: dict[str, str] = field(default_factory=dict)  # for the email: school, dates
    counts: bool = True  # False: an ERROR_TEMPORAL of an outage, not of this response


@dataclass(frozen=True)
class Outcome:
    """A row's decision plus the verdict it came from (None for ERROR TEMPORAL)."""

    decision: Decision
    verdict: Verdict | None


@dataclass(frozen=True)
class Entry:
    """What the ledger knows of one response."""

    key: str
    generation: int
    estado: str | None
    motivos: str | None
    attempts: int
    next_attempt_at: datetime | None
    pending_cells: dict[str, str] | None
    written_label: str | None
    staff_label: str | None
    validations: int
    datos: dict[str, str]
    written_cells: dict[str, str] | None = None  # what is in the sheet, to restore it
    previous_estado: str | None = None  # the verdict before staff asked for a re-run
    previous_motivos: str | None = None
    loose_key: str | None = None
    content_key: str | None = None  # timestamp + address + files when last seen
    input_key: str | None = None  # what the verdict depends on (files, tipo, typed data)
    email_key: str | None = None  # the address, hashed
    staff_seen_at: datetime | None = None  # when staff's current decision was first seen
    answers_after_staff: datetime | None = None  # the student changed the answer under it

    def last_verdict(self) -> tuple[str | None, str | None]:
        """(estado, motivos) of the latest verdict, also right after a re-run cleared it."""
        if self.estado:
            return self.estado, self.motivos
        return self.previous_estado, self.previous_motivos


@dataclass(frozen=True)
class Notice:
    """One email owed to a student, as the ledger remembers it."""

    key: str
    kind: str  # a NoticeKind
    generation: int
    message_id: str
    status: str  # a NoticeStatus
    attempts: int
    detail: str | None
    updated_at: datetime
    cell_written: bool
    email_key: str | None = None  # the address it went to, hashed (rows.Row.email_key)
    verdict: str | None = None  # "ESTADO:MAIN_MOTIVO" it told (Due.verdict)
    next_try_at: datetime | None = None  # RETRY: not before then (sync/notify.py backoff)
    failing_since: datetime | None = None  # the first failure of a run of them


class Action(Enum):
    VALIDATE = "validate"  # new response, or our ERROR TEMPORAL is due again
    RERUN = "rerun"  # staff cleared an estado we wrote: validate again, new generation
    WRITE_PENDING = "write_pending"  # decided before a crash, not yet in the sheet
    WAIT = "wait"  # our ERROR TEMPORAL, not due yet
    APLICADA = "aplicada"  # staff applied it in IMSS: follow-up email
    STAFF = "staff"  # staff typed an estado of their own: hands off
    DONE = "done"  # our estado is in the sheet
    COPY = "copy"  # the same answer twice (a pasted row): never decided nor mailed again
    ANTERIOR = "anterior"  # before the campus's first day (`desde`): never decided nor mailed
    FOREIGN = "foreign"  # an id another ledger gave: never decided nor mailed here, flagged


@dataclass(frozen=True)
class Step:
    row: Row
    action: Action
    entry: Entry | None


@dataclass(frozen=True)
class Due:
    """An email to send this cycle."""

    row: Row
    kind: str  # a NoticeKind
    generation: int
    estado: str  # estado code
    motivos: str  # comma-separated codes
    detalle: str
    datos: dict[str, str] = field(default_factory=dict)
    nota: str = ""  # staff's note, for a decision they took
    corrige: str = ""  # the decision this one corrects, as its label ("" when none)

    @property
    def verdict(self) -> str:
        """What the email tells: the estado and the main motivo."""
        return f"{self.estado}:{self.motivos.split(',')[0]}"
