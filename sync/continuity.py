"""The ledger as the memory of the sheet: staff rename, clear, sort, paste and re-export
it; the ledger finds its responses again and puts back what it wrote.

- a response read in another time zone is followed by its key without day and hour;
- a status block that is gone or emptied at once is restored (not re-decided, not re-mailed);
- a row not showing its own block (staff sorted only the answers) gets it back;
- the copy of the cells the ledger keeps has no full NSS, CURP or address in it.
"""

from __future__ import annotations

import logging

from facultativo.validators import Estado
from facultativo.validators.text import fold

from .columns import STATUS_HEADERS
from .ledger import Ledger
from .model import Action, Entry, Step
from .privacy import scrub
from .rows import Row

log = logging.getLogger("facultativo.sync")


def follow_keys(ledger: Ledger, campus: str, rows: list[Row]) -> None:
    """A response's key holds its timestamp as an instant: read in another time zone (a
    fresh export into a sheet set to another zone, a corrected setting) every key changes.
    The ledger finds its responses again by the key without day and hour, so nothing is
    decided or mailed twice."""
    entries = learn_loose_keys(ledger, campus, rows)
    present = {r.key for r in rows}
    known: dict[str, str | None] = {}
    for key, entry in entries.items():
        if entry.loose_key and key not in present:
            known[entry.loose_key] = None if entry.loose_key in known else key
    mapping = {
        old: r.key
        for r in rows
        if r.key not in entries and not r.copy_of and r.loose_key
        for old in [known.get(r.loose_key)]
        if old
    }
    if mapping:
        ledger.rekey(campus, mapping)
        log.warning(
            "%d respuestas se leen con otra hora (¿cambió la zona horaria de la hoja?): la "
            "bitácora las reconoce y no se deciden ni se envían de nuevo",
            len(mapping),
        )


def learn_loose_keys(ledger: Ledger, campus: str, rows: list[Row]) -> dict[str, Entry]:
    entries = ledger.entries(campus)
    learn = {
        r.key: r.loose_key
        for r in rows
        if r.key in entries and r.loose_key and entries[r.key].loose_key != r.loose_key
    }
    if learn:
        ledger.remember_loose(campus, learn)
        entries = ledger.entries(campus)
    return entries


_SIGNATURE = ("estado", "motivo", "detalle", "nss_leido", "procesada")


def _signature(cells: dict[str, str]) -> tuple[str, ...]:
    """What a row's status cells say, compared the way the ledger keeps them."""
    kept = {k: scrub(str(cells.get(k, "") or "")) for k in _SIGNATURE}
    kept["nss_leido"] = ""  # kept masked or as «the form's»: compared by the other cells
    return tuple(fold(v) for v in kept.values())


def misplaced(steps: list[Step]) -> set[str]:
    """Rows not showing their own status block (staff sorted only the answer columns, or
    pasted one block over another): ours, misplaced, never a staff decision, and never a
    reason for a follow-up email. Each gets its own block back."""
    owner: dict[tuple[str, ...], str | None] = {}
    for s in steps:
        if s.entry and s.entry.written_cells:
            sig = _signature(s.entry.written_cells)
            owner[sig] = None if sig in owner else s.row.key  # shared by two: proves nothing
    found = set()
    for step in steps:
        if step.action not in (Action.STAFF, Action.APLICADA, Action.DONE):
            continue
        own = step.entry.written_cells if step.entry else None
        if own:
            if not _shows_own_block(step.row, own) or (
                step.action is Action.STAFF and _stale_error(step)
            ):
                found.add(step.row.key)
            continue
        who = owner.get(_signature(step.row.status))
        if who is not None and who != step.row.key:
            found.add(step.row.key)
    return found


def _shows_own_block(row: Row, own: dict[str, str]) -> bool:
    """The machine-written cells staff do not type (motivo code, dates, NSS read) are this
    response's: the estado next to them may be staff's, the block is ours."""
    cell = row.status.get("nss_leido", "") or ""
    nss = NSS_FROM_FORM if cell and cell == row.nss_typed else scrub(cell)
    same = all(
        fold(row.status.get(k, "") or "") == fold(own.get(k, "") or "")
        for k in ("motivo", "fecha_constancia", "procesada")
    )
    return same and nss == own.get("nss_leido", "")


def _stale_error(step: Step) -> bool:
    """ERROR TEMPORAL is only ever ours: shown over a newer verdict of ours, it is an old
    copy of the sheet saved back by someone, not a decision of staff."""
    cell = Estado.from_label(step.row.estado_cell)
    return cell is Estado.ERROR_TEMPORAL and bool(step.entry and step.entry.written_cells)


# A status block is "lost" (not cleared row by row by staff) when its estado header is
# gone, or when at least this many of our verdicts, and this share of them, vanish at once.
LOST_AT_LEAST = 3
LOST_SHARE = 0.5


def restore_lost_block(ledger: Ledger, campus: str, header: list[str], steps: list[Step]) -> int:
    """A renamed or deleted status column, a fresh Form export, a save that overwrote the
    block: the ledger writes back what it knows, and nothing is decided or sent again."""
    ours = [s for s in steps if s.entry and (s.entry.written_label or s.entry.staff_label)]
    cleared = [s for s in ours if not s.row.estado_cell.strip()]
    present = {fold(str(h or "")) for h in header}
    missing = fold(STATUS_HEADERS["estado"]) not in present
    lost = missing or (len(cleared) >= LOST_AT_LEAST and len(cleared) >= LOST_SHARE * len(ours))
    if not (cleared and lost):
        return 0
    restored = ledger.restore(campus, [s.row.key for s in cleared])
    log.warning(
        "el bloque «Validación» no está o se vació en %d filas: se escribe de nuevo desde la "
        "bitácora (sin validar ni enviar correos otra vez); revisa si alguien lo borró o "
        "renombró",
        restored,
    )
    return restored


NSS_FROM_FORM = "(el NSS del formulario)"


def for_ledger(cells: dict[str, str], typed: str | None) -> dict[str, str]:
    """The copy of a row's status cells the ledger keeps to restore a lost block: no full
    NSS, CURP or address in it; an NSS read that equals the typed one comes back from
    the form when restored, any other stays masked."""
    kept = {k: scrub(v) for k, v in cells.items()}
    nss = cells.get("nss_leido", "")
    if nss and nss == typed:
        kept["nss_leido"] = NSS_FROM_FORM
    return kept
