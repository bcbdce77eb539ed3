"""What the cycle writes in the sheet, built from its plan (pure: no I/O).

A verdict's status cells, the ANTERIOR and copy notes, the ledger's copy of a lost block
(only into empty cells), each response's id, and the header of a block being created.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from dataclasses import replace

from facultativo.sync.block import DATE_FORMATS, Block
from facultativo.sync.columns import ColumnMap
from facultativo.sync.continuity import NSS_FROM_FORM
from facultativo.sync.model import Action, Decision, Entry, Outcome, Step
from facultativo.sync.privacy import scrub
from facultativo.sync.rows import Row, Who
from facultativo.sync.sources import CellWrite
from facultativo.validators import Estado, Motivo
from facultativo.validators.text import fold


def anterior_decisions(steps: list[Step], pending: dict[str, dict[str, str]]) -> list[Decision]:
    """Every row classified ANTERIOR is in the ledger, so a lost block restores it too and
    a later missing `desde` never turns it into a new response."""
    return [
        Decision(s.row.key, Estado.ANTERIOR.value, "", pending.get(s.row.key) or {})
        for s in steps
        if s.action is Action.ANTERIOR and (s.entry is None or s.entry.estado != Estado.ANTERIOR)
    ]


def pending_cells(steps: list[Step], outcomes: dict[str, Outcome]) -> dict[str, dict[str, str]]:
    pending = {k: o.decision.cells for k, o in outcomes.items()}
    for step in steps:
        if step.action is Action.WRITE_PENDING and step.entry and step.entry.pending_cells:
            pending[step.row.key] = step.entry.pending_cells
        elif step.action is Action.COPY and not step.row.estado_cell.strip():
            pending[step.row.key] = _copy_note(step.row)
        elif step.action is Action.ANTERIOR:
            note = _anterior_cells(step)
            if note:
                pending[step.row.key] = note
    return pending


def restores(
    steps: list[Step], pending: Mapping[str, dict[str, str]], misplaced: Set[str]
) -> set[str]:
    """Responses whose pending cells are the ledger's copy of their own block (a lost block
    written back, an ANTERIOR note put back), not a new verdict and not a block put back
    over another's."""
    found = set()
    for step in steps:
        entry, cells = step.entry, pending.get(step.row.key)
        if not (entry and entry.written_cells and cells) or step.row.key in misplaced:
            continue
        if step.row.who is Who.MOVED:
            continue
        ours, kept = dict(cells), dict(entry.written_cells)
        ours.pop("estado", None), kept.pop("estado", None)
        if ours == kept:
            found.add(step.row.key)
    return found


_NOTE_CELLS = ("motivo", "detalle", "nss_leido", "fecha_constancia", "procesada")


def staff_notes(steps: list[Step]) -> dict[str, set[str]]:
    """Block cells staff wrote in (they differ from what facultativo last wrote there) on
    rows decided again without staff asking for it (an ERROR TEMPORAL tried again, an
    answer the student edited): the new verdict is written around them, never over them.
    Staff who clear the estado ask for a fresh verdict, and get it whole."""
    kept: dict[str, set[str]] = {}
    for step in steps:
        entry, row = step.entry, step.row
        asked = step.action is Action.RERUN and not row.estado_cell.strip()
        if step.action not in (Action.VALIDATE, Action.RERUN) or asked:
            continue
        if entry is None or not entry.written_cells:
            continue
        edited = {k for k in _NOTE_CELLS if _edited(row, entry.written_cells, k)}
        if edited:
            kept[row.key] = edited
    return kept


def _edited(row: Row, ours: Mapping[str, str], key: str) -> bool:
    cell = (row.status.get(key) or "").strip()
    if not cell:
        return False
    if key == "nss_leido":
        shown = NSS_FROM_FORM if cell == row.nss_typed else scrub(cell)
        return shown != ours.get(key, "")
    return fold(scrub(cell)) != fold(ours.get(key, "") or "")


