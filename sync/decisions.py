"""What staff decided in the sheet, read against what the student last heard.

Staff type a decision over the estado (a label, or their own words: «Aceptado», «No
procede»), or ALTA/BAJA APLICADA once they acted in IMSS. It is mailed once it has stood
the grace period (a slip can still be fixed), only if it tells the student something new,
and never to a student who never heard from facultativo (modo sombra, ANTERIOR) unless the
office opts in. A decision changed after it was mailed is mailed again as a correction.
A response decided in modo sombra stays silent when re-run later, too. Staff's other
cells (motivo, detalle, dates) are their notes: the decision carries them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from facultativo.sync.ledger import Ledger
from facultativo.sync.model import Action, Due, Entry, Notice, NoticeKind, NoticeStatus, Step
from facultativo.sync.notify import MailContext, is_pending
from facultativo.sync.rows import Row
from facultativo.sync.wording import staff_word
from facultativo.validators import Estado
from facultativo.validators.text import fold

STAFF_DECISIONS = (Estado.ACEPTADA, Estado.RECHAZADA, Estado.CONCLUIDA)
# what a decision already mailed can be corrected to: a decision, or «back to review»
CORRECTABLE = (*STAFF_DECISIONS, Estado.REVISION_MANUAL)
_TOLD = (NoticeStatus.SENT, NoticeStatus.FAILED, NoticeStatus.SENDING, NoticeStatus.RETRY)
Notices = Mapping[tuple[str, str, int], Notice]


class History:
    """Every email of each response, indexed once per cycle: a sheet of thousands of rows
    asks about each of them."""

    def __init__(self, notices: Notices) -> None:
        self.notices = notices
        self._by_key: dict[str, list[Notice]] = defaultdict(list)
        for notice in notices.values():
            self._by_key[notice.key].append(notice)

    def of(self, key: str) -> list[Notice]:
        return self._by_key.get(key, [])

    def statuses(self, key: str) -> set[str]:
        return {n.status for n in self.of(key)}

    def last_sent(
        self, key: str, kinds: tuple[str, ...] = (), email_key: str | None = None
    ) -> Estado | None:
        """The estado told by the last email sent to this response (of these `kinds`, to
        this address, when given; an email from before addresses were recorded counts)."""
        sent = [
            n
            for n in self.of(key)
            if n.status == NoticeStatus.SENT
            and (not kinds or n.kind in kinds)
            and (email_key is None or n.email_key in (None, email_key))
        ]
        latest = max(sent, key=lambda n: (n.updated_at, n.generation), default=None)
        if latest is None or not latest.verdict:
            return None
        return Estado.__members__.get(latest.verdict.split(":")[0])


@dataclass(frozen=True)
class StaffNotice:
    """An email staff's decision owes: `ready` once it has stood the grace period."""

    kind: str  # NoticeKind.DECISION or NoticeKind.APLICADA
    estado: Estado
    ready: bool
    nota: str  # staff's note: the note column, or what they wrote over our motivo
    corrige: str  # the label of the decision this one corrects ("" when none was mailed)


def note_staff(
    ledger: Ledger, campus: str, steps: list[Step], notices: Notices, now: datetime
) -> None:
    """Remember each estado staff typed, and when the decision it means was first seen; a
    decision changed after one was mailed starts a new generation (the correction)."""
    labels: dict[str, tuple[str, bool]] = {}
    corrected: list[str] = []
    for step in steps:
        if not (step.action in (Action.STAFF, Action.APLICADA) or _put_back(step)):
            continue
        row, entry = step.row, step.entry
        label = row.estado_cell.strip()
        if entry is not None and entry.staff_label == label:
            continue
        before = staff_word(entry.staff_label or "", row.tipo) if entry else None
        changed = before != row.decision
        labels[row.key] = (label, changed)
        if changed and entry is not None and row.decision in CORRECTABLE:
            sent = notices.get((row.key, NoticeKind.DECISION, entry.generation))
            # ADOPTED: a decision from before decisions were mailed, handled by hand
            if sent is not None and sent.status in (NoticeStatus.SENT, NoticeStatus.ADOPTED):
                corrected.append(row.key)
    if labels:
        ledger.note_staff(campus, labels, now)
    if corrected:
        ledger.redecide(campus, corrected)


