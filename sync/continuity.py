"""The ledger as the memory of the sheet: staff rename, clear, sort, paste and re-export
it; the ledger finds its responses again and puts back what it wrote.

- what each response's answers were is remembered, to find it again (sync/identity.py);
- a status block that is gone, or wiped at once, is restored (not re-decided, not
  re-mailed); estados cleared beside their motivos and ids are re-runs;
- a row not showing its own block (staff sorted only the answers) gets it back;
- the copy of the cells the ledger keeps has no full NSS, CURP or address in it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from facultativo.sync.block import Block
from facultativo.sync.ledger import Ledger
from facultativo.sync.model import Action, Entry, Step
from facultativo.sync.privacy import scrub
from facultativo.sync.rows import Row, Who
from facultativo.sync.sheet import Sheet
from facultativo.sync.sources.base import CellWrite, Table
from facultativo.sync.wording import staff_word
from facultativo.validators import Estado, Tipo
from facultativo.validators.text import fold

log = logging.getLogger("facultativo.sync")


def remember_answers(ledger: Ledger, campus: str, rows: list[Row]) -> None:
    """What each known response's answers are now (sync/identity.py reads them next
    cycle): a response without its id is found again by them, an edited one is seen."""
    entries = ledger.entries(campus)
    seen = {
        r.key: r.answers()
        for r in rows
        if r.key in entries
        and not r.copy_of
        and (
            entries[r.key].loose_key,
            entries[r.key].content_key,
            entries[r.key].input_key,
            entries[r.key].email_key,
        )
        != r.answers()
    }
    if seen:
        ledger.remember_answers(campus, seen)


def misplaced(steps: list[Step]) -> set[str]:
    """Rows whose id cell names another response (sync/identity.py), and rows without an
    id yet (a sheet from before ids) that the ledger knows by their answers, showing
    another response's block (staff sorted only the answer columns, or an old copy was
    saved back): ours, misplaced, never a staff decision, and never a reason for a
    follow-up email. Each gets its own block back. A block that is this response's own
    with staff's notes in it (a motivo, a date) is theirs, never misplaced."""
    found = set()
    others = {_signature(s.entry.written_cells): s.row.key for s in steps if s.entry}
    for step in steps:
        own = step.entry.written_cells if step.entry else None
        if step.row.who is Who.MOVED and own:  # its id cell says another response
            found.add(step.row.key)
            continue
        if step.action not in (Action.STAFF, Action.APLICADA, Action.DONE):
            continue
        if step.row.id_cell or not own:
            continue
        if step.action is Action.STAFF and _stale_error(step):
            found.add(step.row.key)
        elif not _shows_own_block(step.row, own):
            shown = others.get(_signature(step.row.status) or ())
            if shown is not None and shown != step.row.key:
                found.add(step.row.key)
    return found


def _signature(cells: dict[str, str] | None) -> tuple[str, ...] | None:
    """The machine-written cells that tell one response's block from another's."""
    if not cells:
        return None
    return tuple(fold(cells.get(k, "") or "") for k in ("motivo", "fecha_constancia", "procesada"))


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


def switched_from(ledger: Ledger, campus: str, block: Block) -> str | None:
    """The block the ledger last wrote, when the campus's prefijo has changed since: the
    cycle writes the new one whole, and records it only once written (a crash before the
    write switches again next cycle)."""
    before = ledger.block_of(campus)
    return before if fold(before) != fold(block.prefix) else None


def restore_lost_block(
    ledger: Ledger,
    campus: str,
    table: Table,
    steps: list[Step],
    block: Block,
    before: str | None = None,
) -> int:
    """A renamed or deleted status column, a fresh Form export, a save that overwrote the
    block, a campus whose prefijo changed: the ledger writes back what it knows (under
    `block`'s headers), and nothing is decided or sent again. `before`: the block the ledger
    last wrote, when the prefijo changed since (`switched_from`); a block found under the
    new name then (switched back to an older one) is as old as that switch: every row is
    written from the ledger, never read as staff's."""
    header = table.header
    ours = [s for s in steps if s.entry and (s.entry.written_label or s.entry.staff_label)]
    present = {fold(str(h or "")) for h in header}
    switched = before is not None
    missing = fold(block.titles["estado"]) not in present or switched
    # an estado cleared beside its motivo and id is staff asking for a re-run, however many
    # at once; a block wiped whole (its id too, or all but the id) was lost
    cleared = [
        s
        for s in ours
        if switched or (not s.row.estado_cell.strip() and (missing or _wiped(s.row)))
    ]
    lost = missing or (len(cleared) >= LOST_AT_LEAST and len(cleared) >= LOST_SHARE * len(ours))
    # ALTA/BAJA APLICADA records what staff did in IMSS: a re-run would mail its follow-up
    # again, so a cleared one comes back instead
    applied = [
        s
        for s in ours
        if s.entry is not None
        and not s.row.estado_cell.strip()
        and Estado.from_label(s.entry.staff_label or "") in _APPLIED
    ]
    if before is not None and ours:
        _unread_in_old(Block(before), table, ours)
        _overwritten(block, table, ours)
    if not (cleared and lost) and not applied:
        return 0
    keys = {s.row.key for s in (cleared if lost else [])} | {s.row.key for s in applied}
    restored = ledger.restore(campus, sorted(keys))
    if switched:
        log.warning(
            "[campus.columns] prefijo cambió de «%s» a «%s»: el bloque «%s» se escribe desde "
            "la bitácora en %d filas (sin validar ni enviar correos otra vez)",
            before,
            block.prefix,
            block.prefix,
            restored,
        )
    else:
        log.warning(
            "el bloque «%s» no está o se vació en %d filas: se escribe de nuevo desde la "
            "bitácora (sin validar ni enviar correos otra vez); revisa si alguien lo borró o "
            "renombró",
            block.prefix,
            restored,
        )
    if missing:
        left_behind(block, header)
    return restored


