"""What to do with each row this cycle, from its estado cell and the ledger (pure).

The sheet rules: a row is new when its estado is empty; the worker
never overwrites an estado it did not write, except to retry its own ERROR
TEMPORAL; staff re-run a row by clearing its estado and override it by typing
another; ALTA/BAJA APLICADA, typed by staff, asks for the follow-up email.
"""

from __future__ import annotations

from collections.abc import Set
from datetime import datetime

from facultativo.validators import Estado
from facultativo.validators.text import fold

from .model import Action, Entry, Step
from .rows import Row


def plan(
    rows: list[Row],
    entries: dict[str, Entry],
    now: datetime,
    foreign: Set[str] = frozenset(),
    desde: datetime | None = None,
) -> list[Step]:
    """`foreign`: rows showing a verdict of ours that belongs to another response;
    `desde`: the campus's first day, before which responses are someone else's work."""
    steps = []
    for r in rows:
        entry = entries.get(r.key)
        if r.copy_of:
            action = Action.COPY
        elif not _decided(entry) and _before_first_day(r, desde):
            action = Action.ANTERIOR
        else:
            action = _action(r, entry, now, r.key in foreign)
        steps.append(Step(r, action, entry))
    return steps


def _before_first_day(row: Row, desde: datetime | None) -> bool:
    """Before `desde`; and a row we marked ANTERIOR stays so unless `desde` moved before it
    (with `desde` removed, old rows are never decided and mailed all at once)."""
    after = bool(desde and row.timestamp and row.timestamp >= desde)
    if Estado.from_label(row.estado_cell) is Estado.ANTERIOR:
        return not after
    return bool(desde and row.timestamp and row.timestamp < desde)


def _decided(entry: Entry | None) -> bool:
    """Whether facultativo itself ever decided this response (a staff label is not that)."""
    return bool(entry and (entry.estado or entry.written_label or entry.pending_cells))


def _action(row: Row, entry: Entry | None, now: datetime, foreign: bool = False) -> Action:
    if foreign:  # write its own verdict back, or decide it if it never had one
        return Action.WRITE_PENDING if entry and entry.pending_cells else Action.VALIDATE
    cell = fold(row.estado_cell)
    if entry and entry.pending_cells:
        ours = {"", fold(entry.written_label or ""), fold(entry.pending_cells.get("estado", ""))}
        if cell in ours:  # decided, and the sheet shows nothing newer from staff
            return Action.WRITE_PENDING
    if not cell:
        return Action.RERUN if entry and entry.written_label else Action.VALIDATE
    if entry and cell == fold(entry.written_label or ""):
        if entry.estado == Estado.ERROR_TEMPORAL:
            due = entry.next_attempt_at is None or entry.next_attempt_at <= now
            return Action.VALIDATE if due else Action.WAIT
        return Action.DONE
    estado = Estado.from_label(row.estado_cell)
    if estado is Estado.ANTERIOR:  # `desde` moved before it: ours to decide now
        return Action.VALIDATE
    if estado is Estado.ERROR_TEMPORAL and entry is None:
        return Action.VALIDATE  # ours from a lost ledger: only the worker writes it
    if estado in (Estado.ALTA_APLICADA, Estado.BAJA_APLICADA) and entry is not None:
        return Action.APLICADA
    return Action.STAFF