_BY_STAFF = (NoticeKind.DECISION, NoticeKind.APLICADA)


def _put_back(step: Step) -> bool:
    """Staff typed their own decision, then put facultativo's verdict back (undo) in the
    estado; a decision column left with text nobody reads is no undo (it is flagged)."""
    if step.action is not Action.DONE or not (step.entry and step.entry.staff_label):
        return False
    return not step.row.extras.get("decision", "").strip()


def staff_notice(
    step: Step, entry: Entry | None, history: History, mail: MailContext, now: datetime
) -> StaffNotice | None:
    """The email staff's decision on this row owes, if any (`entry`: as the ledger has it
    now, after `note_staff`)."""
    row, decision = step.row, step.row.decision
    if entry is None or decision is None:
        return None
    if step.action is Action.APLICADA:
        kind = NoticeKind.APLICADA
    elif step.action is Action.STAFF and decision in STAFF_DECISIONS:
        kind = NoticeKind.DECISION
    elif (step.action is Action.STAFF or _put_back(step)) and decision in CORRECTABLE:
        if history.last_sent(row.key, _BY_STAFF) is None:
            return None  # only what staff had the student told is corrected
        kind = NoticeKind.DECISION
    else:
        return None
    if not is_pending(history.notices.get((row.key, kind, entry.generation))):
        return None  # this one went out already
    if not mail.tell_earlier and never_told(row.key, entry, history):
        return None
    heard = history.last_sent(row.key, email_key=row.email_key)  # a corrected address: news
    if kind == NoticeKind.DECISION and heard is decision:
        return None  # «Aceptado» over our ACEPTADA, or a correction put back in time
    seen = entry.staff_seen_at
    ready = seen is None or now - seen >= mail.grace
    earlier = history.last_sent(row.key, _BY_STAFF)
    corrige = earlier.etiqueta if earlier and earlier is not decision else ""
    return StaffNotice(kind, decision, ready, staff_note(row, entry), corrige)


def still_silent(
    dues: list[Due], history: History, mail: MailContext
) -> tuple[list[Due], list[Due]]:
    """(to send, to record unsent): a response decided in modo sombra stays silent when
    staff re-run it later, unless the student answered anew or the office opted in."""
    if mail.tell_earlier:
        return dues, []
    quiet = [
        d
        for d in dues
        if d.kind == NoticeKind.RESULTADO
        and "answers" not in d.row.changed
        and _shadow_only(history.statuses(d.row.key))
    ]
    return [d for d in dues if d not in quiet], quiet


def _shadow_only(statuses: set[str]) -> bool:
    return NoticeStatus.SHADOW in statuses and not statuses & set(_TOLD)


def never_told(key: str, entry: Entry, history: History) -> bool:
    """A student facultativo never wrote to: decided in modo sombra, or ANTERIOR."""
    statuses = history.statuses(key)
    if statuses & set(_TOLD):
        return False
    anterior = Estado.ANTERIOR.value in (entry.estado, entry.previous_estado)
    return anterior or NoticeStatus.SHADOW in statuses


def staff_note(row: Row, entry: Entry) -> str:
    """What staff wrote for the student: the note column, or their own text over the
    motivo facultativo wrote (never our motivo itself)."""
    note = row.extras.get("nota", "").strip()
    if note:
        return note
    motivo = row.status.get("motivo", "").strip()
    ours = (entry.written_cells or {}).get("motivo", "")
    return motivo if motivo and fold(motivo) != fold(ours) else ""


def answered_after_staff(rows: list[Row], entries: Mapping[str, Entry]) -> list[Row]:
    """Rows whose student changed the answer after staff typed their decision: the
    decision stands (it is staff's cell) until staff look; `status`, `check` and the
    digest list them (`after_staff_text`)."""
    return [
        r
        for r in rows
        if (entry := entries.get(r.key)) is not None
        and entry.answers_after_staff is not None
        and entry.staff_label
        and fold(r.estado_cell) == fold(entry.staff_label)
    ]


def after_staff_text(row: Row) -> str:
    return (
        f"fila {row.number}: el estudiante cambió su respuesta después de la decisión del "
        "personal; si ya no vale, borra el estado para validarla de nuevo"
    )