def _unread_in_old(old: Block, table: Table, steps: list[Step]) -> None:
    _name_rows(
        old,
        table,
        steps,
        "el bloque «{block}» dice otra cosa que facultativo en {n} filas ({rows}): si son "
        "decisiones del personal, escríbanlas en el bloque nuevo; el bloque «{block}» ya no "
        "se lee",
    )


def _overwritten(block: Block, table: Table, steps: list[Step]) -> None:
    """The block switched to already held other words (typed while nobody read it): the
    ledger's are written over them, and the rows are named so staff can type again."""
    _name_rows(
        block,
        table,
        steps,
        "el bloque «{block}» tenía otra cosa que la bitácora en {n} filas ({rows}): se escribe "
        "lo que dice la bitácora; si eran decisiones nuevas, escríbanlas otra vez",
    )


def _name_rows(block: Block, table: Table, steps: list[Step], text: str) -> None:
    """Log, in `text`, the rows whose words in `block` the ledger does not know."""
    entries = {s.row.key: s.entry for s in steps if s.entry}
    found = unread_in(block, table, steps_rows(steps), entries)
    if found:
        rows = "; ".join(found[:10]) + ("…" if len(found) > 10 else "")
        log.warning(text.format(block=block.prefix, n=len(found), rows=rows))


def stale_decisions(sheet: Sheet) -> list[CellWrite]:
    """On a switch to a block the sheet already had: its «decisión del personal» cells are
    older than the ledger, whose word the restored estado carries; they are cleared, so no
    later cycle reads one as new."""
    col = sheet.cols.fields.get("decision")
    if col is None:
        return []
    return [
        CellWrite(r.number, col, "", r.key)
        for r in sheet.rows
        if r.index < len(sheet.table.rows) and _cell(sheet.table.rows[r.index], col)
    ]


def steps_rows(steps: list[Step]) -> list[Row]:
    return [s.row for s in steps]


def unread_in(old: Block, table: Table, rows: list[Row], entries: Mapping[str, Entry]) -> list[str]:
    """Rows whose estado or staff decision in `old`, a block facultativo no longer reads
    (the campus's prefijo changed), means something other than what the ledger last wrote
    or read for them: what staff typed there, which nobody reads. «fila N («texto»)» each."""
    folded = [fold(str(h or "")) for h in table.header]
    estado_col = _col(folded, old.titles["estado"])
    decision_col = _col(folded, old.staff_decision)
    found = []
    for row in rows:
        entry = entries.get(row.key)
        if entry is None or row.copy_of or row.index >= len(table.rows):
            continue
        tipo = row.request.tipo if row.request else None
        ours, staff = (_meaning(x or "", tipo) for x in (entry.written_label, entry.staff_label))
        cells = table.rows[row.index]
        estado, decision = (_cell(cells, c) for c in (estado_col, decision_col))
        if estado and _meaning(estado, tipo) not in (ours, staff):
            found.append(f"fila {row.number} («{estado[:30]}»)")
        elif decision and _meaning(decision, tipo) != staff:
            found.append(f"fila {row.number} («{decision[:30]}»)")
    return found


def _col(folded: list[str], title: str) -> int | None:
    return folded.index(fold(title)) if fold(title) in folded else None


def _cell(cells: list, col: int | None) -> str:
    value = cells[col] if col is not None and col < len(cells) else None
    return "" if value is None else str(value).strip()


def _meaning(text: str, tipo: Tipo | None) -> Estado | str:
    """A label as staff mean it (sync/wording.py): «Aceptado» is ACEPTADA."""
    return staff_word(text, tipo) or fold(text)


def left_behind(block: Block, header: list[str]) -> list[str]:
    """Other facultativo blocks still in the sheet (the campus's prefijo changed): named in
    the log, since facultativo no longer reads or writes them and what staff type there
    counts for nothing."""
    others = block.others(header)
    for name in others:
        log.warning(
            "la hoja aún tiene el bloque «%s» (de antes de cambiar [campus.columns] prefijo a "
            "«%s»): facultativo ya no lo lee ni lo escribe; lo que se escriba ahí no cuenta. "
            "Bórralo u ocúltalo cuando ya no lo necesiten",
            name,
            block.prefix,
        )
    return others


_APPLIED = {Estado.ALTA_APLICADA, Estado.BAJA_APLICADA}


def _wiped(row: Row) -> bool:
    """Every cell of the row's block empty, but perhaps the id."""
    return not any(v.strip() for k, v in row.status.items() if k != "id")


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
