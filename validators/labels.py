"""Label vocabulary of the constancia and the label finder.

The real layout is not public (docs/CONSTANCIA.md), so fields are found by the words
that name them. Every label any layout may print is listed here, including the
ones we never read, because a known label is also where the previous value ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .layout import Line
from .model import Evidence, Situacion
from .text import fold

# field -> phrases, folded (upper case, no accents). Longer phrases win over shorter.
LABELS: dict[str, tuple[str, ...]] = {
    "titulo": (
        "CONSTANCIA DE VIGENCIA DE DERECHOS",
        "COMPROBANTE DE VIGENCIA DE DERECHOS",
        "REPORTE DE VIGENCIA DE DERECHOS",
        "COMPROBANTE DE VIGENCIA DE DERECHOHABIENTES",
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
    "curp": ("CLAVE UNICA DE REGISTRO DE POBLACION", "C.U.R.P.", "CURP"),
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
        "FECHA DE CONSTANCIA",
        "FECHA DE LA CONSTANCIA",
        "FECHA DE ELABORACION",
        "EXPEDIDA EL",
        "EXPEDIDO EL",
        "EMITIDA EL",
        "FECHA",
    ),
    # The older generation's state word (VIGENTE, BAJA, …).
    "estado": (
        "ESTADO DE VIGENCIA",
        "ESTADO DE LA VIGENCIA",
        "SITUACION ACTUAL",
        "ESTADO",
        "SITUACION",
        "ESTATUS",
    ),
    # The current generation's global «Vigencia»: a date, "---" or PENSIONADO
    # (older documents print a state word under the same label).
    "vigencia": (
        "VIGENCIA",
        "VIGENTE HASTA",
        "VIGENCIA HASTA",
        "FECHA FIN DE VIGENCIA",
        "FIN DE VIGENCIA",
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
    "beneficiarios": (
        "BENEFICIARIOS",
        "BENEFICIARIO(S)",
        "DERECHOHABIENTES BENEFICIARIOS",
        "BENEFICIARIOS DERECHOHABIENTES",
        "DATOS DE LOS BENEFICIARIOS",
        "DATOS DE BENEFICIARIOS",
    ),
    # The signature block: the cadena original repeats the person's data and is
    # read on its own (fields.read_cadena), never as the personal block.
    "firma": (
        "CADENA ORIGINAL",
        "SELLO DIGITAL",
        "SELLO DIGITAL IMSS",
        "SECUENCIA NOTARIAL",
        "NUMERO DE SERIE",
        "NO. DE SERIE",
        "FOLIO",
    ),
    "fin": (
        "ESTE DOCUMENTO",
        "LA PRESENTE CONSTANCIA",
        "NOTA",
        "AVISO DE PRIVACIDAD",
    ),
    "otro": (
        "SEXO",
        "FECHA DE NACIMIENTO",
        "FECHA NACIMIENTO",
        "FECHA DE NAC.",
        "FECHA NAC.",
        "FECHA DE REGISTRO",
        "LUGAR DE NACIMIENTO",
        "ESTADO DE NACIMIENTO",
        "ESTADO CIVIL",
        "ENTIDAD DE NACIMIENTO",
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
        "FECHA DEL ULTIMO MOVIMIENTO",
        "FECHA DE ULTIMO MOVIMIENTO",
        "PARENTESCO",
        "MOVIMIENTO",
        "DESCRIPCION",
        "DOMICILIO",
        "DATOS DEL ASEGURADO",
        "DATOS PERSONALES",
        "TIPO DE ASEGURAMIENTO",
    ),
}

# State words, most specific first: the one list the global estado and the rows use.
SITUACIONES: tuple[tuple[str, Situacion], ...] = (
    ("NO VIGENTE", Situacion.BAJA),
    ("SIN VIGENCIA", Situacion.BAJA),
    ("INACTIVO", Situacion.BAJA),
    ("BAJA", Situacion.BAJA),
    ("CONSERVACION DE DERECHOS", Situacion.CONSERVACION),
    ("CONSERVACION", Situacion.CONSERVACION),
    ("PENSIONADO", Situacion.PENSIONADO),
    ("PENSIONADA", Situacion.PENSIONADO),
    ("BENEFICIARIO", Situacion.BENEFICIARIO),
    ("BENEFICIARIA", Situacion.BENEFICIARIO),
    ("VIGENTE", Situacion.VIGENTE),
    ("ACTIVO", Situacion.VIGENTE),
)
# A row's last movement, printed where older documents have no state column.
MOVIMIENTOS: tuple[tuple[str, Situacion], ...] = (
    ("REINGRESO", Situacion.VIGENTE),
    ("ALTA", Situacion.VIGENTE),
)


def situacion(text: str) -> Situacion | None:
    """The state a folded value names: it starts with a state word, and what follows
    (if anything) is a date or «desde/hasta», never more name («BAJA CALIFORNIA»)."""
    plain = " ".join(re.findall(r"[A-Z0-9]+", text))
    for word, found in SITUACIONES:
        if plain == word or plain.startswith(word + " "):
            rest = plain[len(word) :].strip()
            if not rest or _AFTER_STATE_WORD.match(rest):
                return found
    return None


_AFTER_STATE_WORD = re.compile(r"(?:DESDE|HASTA|DEL?|AL|A PARTIR|EL|\d)(?: |$)|\d")


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
    """A cell with its text folded and its labels located; `raw` is the printed text."""

    text: str
    x0: float
    x1: float
    hits: tuple[Hit, ...]
    page: int = 1
    raw: str = ""

    def value_after(self, hit: Hit) -> str:
        """The text between a label and the next label in the same cell."""
        following = [h.start for h in self.hits if h.start >= hit.end]
        end = min(following, default=len(self.text))
        value = self.text[hit.end : end].strip(" :.")
        if value and not value.strip("- "):
            # "---" is printed on purpose (no vigencia); a lone "-" is a missing value
            return DASHES if value.count("-") >= 3 else MISSING
        return value.strip(" :.-")

    @property
    def starts_with_label(self) -> bool:
        return bool(self.hits) and self.hits[0].start == 0


FLine = tuple[FCell, ...]
DASHES = "---"
MISSING = "-"  # printed for a value the document does not have: unknown, never "no"
# What a cell says when it has no value (a name, a clinic, a razón social).
EMPTY_VALUES = frozenset(
    {"", MISSING, "--", DASHES, "N/A", "NO APLICA", "SIN DATO", "SIN DATOS", "SIN REGISTROS"}
    | {"NINGUNO", "NINGUNA"}
)


@dataclass(frozen=True)
class Value:
    """A field's value with the evidence it was read from."""

    text: str
    evidence: Evidence
    label: str = ""  # the phrase the value was found under


