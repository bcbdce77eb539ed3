"""Split a constancia's lines into its blocks: personal, patrones, beneficiarios, firma.

The same labels mean different things in different blocks: «Nombre» and «CURP»
head the beneficiarios table (other people), the cadena original repeats the
person's data in the signature block, and «Estado» may head a patrones column.
Reading each field only from its own block is what keeps a child's CURP from
passing for the student's (docs/CONSTANCIA.md, "How facultativo reads it").

Tables run onto the next page: a page change keeps the block that was open,
except the signature block, which belongs to its page. A beneficiarios table is
also known by its captions (a «Parentesco» column beside a name or a CURP), so its
continuation on a later page, under a repeated page header and without its heading,
is still other people's. Page markers («Página 1 de 2») are dropped before anything
reads the lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from facultativo.validators.afiliaciones import REGISTRO
from facultativo.validators.labels import FCell, FLine, refold
from facultativo.validators.vocabulary import PARENTESCOS

_PAGE_MARKER = re.compile(
    r"(?<![A-Z0-9])(?:PAGINA|PAG\.?|HOJA)\s*\d{1,3}(?:\s*(?:DE|/)\s*\d{1,3})?(?![0-9])"
    r"|^\d{1,3}\s*(?:DE|/)\s*\d{1,3}$|^-\s*\d{1,3}\s*-$"
)
# Opening a block: the field of a label at the start of a cell.
_OPENS = {"seccion": "patrones", "registro": "patrones", "beneficiarios": "beneficiarios"}
_FIRMA_OPENERS = {"CADENA ORIGINAL", "SELLO DIGITAL", "SELLO DIGITAL IMSS", "SECUENCIA NOTARIAL"}
# Labels that only the personal block prints: seeing one closes a table.
_PERSONAL = {"nss", "curp", "nombre", "apellido1", "apellido2", "servicio", "clinica", "fin"}
_GLOBAL = {"servicio", "vigencia", "titulo"}  # never a column of the beneficiarios table


class Block(StrEnum):
    PERSONAL = "personal"
    PATRONES = "patrones"
    BENEFICIARIOS = "beneficiarios"
    FIRMA = "firma"


@dataclass
class Sections:
    personal: list[FLine] = field(default_factory=list)
    patrones: list[FLine] = field(default_factory=list)
    beneficiarios: list[FLine] = field(default_factory=list)
    firma: list[FLine] = field(default_factory=list)

    def add(self, block: Block, line: FLine) -> None:
        getattr(self, block.value).append(line)


def split(lines: list[FLine]) -> Sections:
    """Each line in the block it belongs to, page markers removed."""
    out = Sections()
    block, before_firma, page, in_cadena = Block.PERSONAL, Block.PERSONAL, 0, False
    for raw_line in lines:
        line = _without_page_markers(raw_line)
        if not line:
            continue
        if line[0].page != page:
            page = line[0].page
            if block is Block.FIRMA:
                block, in_cadena = before_firma, False
        new = _next_block(block, line, bool(out.patrones), in_cadena)
        if new is Block.FIRMA and block is not Block.FIRMA:
            before_firma = block
        block = new
        if block is Block.FIRMA:
            in_cadena = _cadena_open(line, in_cadena)
        out.add(block, line)
    return out


def _next_block(block: Block, line: FLine, seen_patrones: bool, in_cadena: bool) -> Block:
    if in_cadena:
        return Block.FIRMA
    starts = [h for c in line for h in c.hits if h.start == 0]
    if any(h.phrase in _FIRMA_OPENERS for h in starts) or line[0].text.startswith("||"):
        return Block.FIRMA
    if _people_captions(line) or _kinship_row(line):
        return Block.BENEFICIARIOS
    opened = next((_OPENS[h.field] for h in starts if h.field in _OPENS), None)
    if opened:
        return Block(opened)
    if block in (Block.PATRONES, Block.BENEFICIARIOS) and _prose(line):
        return Block.PERSONAL  # a footer sentence after the table is not one of its rows
    if block is Block.PATRONES and _closes_table(starts, _PERSONAL | _GLOBAL):
        return Block.PERSONAL
    if block is Block.BENEFICIARIOS and _closes_table(starts, _GLOBAL | {"titular"}):
        return Block.PERSONAL
    if block is Block.FIRMA and _closes_table(starts, _GLOBAL | {"estado"}):
        return Block.PERSONAL
    if block is Block.PERSONAL and seen_patrones and _has_registro(line):
        return Block.PATRONES  # rows continued after a repeated page header
    return block


_PEOPLE_COLUMNS = {"nombre", "curp", "nss", "apellido1", "apellido2"}


def _people_captions(line: FLine) -> bool:
    """Column captions of a table of other people: «Parentesco» with a name or CURP
    column. The insured's own block never prints a kinship."""
    fields = {h.field for c in line for h in c.hits}
    phrases = {h.phrase for c in line for h in c.hits}
    return "PARENTESCO" in phrases and bool(fields & _PEOPLE_COLUMNS)


def _prose(line: FLine) -> bool:
    """A sentence printed across the page («Consulta tus semanas cotizadas en el portal
    IMSS Digital.»): one cell, several words, mostly lower case, as no table cell is."""
    if len(line) != 1 or line[0].starts_with_label:
        return False  # «Nombre o razón social: Instituto Tecnologico…» is a row's field
    raw = line[0].raw
    letters = [c for c in raw if c.isalpha()]
    return len(raw.split()) >= 5 and sum(c.islower() for c in letters) > 0.6 * len(letters)


def _kinship_row(line: FLine) -> bool:
    """A row of the beneficiarios table: one of its cells is only a kinship («HIJA»)."""
    return len(line) > 1 and any(c.text in PARENTESCOS for c in line)


def _closes_table(starts: list, fields: set[str]) -> bool:
    for hit in starts:
        if hit.field in fields:
            return True
        if hit.field == "fecha" and hit.phrase != "FECHA":
            return True  # «Fecha de expedición»; a bare «Fecha» may be a column
    return False


def _has_registro(line: FLine) -> bool:
    return any(REGISTRO.search(c.text) for c in line)


def _cadena_open(line: FLine, was_open: bool) -> bool:
    """Inside the cadena original (between its «||» marks), every line is the cadena's."""
    marks = sum(c.text.count("||") for c in line)
    return was_open ^ (marks % 2 == 1)


def _without_page_markers(line: FLine) -> FLine:
    cells = []
    for cell in line:
        cleaned = _strip_marker(cell)
        if cleaned is not None:
            cells.append(cleaned)
    return tuple(cells)


def _strip_marker(cell: FCell) -> FCell | None:
    if not _PAGE_MARKER.search(cell.text):
        return cell
    text = _PAGE_MARKER.sub(" ", cell.text).strip()
    return refold(cell, text) if text else None
