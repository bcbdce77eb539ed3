"""Label vocabulary of the constancia and the label finder.

The real layout is not public (DESIGN.md §2), so fields are found by the words
that name them. Every label any layout may print is listed here, including the
ones we never read, because a known label is also where the previous value ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .layout import Line
from .text import fold

# field -> phrases, folded (upper case, no accents). Longer phrases win over shorter.
LABELS: dict[str, tuple[str, ...]] = {
    "titulo": (
        "CONSTANCIA DE VIGENCIA DE DERECHOS",
        "COMPROBANTE DE VIGENCIA DE DERECHOS",
        "INSTITUTO MEXICANO DEL SEGURO SOCIAL",
    ),
    "nss": (
        "NUMERO DE SEGURIDAD SOCIAL",
        "NUM. DE SEGURIDAD SOCIAL",
        "NO. DE SEGURIDAD SOCIAL",
        "NUMERO DE SEGURO SOCIAL",
        "NUMERO DE AFILIACION",
        "N.S.S.",
        "N.S.S",
        "NSS",
    ),
    "curp": ("CLAVE UNICA DE REGISTRO DE POBLACION", "CURP"),
    "nombre": (
        "NOMBRE DEL ASEGURADO",
        "NOMBRE DEL DERECHOHABIENTE",
        "NOMBRE COMPLETO",
        "NOMBRE(S)",
        "NOMBRES",
        "NOMBRE",
    ),
    "apellido1": ("PRIMER APELLIDO", "APELLIDO PATERNO"),
    "apellido2": ("SEGUNDO APELLIDO", "APELLIDO MATERNO"),
    "fecha": (
        "FECHA DE EXPEDICION",
        "FECHA Y HORA DE EXPEDICION",
        "FECHA DE CONSULTA",
        "FECHA Y HORA DE CONSULTA",
        "FECHA DE EMISION",
        "FECHA DE IMPRESION",
        "FECHA DE GENERACION",
        "FECHA DE ELABORACION",
        "EXPEDIDA EL",
        "EXPEDIDO EL",
        "EMITIDA EL",
        "FECHA",
    ),
    "estado": (
        "ESTADO DE VIGENCIA",
        "ESTADO DE LA VIGENCIA",
        "SITUACION ACTUAL",
        "VIGENCIA",
        "ESTADO",
        "SITUACION",
        "ESTATUS",
    ),
    "servicio": (
        "CON DERECHO A SERVICIO MEDICO",
        "CON DERECHO AL SERVICIO MEDICO",
        "DERECHO A SERVICIO MEDICO",
        "DERECHO A SERVICIOS MEDICOS",
        "SERVICIO MEDICO",
    ),
    "clinica": (
        "UNIDAD DE MEDICINA FAMILIAR",
        "CLINICA ASIGNADA",
        "CLINICA",
        "U.M.F.",
        "UMF",
    ),
    "registro": ("REGISTRO PATRONAL", "REG. PATRONAL", "NO. REGISTRO PATRONAL"),
    "razon": ("NOMBRE O RAZON SOCIAL", "RAZON SOCIAL", "PATRON", "INSTITUCION", "EMPRESA"),
    "modalidad": ("MODALIDAD", "REGIMEN", "MOD.", "MOD"),
    "seccion": (
        "HISTORIAL DE INSTITUCIONES QUE HICIERON LA AFILIACION",
        "HISTORIAL DE AFILIACION",
        "HISTORIAL DE AFILIACIONES",
        "AFILIACIONES",
        "PATRONES",
        "DATOS DEL PATRON",
        "DATOS DE AFILIACION",
    ),
    "fin": (
        "BENEFICIARIOS",
        "CADENA ORIGINAL",
        "SELLO DIGITAL",
        "FOLIO",
        "ESTE DOCUMENTO",
        "LA PRESENTE CONSTANCIA",
        "NOTA",
    ),
    "otro": (
        "SEXO",
        "FECHA DE NACIMIENTO",
        "LUGAR DE NACIMIENTO",
        "ENTIDAD DE NACIMIENTO",
        "FECHA FIN DE VIGENCIA",
        "FIN DE VIGENCIA",
        "DELEGACION",
        "SUBDELEGACION",
        "TURNO",
        "CONSULTORIO",
        "FECHA DE ALTA",
        "FECHA DE BAJA",
        "FECHA ALTA",
        "FECHA BAJA",
        "FECHA DE MOVIMIENTO",
        "TIPO DE MOVIMIENTO",
        "ULTIMO MOVIMIENTO",
        "MOVIMIENTO",
        "DESCRIPCION",
        "DOMICILIO",
        "DATOS DEL ASEGURADO",
        "DATOS PERSONALES",
        "TIPO DE ASEGURAMIENTO",
    ),
}

_ALL = sorted(
    ((phrase, field) for field, phrases in LABELS.items() for phrase in phrases),
    key=lambda item: -len(item[0]),
)
_PATTERN = re.compile(
    "|".join(
        rf"(?<![A-Z0-9]){re.escape(p)}(?![A-Z0-9])" + ("" if p.endswith(".") else r"(?:\s*:)?")
        for p, _ in _ALL
    )
)
_FIELD_OF = {phrase: field for phrase, field in _ALL}


@dataclass(frozen=True)
class Hit:
    field: str
    start: int
    end: int
    phrase: str


@dataclass(frozen=True)
class FCell:
    """A cell with its text folded and its labels located."""

    text: str
    x0: float
    x1: float
    hits: tuple[Hit, ...]

    def value_after(self, hit: Hit) -> str:
        """The text between a label and the next label in the same cell."""
        following = [h.start for h in self.hits if h.start >= hit.end]
        end = min(following, default=len(self.text))
        return self.text[hit.end : end].strip(" :.-")

    @property
    def starts_with_label(self) -> bool:
        return bool(self.hits) and self.hits[0].start == 0


FLine = tuple[FCell, ...]


def fold_lines(lines: list[Line]) -> list[FLine]:
    return [tuple(_fcell(c.text, c.x0, c.x1) for c in line) for line in lines]


def _fcell(raw: str, x0: float, x1: float) -> FCell:
    text = fold(raw)
    hits = []
    for m in _PATTERN.finditer(text):
        phrase = m.group(0).rstrip(": ").strip()
        hits.append(Hit(_FIELD_OF.get(phrase, "otro"), m.start(), m.end(), phrase))
    return FCell(text, x0, x1, tuple(hits))


def label_only(cell: FCell) -> bool:
    """True when a cell holds labels and nothing else."""
    return (
        bool(cell.hits)
        and all(not cell.value_after(h) for h in cell.hits)
        and (cell.hits[0].start == 0)
    )


def values(lines: list[FLine], field: str) -> list[str]:
    """Every candidate value printed for `field`, in reading order.

    A value is the text after the label in its cell; else the next cell on the
    line; else the cell below the label (a column under a header, or a stacked
    label over its value).
    """
    found: list[str] = []
    for i, line in enumerate(lines):
        for j, cell in enumerate(line):
            for hit in cell.hits:
                if hit.field != field:
                    continue
                value = cell.value_after(hit)
                if not value and _is_last_hit(cell, hit):
                    value = _beside(line, j) or _below(lines, i, cell)
                if value:
                    found.append(value)
    return found


def _is_last_hit(cell: FCell, hit: Hit) -> bool:
    return hit == cell.hits[-1]


def _beside(line: FLine, j: int) -> str:
    if j + 1 < len(line) and not line[j + 1].starts_with_label:
        return line[j + 1].text
    return ""


def _below(lines: list[FLine], i: int, cell: FCell) -> str:
    for nxt in lines[i + 1 : i + 3]:
        for below in nxt:
            if below.x1 >= cell.x0 - 2 and below.x0 <= cell.x1 + 40:
                return "" if below.starts_with_label else below.text
        if nxt:
            return ""
    return ""
