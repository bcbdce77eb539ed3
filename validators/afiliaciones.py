"""The affiliation history: who insures the student, one row per registro patronal.

Tables print it as rows (any column order, razón social possibly wrapped);
other layouts print one labelled block per employer. Both are read as
*records*: the lines from one registro patronal to the next, whose cells are
then classified (registro, modalidad, estado, dates) and whose leftover text
is the razón social.
"""

from __future__ import annotations

import re

from .dates import find_dates
from .labels import FCell, FLine
from .model import Afiliacion, Situacion
from .text import words

REGISTRO = re.compile(r"(?<![A-Z0-9])([A-Z]\d{2})[\s-]?(\d{5})[\s-]?(\d{2})[\s-]?(\d)(?![A-Z0-9])")
_ESTADO_WORDS = {
    "NO VIGENTE": Situacion.BAJA,
    "SIN VIGENCIA": Situacion.BAJA,
    "VIGENTE": Situacion.VIGENTE,
    "BAJA": Situacion.BAJA,
    "ACTIVO": Situacion.VIGENTE,
    "INACTIVO": Situacion.BAJA,
    # The last movement, where a row shows it instead of a state.
    "ALTA": Situacion.VIGENTE,
    "REINGRESO": Situacion.VIGENTE,
}
_ESTADO_AT_END = re.compile(
    r"(?<![A-Z])(NO VIGENTE|SIN VIGENCIA|VIGENTE|BAJA|INACTIVO|ACTIVO|ALTA|REINGRESO)\s*$"
)
MODALIDAD_DESCRIPCIONES = (
    "SEGURO FACULTATIVO ESTUDIANTES",
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
_FIELD_LABELS = {"registro", "razon", "modalidad", "estado", "otro"}


def read_afiliaciones(lines: list[FLine]) -> tuple[Afiliacion, ...]:
    """Every affiliation in the section lines, in printed order."""
    records: list[list[FCell]] = []
    current: list[FCell] = []
    for line in lines:
        if _is_header(line):
            continue
        starts = any(REGISTRO.search(c.text) for c in line) or _starts_razon(line)
        if starts and _has(current, "registro" if _has_registro(line) else "razon"):
            records.append(current)
            current = []
        current.extend(line)
    if current:
        records.append(current)
    parsed = (_record(cells) for cells in records)
    return tuple(a for a in parsed if a and (a.registro_patronal or a.estado))


def _is_header(line: FLine) -> bool:
    """A table header: only labels, naming two or more columns."""
    fields = {h.field for c in line for h in c.hits}
    only_labels = all(not c.value_after(h) for c in line for h in c.hits) and all(
        c.hits and c.hits[0].start == 0 for c in line
    )
    return (only_labels and len(fields & _FIELD_LABELS) >= 2) or _is_heading(line)


def _is_heading(line: FLine) -> bool:
    return all(c.hits and all(h.field == "seccion" for h in c.hits) for c in line)


def _has_registro(line: FLine) -> bool:
    return any(REGISTRO.search(c.text) for c in line)


def _starts_razon(line: FLine) -> bool:
    return bool(line) and any(h.field == "razon" and h.start == 0 for h in line[0].hits)


def _has(cells: list[FCell], what: str) -> bool:
    if what == "registro":
        return any(REGISTRO.search(c.text) for c in cells)
    return any(h.field == "razon" for c in cells for h in c.hits)


def _record(cells: list[FCell]) -> Afiliacion | None:
    registro = modalidad = None
    estado: Situacion | None = None
    rest: list[str] = []
    for cell in cells:
        for text, label in _pieces(cell):
            if label == "otro":
                continue
            m = REGISTRO.search(text)
            if m and registro is None:
                registro = "".join(m.groups())
                text = (text[: m.start()] + " " + text[m.end() :]).strip()
            text = _strip_dates(text)
            if label == "modalidad" or (label is None and re.fullmatch(r"\d{2}(\s.*)?", text)):
                if text[:2].isdigit():
                    modalidad, text = modalidad or text[:2], text[2:].strip()
                text = _strip_descripcion(text)
            if label in ("estado", None):
                found = _estado(text, whole=label is None)
                if found:
                    estado, text = found
            if text:
                rest.append(text)
    razon = " ".join(rest)
    if registro:
        razon, modalidad = _split_modalidad(razon, registro, modalidad)
    razon = _strip_descripcion(razon).strip(" -:,.")
    if not (registro or razon):
        return None
    return Afiliacion(registro, razon, modalidad, estado)


def _pieces(cell: FCell) -> list[tuple[str, str | None]]:
    """Split a cell into (text, label field) pieces; text before any label has None."""
    if not cell.hits:
        return [(cell.text, None)]
    pieces = []
    if cell.hits[0].start > 0:
        pieces.append((cell.text[: cell.hits[0].start].strip(), None))
    pieces += [(cell.value_after(h), h.field) for h in cell.hits]
    return [(t, f) for t, f in pieces if t]


def _estado(text: str, whole: bool) -> tuple[Situacion, str] | None:
    """The estado word of a record: a whole cell, or the last word of a row."""
    if text in _ESTADO_WORDS:
        return _ESTADO_WORDS[text], ""
    m = _ESTADO_AT_END.search(text)
    if m and (not whole or m.start() > 0):
        return _ESTADO_WORDS[m.group(1)], text[: m.start()].strip()
    return None


def _strip_dates(text: str) -> str:
    for _pos, _d in find_dates(text):
        text = re.sub(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _split_modalidad(razon: str, registro: str, modalidad: str | None) -> tuple[str, str]:
    """The modalidad is printed as a number and is also digits 9-10 of the registro."""
    from_registro = registro[8:10]
    pattern = re.compile(rf"(?<!\d){from_registro}(?!\d)")
    m = next(reversed(list(pattern.finditer(razon))), None)
    if m and modalidad is None:
        razon = razon[: m.start()] + razon[m.end() :]
    return re.sub(r"\s+", " ", razon).strip(), modalidad or from_registro


def _strip_descripcion(text: str) -> str:
    joined = " ".join(words(text))
    for desc in MODALIDAD_DESCRIPCIONES:
        if f" {desc} " in f" {joined} ":
            joined = f" {joined} ".replace(f" {desc} ", " ").strip()
    return joined if joined != " ".join(words(text)) else text
