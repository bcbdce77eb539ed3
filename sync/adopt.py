"""`facultativo adoptar`: this ledger takes a sheet over deliberately.

A lost ledger (a new disk, a deleted file), a ledger copied to a new machine, or a sheet
moved from another install: the status block is read back into the ledger (ids, estados,
«notificada el»), the sheet is marked as this ledger's, and nothing is decided or sent
again. Only ERROR TEMPORAL rows stay open: their students never heard anything yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from facultativo.sync.block import Block
from facultativo.sync.continuity import for_ledger, remember_answers
from facultativo.sync.ledger import Ledger
from facultativo.sync.model import Entry, NoticeKind, NoticeStatus
from facultativo.sync.ownership import Mark
from facultativo.sync.rows import Row, Who
from facultativo.sync.sheet import read_sheet
from facultativo.sync.sources import ResponseSource
from facultativo.sync.sources.base import SourceError
from facultativo.validators import Estado
from facultativo.validators.motivos import motivos_in_cell
from facultativo.validators.text import fold

OURS = (
    Estado.ACEPTADA,
    Estado.RECHAZADA,
    Estado.REVISION_MANUAL,
    Estado.CONCLUIDA,
    Estado.ERROR_TEMPORAL,
    Estado.ANTERIOR,
)
_SILENT = (Estado.ERROR_TEMPORAL, Estado.ANTERIOR)  # never mailed when adopted


def adopt(
    source: ResponseSource,
    columns: Mapping[str, tuple[str, ...]],
    timezone: str,
    refs: Callable[[Any], list[str]],
    ledger: Ledger,
    campus: str,
    now: datetime,
) -> int:
    """Responses rebuilt from the block (those the ledger already knew are kept)."""
    sheet = read_sheet(source, columns, timezone, refs, ledger.entries(campus))
    _refuse_another_block(source.block, sheet.table.header)
    ledger.adopt_here()
    known = ledger.entries(campus)
    entries, notices = [], []
    for row in sheet.rows:
        if row.who is Who.COPY or row.key in known or not row.estado_cell.strip():
            continue
        entries.append(_entry(row))
        notices += _notices(row)
    ledger.adopt(campus, entries, sheet.rows, now)
    ledger.adopt_notices(campus, notices, now)
    remember_answers(ledger, campus, sheet.rows)
    ledger.wrote_block(campus, source.block.prefix)
    mark = Mark(ledger.ledger_id(), ledger.install(), now.isoformat(timespec="seconds"))
    source.write([], mark.dumps())
    return len(entries)


def _entry(row: Row) -> Entry:
    label = row.status.get("estado", "").strip()
    estado = Estado.from_label(label)
    ours = estado in OURS
    # a decision in «decisión del personal» beside our REVISIÓN MANUAL is staff's estado
    staff = row.estado_cell.strip() if row.estado_cell.strip() != label else None
    cells = {k: row.status.get(k, "") for k in row.status if k not in ("notificada", "id")}
    motivos = ",".join(m.value for m in motivos_in_cell(row.status.get("motivo", "")))
    return Entry(
        key=row.key,
        generation=0,
        estado=estado.value if ours and estado else None,
        motivos=motivos if ours else None,
        attempts=0,
        next_attempt_at=None,
        pending_cells=None,
        written_label=label if ours else None,
        staff_label=staff or (None if ours else label),
        validations=0,
        datos={},
        written_cells=for_ledger({**cells, "id": row.key}, row.nss_typed),
    )


def _notices(row: Row) -> list[tuple[str, str, str, str, str | None, str]]:
    """What «notificada el» says was sent; a verdict with none is taken as told (nothing
    is re-sent), except where the student can have heard nothing yet. Each carries the
    verdict it told and the address, so a later decision is mailed only if it is news."""
    estado = Estado.from_label(row.status.get("estado", ""))
    if estado in _SILENT:
        return []
    cell = row.status.get("notificada", "").strip()
    status = NoticeStatus.ADOPTED
    if cell.startswith("ERROR"):
        status = NoticeStatus.FAILED
    elif "sombra" in cell:
        status = NoticeStatus.SHADOW
    elif cell:
        status = NoticeStatus.SENT
    kinds = [NoticeKind.RESULTADO, NoticeKind.DECISION]
    if estado in (Estado.ALTA_APLICADA, Estado.BAJA_APLICADA):
        kinds.append(NoticeKind.APLICADA)
    detail = cell[len("ERROR: ") :] if status == NoticeStatus.FAILED else ""
    shown = NoticeKind.APLICADA if "seguimiento" in cell else NoticeKind.RESULTADO
    if "decisión del personal" in cell:
        shown = NoticeKind.DECISION
    motivo = next(iter(motivos_in_cell(row.status.get("motivo", ""))), None)
    told = {
        NoticeKind.RESULTADO: f"{estado.value}:{motivo.value if motivo else ''}"
        if estado
        else None,
        NoticeKind.DECISION: _decision_told(cell),
        NoticeKind.APLICADA: f"{estado.value}:" if estado else None,
    }
    found = []
    for kind in kinds:
        # one kind is what the cell shows; the rest are taken as told
        mine = status if status == NoticeStatus.ADOPTED or kind == shown else NoticeStatus.ADOPTED
        verdict = told[kind] if mine == NoticeStatus.SENT else None
        found.append((row.key, kind.value, mine.value, detail, verdict, row.email_key))
    return found


def _decision_told(cell: str) -> str | None:
    """«… (decisión del personal: ACEPTADA)» → "ACEPTADA:"."""
    if "decisión del personal:" not in cell:
        return None
    label = cell.rsplit("decisión del personal:", 1)[1].strip(" )")
    estado = Estado.from_label(label)
    return f"{estado.value}:" if estado else None


def _refuse_another_block(block: Block, header: list[str]) -> None:
    """A sheet whose block has another name than the campus's prefijo: adopting it under
    this one would rebuild nothing, and the next cycle would write to every student again."""
    present = {fold(str(h or "")) for h in header}
    others = block.others(header)
    if not others:
        return
    if fold(block.titles["estado"]) in present:  # which one is current, only staff know
        raise SourceError(
            f"la hoja tiene dos bloques de facultativo, {block.named()} y «{others[0]}»: no se "
            "sabe cuál dice lo último que se decidió. Borra las columnas del que ya no se usa "
            "(guárdalo aparte si hace falta) y corre adoptar con el prefijo del que queda."
        )
    raise SourceError(
        f"la hoja tiene el bloque «{others[0]}», no el bloque {block.named()} de "
        f'[campus.columns] prefijo: adopta con prefijo = "{others[0]}" (así se reconstruye la '
        "bitácora desde lo que está en la hoja) y cambia el prefijo después, si hace falta."
    )
