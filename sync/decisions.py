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

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from facultativo.validators import Estado
from facultativo.validators.text import fold

from .ledger import Ledger
from .model import Action, Due, Entry, Notice, NoticeKind, NoticeStatus, Step
from .notify import MailContext
from .rows import Row
from .wording import staff_word

STAFF_DECISIONS = (Estado.ACEPTADA, Estado.RECHAZADA, Estado.CONCLUIDA)
_TOLD = (NoticeStatus.SENT, NoticeStatus.FAILED, NoticeStatus.SENDING, NoticeStatus.RETRY)
Notices = Mapping[tuple[str, str, int], Notice]


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
        if step.action not in (Action.STAFF, Action.APLICADA):
            continue
        row, entry = step.row, step.entry
        label = row.estado_cell.strip()
        if entry is not None and entry.staff_label == label:
            continue
        before = staff_word(entry.staff_label or "", row.tipo) if entry else None
        changed = before != row.decision
        labels[row.key] = (label, changed)
        if changed and entry is not None and row.decision in STAFF_DECISIONS:
            sent = notices.get((row.key, NoticeKind.DECISION, entry.generation))
            if sent is not None and sent.status == NoticeStatus.SENT:
                corrected.append(row.key)
    if labels:
        ledger.note_staff(campus, labels, now)
    if corrected:
        ledger.redecide(campus, corrected)


def staff_notice(
    step: Step, entry: Entry | None, notices: Notices, mail: MailContext, now: datetime
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
    else:
        return None
    if not mail.tell_earlier and never_told(row.key, entry, notices):
        return None
    heard = last_heard(row.key, notices)
    if kind == NoticeKind.DECISION and heard is decision:
        return None  # «Aceptado» over our ACEPTADA, or a correction put back in time
    seen = entry.staff_seen_at
    ready = seen is None or now - seen >= mail.grace
    earlier = _sent_decision(row.key, notices)
    corrige = earlier.etiqueta if earlier and earlier is not decision else ""
    return StaffNotice(kind, decision, ready, staff_note(row, entry), corrige)


def still_silent(
    dues: list[Due], notices: Notices, mail: MailContext
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
        and _shadow_only(d.row.key, notices)
    ]
    return [d for d in dues if d not in quiet], quiet


def _shadow_only(key: str, notices: Notices) -> bool:
    statuses = {n.status for n in notices.values() if n.key == key}
    return NoticeStatus.SHADOW in statuses and not statuses & set(_TOLD)


def never_told(key: str, entry: Entry, notices: Notices) -> bool:
    """A student facultativo never wrote to: decided in modo sombra, or ANTERIOR."""
    statuses = {n.status for n in notices.values() if n.key == key}
    if statuses & set(_TOLD):
        return False
    anterior = Estado.ANTERIOR.value in (entry.estado, entry.previous_estado)
    return anterior or NoticeStatus.SHADOW in statuses


def last_heard(key: str, notices: Notices) -> Estado | None:
    """The estado of the last email this student was sent."""
    sent = [n for n in notices.values() if n.key == key and n.status == NoticeStatus.SENT]
    latest = max(sent, key=lambda n: (n.updated_at, n.generation), default=None)
    if latest is None or not latest.verdict:
        return None
    return Estado.__members__.get(latest.verdict.split(":")[0])


def _sent_decision(key: str, notices: Notices) -> Estado | None:
    sent = [
        n
        for n in notices.values()
        if n.key == key and n.kind == NoticeKind.DECISION and n.status == NoticeStatus.SENT
    ]
    latest = max(sent, key=lambda n: (n.updated_at, n.generation), default=None)
    if latest is None or not latest.verdict:
        return None
    return Estado.__members__.get(latest.verdict.split(":")[0])


def staff_note(row: Row, entry: Entry) -> str:
    """What staff wrote for the student: the note column, or their own text over the
    motivo facultativo wrote (never our motivo itself)."""
    note = row.extras.get("nota", "").strip()
    if note:
        return note
    motivo = row.status.get("motivo", "").strip()
    ours = (entry.written_cells or {}).get("motivo", "")
    return motivo if motivo and fold(motivo) != fold(ours) else ""
