"""What to do with each row this cycle, from its estado cell and the ledger (pure).

The sheet rules: a row is new when its estado is empty; the worker
never overwrites an estado it did not write, except to retry its own ERROR
TEMPORAL; staff re-run a row by clearing its estado and override it by typing
another; ALTA/BAJA APLICADA, typed by staff, asks for the follow-up email.
"""

from __future__ import annotations

from collections.abc import Set
from datetime import datetime

from facultativo.sync.model import Action, Entry, Step
from facultativo.sync.rows import Row, Who
from facultativo.validators import Estado
from facultativo.validators.text import fold


def plan(
    rows: list[Row],
    entries: dict[str, Entry],
    now: datetime,
    foreign: Set[str] = frozenset(),
    desde: datetime | None = None,
    tell_earlier: bool = False,
) -> list[Step]:
    """`foreign`: rows showing a verdict of ours that belongs to another response;
    `desde`: the campus's first day, before which responses are someone else's work;
    `tell_earlier`: the office wants staff's decisions on those rows mailed too."""
    steps = []
    for r in rows:
        entry = entries.get(r.key)
        if r.copy_of:
            action = Action.COPY
        elif r.who is Who.FOREIGN:
            action = Action.FOREIGN
        elif _before_first_day(r, entry, desde):
            action = _staff_on_anterior(r, entry) if tell_earlier else Action.ANTERIOR
        else:
            action = _action(r, entry, now, r.key in foreign or _shows_other_block(r, entry))
        steps.append(Step(r, action, entry))
    return steps


def _shows_other_block(row: Row, entry: Entry | None) -> bool:
    """A new response showing a block that is another's (pasted, or left by a partial
    sort): decided as its own, its cells written over the stranger's."""
    return row.who is Who.MOVED and entry is None and bool(row.estado_cell.strip())


def _before_first_day(row: Row, entry: Entry | None, desde: datetime | None) -> bool:
    """Before `desde`; and a row we marked ANTERIOR (the ledger remembers it, even once
    the block is lost) stays so unless `desde` moved before it: with `desde` removed, old
    rows are never decided and mailed all at once."""
    after = bool(desde and row.timestamp and row.timestamp >= desde)
    if entry is not None and entry.estado == Estado.ANTERIOR:
        return not after
    if _decided(entry):
        return False
    if Estado.from_label(row.estado_cell) is Estado.ANTERIOR:
        return not after
    return bool(desde and row.timestamp and row.timestamp < desde)


def _staff_on_anterior(row: Row, entry: Entry | None) -> Action:
    """[campus.mail] avisar_anteriores: a decision or APLICADA staff typed on an ANTERIOR
    row the ledger knows is mailed like any other; the row stays ANTERIOR otherwise."""
    if entry is None:
        return Action.ANTERIOR
    if row.decision in (Estado.ALTA_APLICADA, Estado.BAJA_APLICADA):
        return Action.APLICADA
    if row.decision in (Estado.ACEPTADA, Estado.RECHAZADA, Estado.CONCLUIDA):
        return Action.STAFF
    return Action.ANTERIOR


def _decided(entry: Entry | None) -> bool:
    """Whether facultativo itself ever decided this response (a staff label is not that)."""
    return bool(entry and (entry.estado or entry.written_label or entry.pending_cells))


def _action(row: Row, entry: Entry | None, now: datetime, foreign: bool = False) -> Action:
    if foreign:  # write its own verdict back, or decide it if it never had one
        return Action.WRITE_PENDING if entry and entry.pending_cells else Action.VALIDATE
    cell = fold(row.estado_cell)
    if entry and entry.estado == Estado.ANTERIOR:  # `desde` moved before it: ours now
        shown = Estado.from_label(row.estado_cell)
        return (
            Action.VALIDATE
            if shown in (None, Estado.ANTERIOR) and (not cell or shown is Estado.ANTERIOR)
            else Action.STAFF
        )
    if entry and entry.pending_cells:
        ours = {"", fold(entry.written_label or ""), fold(entry.pending_cells.get("estado", ""))}
        if cell in ours:  # decided, and the sheet shows nothing newer from staff
            return Action.WRITE_PENDING
    if not cell:
        return Action.RERUN if entry and entry.written_label else Action.VALIDATE
    if entry and cell == fold(entry.written_label or ""):
        if "answers" in row.changed:  # a new file, tipo or typed data under our verdict
            return Action.RERUN if entry.estado != Estado.ERROR_TEMPORAL else Action.VALIDATE
        if entry.estado == Estado.ERROR_TEMPORAL:
            due = entry.next_attempt_at is None or entry.next_attempt_at <= now
            return Action.VALIDATE if due else Action.WAIT
        return Action.DONE
    estado = row.decision
    if estado is Estado.ANTERIOR:  # `desde` moved before it: ours to decide now
        return Action.VALIDATE
    if estado is Estado.ERROR_TEMPORAL and entry is None:
        return Action.VALIDATE  # ours from a lost ledger: only the worker writes it
    if estado in (Estado.ALTA_APLICADA, Estado.BAJA_APLICADA) and entry is not None:
        return Action.APLICADA
    return Action.STAFF
