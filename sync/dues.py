"""Which emails a cycle owes, from its plan, its verdicts and what the ledger sent before.

Separate from sending (sync/notify.py) so that a dry run lists exactly what a real
cycle would send, and so the rules of «sent once, and only when it tells something new»
read in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from facultativo.sync.decisions import History, staff_notice
from facultativo.sync.ledger import Ledger
from facultativo.sync.model import Action, Due, Entry, NoticeKind, NoticeStatus, Outcome, Step
from facultativo.sync.notify import MailContext, is_pending
from facultativo.sync.wording import staff_word
from facultativo.validators import Estado
from facultativo.validators.text import fold


def owed(
    ledger: Ledger,
    campus: str,
    mail: MailContext,
    steps: list[Step],
    outcomes: Mapping[str, Outcome],
    pending: Mapping[str, dict[str, str]],
    now: datetime,
) -> tuple[list[Due], int]:
    """(emails owed, staff decisions still in their grace period): a result for every
    verdict we wrote, a decision or follow-up for what staff typed (sync/decisions.py),
    unless already sent or failed. A re-run that reaches the same estado and main motivo
    owes nothing new, and no address hears the same result twice (a corrected address
    put back, a re-export)."""
    entries, notices = ledger.entries(campus), ledger.notices(campus)
    told = {
        (n.key, n.kind, n.email_key, n.verdict)
        for n in notices.values()
        if n.status == NoticeStatus.SENT and n.email_key
    }
    dues, waiting = [], 0
    history = History(notices)
    for step in steps:
        row, entry, outcome = step.row, entries.get(step.row.key), outcomes.get(step.row.key)
        generation = entry.generation if entry else 0
        datos = entry.datos if entry else {}
        nota = corrige = ""
        staff = staff_notice(step, entry, history, mail, now)
        if staff is not None:
            assert entry is not None
            if not staff.ready:  # within the grace period: staff may still correct it
                waiting += 1
                continue
            kind, estado, motivos, detalle = staff.kind, staff.estado.value, entry.motivos, ""
            nota, corrige = staff.nota, staff.corrige
        elif step.action in (Action.STAFF, Action.APLICADA):
            continue
        elif outcome is not None:
            kind, estado = NoticeKind.RESULTADO, outcome.decision.estado
            motivos, detalle = outcome.decision.motivos, outcome.decision.cells["detalle"]
            datos = outcome.decision.datos
            readdressed = "address" in row.changed
            if (
                not readdressed
                and _unchanged(step.entry, outcome)
                and ledger.carry_notice(campus, row.key, kind, generation)
            ):
                continue
        elif step.action in (Action.DONE, Action.WRITE_PENDING) and entry is not None:
            if _shows_staff_label(entry, pending.get(row.key, row.status)):
                continue  # a block put back under staff's decision: our result is moot
            kind, estado, motivos = NoticeKind.RESULTADO, entry.estado or "", entry.motivos or ""
            detalle = pending.get(row.key, row.status).get("detalle", "")
            if (  # a re-run that kept its verdict, recorded just before a crash
                is_pending(notices.get((row.key, kind, generation)))
                and _rerun_kept(entry)
                and "address" not in row.changed
                and ledger.carry_notice(campus, row.key, kind, generation)
            ):
                continue
        else:
            continue
        code = staff_word(estado or "")
        if code is None or code in (Estado.ERROR_TEMPORAL, Estado.ANTERIOR):
            continue
        if is_pending(notices.get((row.key, kind, generation))):
            due = Due(
                row, kind, generation, code.value, motivos or "", detalle, datos, nota, corrige
            )
            if (
                kind != NoticeKind.DECISION  # a decision is told unless it is the last heard
                and (row.key, kind, row.email_key, due.verdict) in told
                and ledger.carry_notice(campus, row.key, kind, generation)
            ):
                continue  # this address already heard this verdict
            dues.append(due)
    return dues, waiting


def _unchanged(before: Entry | None, outcome: Outcome) -> bool:
    """The same estado and main motivo as the verdict staff asked to re-run."""
    if before is None:
        return False
    estado, motivos = before.last_verdict()
    return _same_verdict(estado, motivos, outcome.decision.estado, outcome.decision.motivos)


def _rerun_kept(entry: Entry) -> bool:
    """A re-run that reached the verdict it had before (recorded, then the process died)."""
    if entry.previous_estado is None:
        return False
    return _same_verdict(entry.previous_estado, entry.previous_motivos, entry.estado, entry.motivos)


def _same_verdict(
    estado: str | None, motivos: str | None, other: str | None, others: str | None
) -> bool:
    """What the student was told: the estado and the main motivo."""
    return estado == other and (motivos or "").split(",")[0] == (others or "").split(",")[0]


def _shows_staff_label(entry: Entry, cells: Mapping[str, str]) -> bool:
    label = entry.staff_label
    return bool(label) and fold(cells.get("estado", "")) == fold(label or "")
