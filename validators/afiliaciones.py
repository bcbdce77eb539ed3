"""The patrones table: who insures (or last insured) the person, one record per patrón.

Tables print it as rows (any column order, razón social possibly wrapped,
sometimes the whole row in one string: «INSTITUTO … MOD. 32 VIGENTE DESDE
18/08/2025 Y60-12345-32-1»); other layouts print one labelled block per
patrón. Both are read as *records*: the lines from one registro patronal to the
next. In a record, the registro, the modalidad, a state word and dates are
found anywhere and taken out; what is left is the razón social.

A row's state is read only where the row prints one: the current generation
prints none (docs/CONSTANCIA.md), and then `estado` stays None.
"""

from __future__ import annotations

import re
from datetime import date

from facultativo.validators.dates import find_dates
from facultativo.validators.labels import FCell, FLine, line_evidence, situacion
from facultativo.validators.model import Afiliacion, Situacion
from facultativo.validators.text import words
from facultativo.validators.vocabulary import EMPTY_VALUES, LABELS, MOVIMIENTOS, SITUACIONES

REGISTRO = re.compile(r"(?<![A-Z0-9])([A-Z]\d{2})[\s-]?(\d{5})[\s-]?(\d{2})[\s-]?(\d)(?![A-Z0-9])")
# What a modalidad-32 row says it is, and the usual names of other modalidades.
DESCRIPCIONES = (
    "SEGURO FACULTATIVO ESTUDIANTES",
    "SEGURO FACULTATIVO IMSS CFE",
    "SEGURO FACULTATIVO CFE",
    "SEGURO FACULTATIVO IMSS",
    "PROGRAMA JOVENES CONSTRUYENDO EL FUTURO",
    "JOVENES CONSTRUYENDO EL FUTURO",
    "SEGURO FACULTATIVO",
    "TRABAJADORES PERMANENTES Y EVENTUALES DE LA CIUDAD",
    "TRABAJADORES PERMANENTES Y EVENTUALES",
    "TRABAJADORES EVENTUALES DEL CAMPO",
    "TRABAJADORES EVENTUALES DE LA CIUDAD",
    "TRABAJADORES DE LA CONSTRUCCION",
    "PERSONAS TRABAJADORAS DEL HOGAR",
    "TRABAJADORES DOMESTICOS",
    "INCORPORACION VOLUNTARIA AL REGIMEN OBLIGATORIO",
    "INCORPORACION VOLUNTARIA",
    "CONTINUACION VOLUNTARIA EN EL REGIMEN OBLIGATORIO",
    "CONTINUACION VOLUNTARIA",
    "SEGURO DE SALUD PARA LA FAMILIA",
    "TRABAJADORES INDEPENDIENTES",
)
_FIELD_LABELS = {"registro", "razon", "modalidad", "estado", "vigencia", "movimiento", "otro"}
_STATE_FIELDS = {"estado", "vigencia", "movimiento"}
_WORDS = [w for w, _ in SITUACIONES] + [w for w, _ in MOVIMIENTOS]
_STATE_OF = dict(SITUACIONES) | dict(MOVIMIENTOS)
_STATE = re.compile(rf"(?<![A-Z])({'|'.join(sorted(_WORDS, key=len, reverse=True))})(?![A-Z])")
_DATE = r"\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}|\d{4}-\d{2}-\d{2}"
# After a state word, these show it is a column value and not part of a name.
_AFTER_STATE = re.compile(
    rf"^(?:$|DESDE|HASTA|A PARTIR|FECHA|MOD|\(|[-|:]|(?:(?:DEL?|AL|EL) )?(?:{_DATE})|[A-Z]\d{{2}})"
)
_NAME_GLUE = {"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "E", "EN"}
# «MOD. 32», or a number that a description follows: «(32) SEGURO…», «32 - SEGURO…».
# A bare number elsewhere is part of a name («PREPARATORIA 10 - PLANTEL NORTE»).
_DESC_START = "|".join(sorted({d.split()[0] for d in DESCRIPCIONES}))
_MODALIDAD = (
    re.compile(r"(?<![A-Z])MOD(?:ALIDAD)?\.?\s*:?\s*\(?(\d{2})\)?(?!\d)"),
    re.compile(rf"\((\d{{2}})\)\s*(?={_DESC_START})"),
    re.compile(rf"(?<![\d/.-])(\d{{2}})\s+-\s+(?={_DESC_START})"),
    re.compile(r"^\(?(\d{2})\)?(?=\s|$)"),
)
_CONNECTORS = re.compile(r"(?<![A-Z])(?:VIGENTE )?(?:DESDE|HASTA|A PARTIR DEL?|DEL|AL)(?= |$)")


def read_afiliaciones(lines: list[FLine]) -> tuple[Afiliacion, ...]:
    """Every patrón in the table lines, in printed order."""
    return tuple(a for a in (_record(r) for r in _records(lines)) if a and _is_row(a))


def prints_row_states(lines: list[FLine], rows: tuple[Afiliacion, ...]) -> bool:
    """Whether the table has a state for each row (a column, a label or a state word).

    Then a row whose state cannot be read is unknown, not one of the active patrones.
    """
    labelled = any(
        _row_field(h.field, h.phrase) in _STATE_FIELDS
        for line in lines
        for c in line
        for h in c.hits
    )
    return labelled or any(a.estado for a in rows)


def _records(lines: list[FLine]) -> list[list[FLine]]:
    records: list[list[FLine]] = []
    current: list[FLine] = []
    for line in lines:
        if _is_header(line) or (not records and not current and _caption_pieces(line)):
            continue
        starts = _has_registro(line) or _starts_razon(line)
        if starts and _has(current, "registro" if _has_registro(line) else "razon"):
            records.append(current)
            current = []
        current.append(line)
    if current:
        records.append(current)
    return records


def _is_row(a: Afiliacion) -> bool:
    return bool(a.registro_patronal or a.estado or (a.modalidad and a.razon_social))


def _is_header(line: FLine) -> bool:
    """A table header: only labels, naming two or more columns."""
    fields = {h.field for c in line for h in c.hits}
    only_labels = all(not c.value_after(h) for c in line for h in c.hits) and all(
        c.hits and c.hits[0].start == 0 for c in line
    )
    return (only_labels and len(fields & _FIELD_LABELS) >= 2) or _is_heading(line)


# Words of the table's captions: a caption that wraps in its cell («Registro» over
# «patronal») leaves such pieces above the first row.
_CAPTION_WORDS = {
    w for field in ("registro", "razon", "modalidad") for p in LABELS[field] for w in words(p)
} | {"DESCRIPCION", "ESTADO", "FECHA", "ALTA", "BAJA", "MOVIMIENTO", "TIPO"}
_LITTLE = {"DE", "DEL", "O", "LA", "NO"}


def _caption_pieces(line: FLine) -> bool:
    """A line above the first row made only of caption words: a wrapped table header."""
    found = {w for c in line for w in words(c.text)}
    return bool(found - _LITTLE) and found <= _CAPTION_WORDS | _LITTLE


def _is_heading(line: FLine) -> bool:
    return all(c.hits and all(h.field == "seccion" for h in c.hits) for c in line)


def _has_registro(line: FLine) -> bool:
    return any(REGISTRO.search(c.text) for c in line)


def _starts_razon(line: FLine) -> bool:
    return bool(line) and any(h.field == "razon" and h.start == 0 for h in line[0].hits)


def _has(lines: list[FLine], what: str) -> bool:
    if what == "registro":
        return any(_has_registro(line) for line in lines)
    return any(h.field == "razon" for line in lines for c in line for h in c.hits)


class _Row:
    """What one record has shown so far."""

    def __init__(self) -> None:
        self.registro: str | None = None
        self.modalidad: str | None = None
        self.estado: Situacion | None = None
        self.descripcion: str | None = None
        self.fechas: list[date] = []
        self.rest: list[tuple[str, float, float]] = []  # leftover text with its x span


def _record(lines: list[FLine]) -> Afiliacion | None:
    row = _Row()
    for line in lines:
        for cell in line:
            for text, label in _pieces(cell):
                _read_piece(row, text, label, cell)
    razon = " ".join(_take_descripcion(row, column) for column in _columns(row.rest))
    if row.registro:
        razon, row.modalidad = _split_modalidad(razon, row.registro, row.modalidad)
    razon = _tidy(razon)
    if razon in EMPTY_VALUES:
        razon = ""
    razon = razon or row.descripcion or ""  # a name that is itself a description
    if not (row.registro or razon):
        return None
    if row.descripcion and "FACULTATIVO" in row.descripcion and row.modalidad is None:
        row.modalidad = "32"
    return Afiliacion(
        row.registro,
        razon,
        row.modalidad,
        row.estado,
        row.descripcion,
        line_evidence(*lines),
        tuple(row.fechas),
    )


def _read_piece(row: _Row, text: str, label: str | None, cell: FCell) -> None:
    row.fechas += [d for _, d in find_dates(text)]
    if label == "otro":
        return
    if label in _STATE_FIELDS:
        found = situacion(text) or _movimiento(text)
        row.estado = found or row.estado
        return
    m = REGISTRO.search(text)
    if m and row.registro is None:
        row.registro = "".join(m.groups())
        text = f"{text[: m.start()]} {text[m.end() :]}"
    text = _take_state(row, text)
    text = _strip_dates(text)
    text = _take_modalidad(row, text, label == "modalidad")
    if text.strip(" -:,.()"):
        row.rest.append((text, cell.x0, cell.x1))


def _columns(pieces: list[tuple[str, float, float]]) -> list[str]:
    """Leftover text joined per column, so that a razón social and a description
    that both wrap onto a second line are each read whole."""
    columns: list[tuple[float, float, list[str]]] = []
    for text, x0, x1 in pieces:
        column = next((c for c in columns if x0 < c[1] and x1 > c[0]), None)
        if column is None:
            columns.append((x0, x1, [text]))
        else:
            column[2].append(text)
    return [" ".join(texts) for _, _, texts in columns]


def _movimiento(text: str) -> Situacion | None:
    padded = f" {' '.join(words(text))} "
    return next((s for w, s in MOVIMIENTOS if f" {w} " in padded), None)


def _take_state(row: _Row, text: str) -> str:
    """A state word that is a column value: the whole cell, or followed by a date,
    «DESDE», «MOD.» or the end of the cell. Never part of a name: not «BAJA» in
    «BAJA CALIFORNIA» or «BAJA FERRIES», nor «… DE BAJA» where a name wraps."""
    text = re.sub(r"\s+", " ", text).strip()
    for m in _STATE.finditer(text):
        word, before, after = m.group(1), text[: m.start()].split(), text[m.end() :].strip()
        whole = not before and not after
        in_name = bool(before) and before[-1] in _NAME_GLUE
        if whole or (not in_name and _AFTER_STATE.match(after)):
            row.estado = row.estado or _STATE_OF[word]
            return f"{text[: m.start()]} {text[m.end() :]}".strip()
    return text


def _take_modalidad(row: _Row, text: str, labelled: bool) -> str:
    text = text.strip()
    for i, pattern in enumerate(_MODALIDAD):
        m = pattern.search(text)
        bare = i == len(_MODALIDAD) - 1  # «32 …» at the start: only in a modalidad cell
        if m and (not bare or labelled or _only_number_and_words(text)):
            row.modalidad = row.modalidad or m.group(1)
            return f"{text[: m.start()]} {text[m.end() :]}".strip()
    return text


def _only_number_and_words(text: str) -> bool:
    """«32 SEGURO FACULTATIVO…» or «32»: a modalidad cell, not a name starting with digits."""
    rest = " ".join(words(text[2:]))
    return not rest or any(rest.startswith(d) for d in DESCRIPCIONES)


def _take_descripcion(row: _Row, text: str) -> str:
    """Take out a modalidad description; it says which kind of modalidad 32 a row is."""
    joined = " ".join(words(text))
    for desc in DESCRIPCIONES:
        if f" {desc} " in f" {joined} ":
            row.descripcion = row.descripcion or desc
            return f" {joined} ".replace(f" {desc} ", " ").strip()
    return text


def _pieces(cell: FCell) -> list[tuple[str, str | None]]:
    """Split a cell into (text, label field) pieces; text before any label has None."""
    if not cell.hits:
        return [(cell.text, None)]
    pieces: list[tuple[str, str | None]] = []
    if cell.hits[0].start > 0:
        pieces.append((cell.text[: cell.hits[0].start].strip(), None))
    pieces += [(cell.value_after(h), _row_field(h.field, h.phrase)) for h in cell.hits]
    return [(t, f) for t, f in pieces if t]


def _row_field(field: str, phrase: str) -> str:
    """«Tipo de movimiento» is a row's state on older documents; its date is not."""
    if "MOVIMIENTO" in phrase and not phrase.startswith("FECHA"):
        return "movimiento"
    return field


def _strip_dates(text: str) -> str:
    if find_dates(text):
        text = re.sub(rf"(?<!\d)(?:{_DATE})(?!\d)", " ", text)
        text = re.sub(r"\b\d{1,2} DE [A-Z]+ DE \d{4}\b", " ", text)
        text = _CONNECTORS.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def _split_modalidad(razon: str, registro: str, modalidad: str | None) -> tuple[str, str]:
    """The modalidad is printed as a number and is also digits 9-10 of the registro."""
    from_registro = registro[8:10]
    pattern = re.compile(rf"(?<!\d){from_registro}(?!\d)")
    m = next(reversed(list(pattern.finditer(razon))), None)
    if m and modalidad is None:
        razon = razon[: m.start()] + razon[m.end() :]
    return re.sub(r"\s+", " ", razon).strip(), modalidad or from_registro


def _tidy(text: str) -> str:
    text = re.sub(r"\(\s*\)|\bMOD(?:ALIDAD)?\b\.?", " ", text)
    return re.sub(r"\s+", " ", text).strip(" -:,.|")