def landed(steps: list[Step], pending: Mapping[str, dict[str, str]]) -> set[str]:
    """Verdicts written to the sheet by a cycle killed before it told the ledger: the
    row shows its own id, estado and «procesada el» (one batch lands whole), so any other
    cell that differs is what staff typed since, and only empty cells are written again."""
    found = set()
    for step in steps:
        cells = pending.get(step.row.key)
        if step.action is not Action.WRITE_PENDING or not cells:
            continue
        if step.row.id_cell != step.row.key or step.row.who is not Who.KNOWN:
            continue
        shown = step.row.status
        same = cells.get("estado") and (shown.get("estado") or "").strip() == cells["estado"]
        date = (shown.get("procesada") or "").strip()  # emptied, or its column re-created
        if same and date in ("", cells.get("procesada", "").strip()):
            found.add(step.row.key)
    return found


def _anterior_cells(step: Step) -> dict[str, str] | None:
    """What an ANTERIOR row gets written: the note on a row with no estado (or ours), what
    the ledger still owes after a crash or a lost block; never over staff's own text."""
    entry, cell = step.entry, Estado.from_label(step.row.estado_cell)
    if entry is not None and entry.estado == Estado.ANTERIOR:
        if not step.row.estado_cell.strip() and entry.written_cells:  # cleared: it comes back
            return entry.written_cells
        return entry.pending_cells
    if not step.row.estado_cell.strip() or cell is Estado.ANTERIOR:
        return _anterior_note()
    return None


def _anterior_note() -> dict[str, str]:
    return {
        "estado": Estado.ANTERIOR.etiqueta,
        "motivo": "",
        "detalle": "Respuesta anterior al inicio de facultativo: no se valida ni se envía correo.",
        "nss_leido": "",
        "fecha_constancia": "",
        "procesada": "",
    }


def _copy_note(row: Row) -> dict[str, str]:
    """What a copied row shows: staff decide; nobody is mailed for it."""
    return {
        "estado": Estado.REVISION_MANUAL.etiqueta,
        "motivo": Motivo.SOLICITUD_DUPLICADA.texto_personal,
        "detalle": f"Es una copia de la fila {row.copy_of} (misma marca temporal, correo y "
        "archivo): no se procesa ni se envía correo; bórrala si sobra.",
        "nss_leido": "",
        "fecha_constancia": "",
        "procesada": "",
    }


def header_cells(header: list[str], cols: ColumnMap, block: Block) -> list[CellWrite]:
    """The headers of `block`'s columns the sheet lacks, where `cols` placed them."""
    present = {str(h or "").strip() for h in header}
    return [
        CellWrite(1, cols.status[k], title)
        for k, title in block.titles.items()
        if title not in present
    ]


def status_cells(
    rows: list[Row],
    cols: ColumnMap,
    pending: dict,
    known: Mapping[str, Entry],
    fill: Set[str] = frozenset(),
    keep: Mapping[str, Set[str]] | None = None,
) -> list[CellWrite]:
    """`fill`: responses whose block is restored from the ledger: only their empty cells are
    written, so what staff typed in the others (a note, a date) stays; `keep`: the cells
    of each response staff wrote in (staff_notes), never written over."""
    cells = []
    for row in rows:
        kept = (keep or {}).get(row.key, set())
        for key, value in pending.get(row.key, {}).items():
            if row.key in fill and (row.status.get(key) or "").strip():
                continue
            if key in kept:
                continue
            if value == NSS_FROM_FORM:  # restored from the ledger's copy
                value = row.nss_typed or ""
            shown = DATE_FORMATS.get(key, "")  # «procesada el», «fecha de constancia»
            cells.append(CellWrite(row.number, cols.status[key], value, row.key, shown))
    return cells + id_cells(rows, cols, known, pending)


def id_cells(
    rows: list[Row], cols: ColumnMap, known: Mapping[str, Entry], pending: Mapping[str, dict]
) -> list[CellWrite]:
    """Each response the ledger knows carries its id in the sheet (sync/identity.py)."""
    return [
        CellWrite(row.number, cols.status["id"], row.key, row.key)
        for row in rows
        if row.id_cell != row.key
        and row.who not in (Who.COPY, Who.FOREIGN)
        and (row.key in known or row.key in pending)
    ]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(cell: CellWrite) -> CellWrite:
    """No control characters: a workbook refuses them, and they help nobody in a sheet."""
    value = _CONTROL.sub(" ", cell.value)
    return cell if value == cell.value else replace(cell, value=value)