def fold_pages(pages: list[list[Line]]) -> list[FLine]:
    """Fold every line of every page, keeping the page number (1-based) on each cell."""
    return [
        tuple(_fcell(c.text, c.x0, c.x1, number) for c in line)
        for number, lines in enumerate(pages, start=1)
        for line in lines
    ]


def _fcell(raw: str, x0: float, x1: float, page: int = 1) -> FCell:
    text = fold(raw)
    hits = []
    for m in _PATTERN.finditer(text):
        phrase = m.group(0).rstrip(": ").strip()
        hits.append(Hit(_FIELD_OF.get(phrase, "otro"), m.start(), m.end(), phrase))
    return FCell(text, x0, x1, tuple(hits), page, raw.strip())


def refold(cell: FCell, text: str) -> FCell:
    """The same cell with other text (e.g. a page marker taken out)."""
    return _fcell(text, cell.x0, cell.x1, cell.page)


def line_evidence(*lines: FLine) -> Evidence:
    """The printed text of some lines, as evidence for a field read from them."""
    text = " / ".join(" ".join(c.raw or c.text for c in line) for line in lines if line)
    page = next((line[0].page for line in lines if line), 1)
    return Evidence(page, text[:EVIDENCE_CHARS])


EVIDENCE_CHARS = 160


def label_only(cell: FCell) -> bool:
    """True when a cell holds labels and nothing else."""
    return (
        bool(cell.hits)
        and all(not cell.value_after(h) for h in cell.hits)
        and (cell.hits[0].start == 0)
    )


def values(lines: list[FLine], field: str) -> list[Value]:
    """Every candidate value printed for `field`, in reading order.

    A value is the text after the label in its cell; else the next cell on the
    line; else the cell below the label (a column under a header, or a stacked
    label over its value).
    """
    found: list[Value] = []
    for i, line in enumerate(lines):
        for j, cell in enumerate(line):
            for hit in cell.hits:
                if hit.field != field:
                    continue
                value = cell.value_after(hit)
                source: tuple[tuple[FCell, ...], ...] = (line,)
                if not value and _is_last_hit(cell, hit):
                    value = _beside(line, j)
                    if not value:
                        value, below = _below(lines, i, cell)
                        source = (line, below)
                if value:
                    found.append(Value(value, line_evidence(*source), hit.phrase))
    return found


def _is_last_hit(cell: FCell, hit: Hit) -> bool:
    return hit == cell.hits[-1]


def _beside(line: FLine, j: int) -> str:
    if j + 1 < len(line) and not line[j + 1].starts_with_label:
        return line[j + 1].text
    return ""


def _below(lines: list[FLine], i: int, cell: FCell) -> tuple[str, FLine]:
    for nxt in lines[i + 1 : i + 3]:
        if nxt and nxt[0].page != cell.page:
            return "", ()
        for below in nxt:
            if below.x1 >= cell.x0 - 2 and below.x0 <= cell.x1 + 40:
                return ("", ()) if below.starts_with_label else (below.text, nxt)
        if nxt:
            return "", ()
    return "", ()
