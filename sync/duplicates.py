"""SOLICITUD_DUPLICADA: the same NSS and tipo already accepted or applied in an earlier row.

Only a request that would be ACEPTADA again is a duplicate; the latest earlier
accepted/applied request of that NSS decides (an alta, then a baja, then a new
alta is not a duplicate).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import replace
from datetime import datetime

from facultativo.sync.model import Decision, Entry, Outcome
from facultativo.sync.process import verdict_decision
from facultativo.sync.rows import Row
from facultativo.sync.wording import staff_word
from facultativo.validators import Estado, Motivo, Policy, Tipo, Verdict
from facultativo.validators.text import day_text

_DONE = {
    Estado.ACEPTADA: None,  # the row's own tipo
    Estado.ALTA_APLICADA: Tipo.ALTA,
    Estado.BAJA_APLICADA: Tipo.BAJA,
}


def mark_duplicates(
    rows: list[Row],
    outcomes: dict[str, Outcome],
    policy: Policy,
    now: datetime,
    entries: Mapping[str, Entry] | None = None,
    before: Set[str] = frozenset(),
) -> dict[str, Outcome]:
    """Outcomes with later repeats of an accepted request turned into SOLICITUD_DUPLICADA.

    An earlier request's estado comes from the ledger when it has one, not from its
    cell: a cell staff just cleared or sorted away must not change who came first.
    `before`: responses from before the campus's first day, handled by hand; an
    acceptance of the same NSS tells staff to look at that row before applying twice."""
    entries = entries or {}
    result = dict(outcomes)
    last: dict[str, tuple[Tipo, Row, Estado]] = {}
    handled: dict[str, Row] = {}  # NSS -> its latest response from before the first day
    for row in sorted(rows, key=_order):
        nss = _nss(row, result.get(row.key))
        if not nss or row.request is None:
            continue
        if row.key in before:
            handled[nss] = row
            continue
        outcome, earlier = result.get(row.key), last.get(nss)
        if outcome and earlier and _repeats(outcome, row, earlier[0], earlier[1]):
            result[row.key] = _duplicate(row, outcome, earlier[1], earlier[2], policy, now)
            continue
        if outcome and earlier and outcome.decision.estado == Estado.ACEPTADA:
            result[row.key] = _review(outcome, earlier[1], policy, now)
            continue
        if outcome and nss in handled and outcome.decision.estado == Estado.ACEPTADA:
            result[row.key] = outcome = _see_also(outcome, handled[nss])
        estado = _estado(row, outcome, entries.get(row.key))
        if estado in _DONE:
            last[nss] = (_DONE[estado] or row.request.tipo, row, estado)
    return result


def _repeats(outcome: Outcome, row: Row, earlier: Tipo, first: Row) -> bool:
    """A new verdict that asks for what was already accepted: accepted again, or turned
    down only because its constancia is from another day, by the same student (one
    resubmitting an old PDF after the alta was applied must not be told to correct and
    resend). Whatever else would decide it (a name, CURP or NSS that is not the
    constancia's) stands: nobody is told about another student's request."""
    verdict = outcome.verdict
    if row.request is None or row.request.tipo is not earlier or verdict is None:
        return False
    if not row.email_key or row.email_key != first.email_key:
        return False  # from another address: never told about the earlier request
    if verdict.estado is Estado.ACEPTADA:
        return not _problems(verdict.motivos)
    return not (verdict.motivo is not Motivo.FECHA_NO_COINCIDE or _problems(verdict.motivos[1:]))


def _problems(motivos: tuple[Motivo, ...]) -> bool:
    return any(m.estado in (Estado.RECHAZADA, Estado.REVISION_MANUAL) for m in motivos)


def _review(outcome: Outcome, earlier: Row, policy: Policy, now: datetime) -> Outcome:
    """The same NSS already accepted from another address: maybe the student, maybe not.
    Staff look; the student hears nothing of the other request."""
    assert outcome.verdict is not None
    verdict = replace(
        outcome.verdict,
        estado=Estado.REVISION_MANUAL,
        motivos=(Motivo.SITUACION_NO_PREVISTA, *outcome.verdict.motivos),
        detalle=f"El mismo NSS ya tiene una solicitud aceptada o aplicada (fila {earlier.number}) "
        "desde otra dirección de correo: revisen quién la envió antes de aplicar.",
    )
    decision = verdict_decision(
        outcome.decision.key, verdict, outcome.decision.checksums, policy, now
    )
    return Outcome(decision, verdict)


def _see_also(outcome: Outcome, earlier: Row) -> Outcome:
    note = (
        f" Este NSS también respondió antes del inicio de facultativo (fila {earlier.number}, "
        "ANTERIOR): revisen que esa solicitud no se haya aplicado ya."
    )
    cells = {**outcome.decision.cells, "detalle": outcome.decision.cells["detalle"] + note}
    verdict = outcome.verdict and replace(outcome.verdict, detalle=outcome.verdict.detalle + note)
    return Outcome(replace(outcome.decision, cells=cells), verdict)


def _order(row: Row) -> tuple[int, str, int]:
    return (0, row.timestamp.isoformat(), row.index) if row.timestamp else (1, "", row.index)


def _nss(row: Row, outcome: Outcome | None) -> str | None:
    if outcome and outcome.verdict and outcome.verdict.constancia:
        return outcome.verdict.constancia.nss or row.nss_typed
    return row.status.get("nss_leido") or row.nss_typed


def _estado(row: Row, outcome: Outcome | None, entry: Entry | None) -> Estado | None:
    if outcome is not None:
        return Estado(outcome.decision.estado)
    if entry is not None and (entry.staff_label or entry.estado):
        staff = staff_word(entry.staff_label or "", row.tipo)  # «Aceptado», «Aplicada»
        return staff if staff is not None else Estado(entry.estado) if entry.estado else None
    return row.decision


def _duplicate(
    row: Row, outcome: Outcome, earlier: Row, state: Estado, policy: Policy, now: datetime
) -> Outcome:
    """The student is told the truth about the original: already applied in IMSS, or
    still waiting for staff (and then its follow-up email is still to come)."""
    assert outcome.verdict is not None
    when = day_text(earlier.timestamp) if earlier.timestamp else ""
    applied = state in (Estado.ALTA_APLICADA, Estado.BAJA_APLICADA)
    verdict = Verdict(
        Estado.CONCLUIDA,
        (Motivo.SOLICITUD_DUPLICADA, *outcome.verdict.motivos),
        f"Igual a la solicitud del {when or 'antes'} (fila {earlier.number}), "
        f"{'ya aplicada' if applied else 'aceptada'}.",
        outcome.verdict.constancia,
        {
            **outcome.verdict.datos,
            "original": "aplicada" if applied else "aceptada",
            "fecha_original": when,
        },
    )
    decision: Decision = verdict_decision(row.key, verdict, outcome.decision.checksums, policy, now)
    return Outcome(decision, verdict)
