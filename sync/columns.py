"""Find the form's columns and our status block by header text (README, "For developers").

Forms get edited and columns move, so nothing here depends on position.
A header matches a field when, folded, it equals one of the field's aliases
or contains it as a phrase ("Adjunta tu constancia (PDF)" contains
"constancia"). Exact matches win over phrase matches; a header serves one
field only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from facultativo.errors import OperationalError
from facultativo.validators import Estado, Tipo
from facultativo.validators.identifiers import CURP_PATTERN, nss_is_valid
from facultativo.validators.text import contains_phrase, fold

# field -> default aliases (a campus may add its own in [campus.columns]).
FIELDS: dict[str, tuple[str, ...]] = {
    "timestamp": ("Marca temporal", "Timestamp", "Fecha y hora", "Fecha de envío"),
    "email": (
        "Dirección de correo electrónico",
        "Correo electrónico",
        "Email address",
        "Correo",
        "Email",
        "E-mail",
    ),
    "tipo": ("Tipo de solicitud", "Tipo de trámite", "Trámite", "Solicitud", "Alta o baja"),
    "nss": ("Número de Seguridad Social", "NSS", "Número de seguro social"),
    "curp": ("CURP",),
    "nombre": ("Nombre completo", "Nombre del estudiante", "Nombre del alumno", "Nombre"),
    "apellidos": ("Apellidos",),
    "numero_control": ("Número de control", "Matrícula", "No. de control"),
    "archivo": (
        "Constancia de vigencia de derechos",
        "Constancia de vigencia",
        "Constancia",
        "Archivo",
        "Adjunto",
        "Comprobante",
    ),
}
# How `check` names each field to staff (the keys above are [campus.columns]' own).
FIELD_LABELS = {
    "timestamp": "marca temporal",
    "email": "correo",
    "tipo": "tipo",
    "nss": "NSS",
    "curp": "CURP",
    "nombre": "nombre",
    "apellidos": "apellidos",
    "numero_control": "número de control",
    "archivo": "constancia",
    "nota": "nota del personal",
    "decision": "decisión del personal",
}
REQUIRED = ("timestamp", "email", "tipo", "archivo")  # without them no request can be read
# [campus.columns] alta/baja: the Form's own option texts for each tipo, when its wording
# is one the reader cannot settle (sync/values.py `tipo`)
TIPO_OPTIONS: dict[str, Tipo] = {"alta": Tipo.ALTA, "baja": Tipo.BAJA}

STATUS_HEADERS: dict[str, str] = {
    "estado": "Validación: estado",
    "motivo": "Validación: motivo",
    "detalle": "Validación: detalle",
    "nss_leido": "Validación: NSS leído",
    "fecha_constancia": "Validación: fecha de constancia",
    "procesada": "Validación: procesada el",
    "notificada": "Validación: notificada el",
    # Who the response is (sync/identity.py): written with the first verdict, it travels
    # with the row when staff sort, filter, insert or copy; the ledger is keyed by it.
    "id": "Validación: id",
}


# The estado colours staff see in the sheet (RGB 0-1), the same in Google and in a workbook.
COLOURS = {
    "ACEPTADA": (0.72, 0.88, 0.72),
    "RECHAZADA": (0.96, 0.70, 0.70),
    "REVISIÓN MANUAL": (1.0, 0.85, 0.55),
    "CONCLUIDA": (0.85, 0.85, 0.85),
    "ALTA APLICADA": (0.70, 0.82, 0.96),
    "BAJA APLICADA": (0.70, 0.82, 0.96),
    "ERROR TEMPORAL": (1.0, 0.95, 0.75),
    "ANTERIOR": (0.95, 0.95, 0.95),
}
# Optional: what staff write to the student when they decide a REVISIÓN MANUAL themselves.
STAFF_NOTE = "Validación: nota del personal"
# Optional: staff's own decision, kept apart from ours (shadow weeks); `informe` compares.
STAFF_DECISION = "Validación: decisión del personal"
WIDTHS = {"estado": 18, "motivo": 30, "detalle": 60, "id": 12}  # characters; the others 20

# The decisions staff write in the estado (or in «decisión del personal»): sync/rows.py reads
# them over our REVISIÓN MANUAL, sync/wording.py reads staff's own words for them too.
STAFF_ESTADOS = (
    Estado.ACEPTADA,
    Estado.RECHAZADA,
    Estado.CONCLUIDA,
    Estado.ALTA_APLICADA,
    Estado.BAJA_APLICADA,
)


@dataclass(frozen=True)
class PickList:
    """A drop-down that only warns: staff may still type their own words («No procede»),
    which facultativo reads (sync/wording.py)."""

    title: str  # the column's header
    name: str  # how the workbook's prompt names it (Excel allows 32 characters)
    labels: tuple[str, ...]


PICK_LISTS = (
    PickList(
        STATUS_HEADERS["estado"],
        "Estado",
        tuple(e.etiqueta for e in (*STAFF_ESTADOS, Estado.REVISION_MANUAL)),
    ),
    PickList(STAFF_DECISION, "Decisión del personal", tuple(e.etiqueta for e in STAFF_ESTADOS)),
)
# What staff read when a cell with a pick-list is selected, and when they type something
# else (Excel: 255 and 225 characters at most; the warning's title 32).
PICK_PROMPT = "Elige de la lista o escribe la decisión con tus palabras."
PICK_WARNING_TITLE = "Fuera de la lista"
PICK_WARNING = (
    "No está en la lista. Puedes dejarlo: facultativo también lee palabras como «Aceptado» "
    "o «No procede», y avisa en el resumen de lo que no entiende."
)

# Status cells written as dates, so staff sort and filter by them. facultativo keeps the value
# as text ("2026-11-16", "2026-11-16 10:15", the campus's local time: sync/values.py); the
# sheet gets a date shown with this format (Excel and Google read the same patterns).
DATE_FORMATS = {"procesada": "dd/mm/yyyy hh:mm", "fecha_constancia": "dd/mm/yyyy"}


class MissingColumns(OperationalError):
    """A required form column was not found: a message naming the fix."""


@dataclass(frozen=True)
class ColumnMap:
    """0-based column index of each form field and of each status column."""

    fields: dict[str, int]
    status: dict[str, int]
    width: int  # columns in the sheet once the status block exists
    created: tuple[str, ...] = ()  # status columns not in the sheet yet

    def missing_status(self) -> list[str]:
        return list(self.created)


def map_columns(
    header: list[str],
    aliases: dict[str, tuple[str, ...]] | None = None,
    rows: Sequence[Sequence[object]] = (),
) -> ColumnMap:
    """Map a header row; status columns missing from it get places at the right.

    A field no header names is looked for in the answers (`rows`): a Form whose tipo
    question reads «¿Qué deseas solicitar?» still has Alta/Baja answers."""
    folded = [fold(str(h or "")) for h in header]
    status = {k: folded.index(fold(h)) for k, h in STATUS_HEADERS.items() if fold(h) in folded}
    taken = set(status.values())
    fields: dict[str, int] = {}
    names = {f: (*(aliases or {}).get(f, ()), *defaults) for f, defaults in FIELDS.items()}
    for exact in (True, False):
        for field_, options in names.items():
            if field_ in fields:
                continue
            col = _find(folded, options, taken, exact)
            if col is not None:
                fields[field_] = col
                taken.add(col)
    for field_, looks_like in BY_CONTENT.items():
        if field_ not in fields:
            col = _by_content(rows, looks_like, taken | set(status.values()), folded)
            if col is not None:
                fields[field_] = col
                taken.add(col)
    for name, title in (("nota", STAFF_NOTE), ("decision", STAFF_DECISION)):
        if fold(title) in folded:
            fields[name] = folded.index(fold(title))
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        raise MissingColumns(_missing_message(missing, header))
    width = len(header)
    created = tuple(k for k in STATUS_HEADERS if k not in status)
    for key in created:
        status[key] = width
        width += 1
    return ColumnMap(fields, status, width, created)


def tipo_options(columns: Mapping[str, Sequence[str]]) -> dict[str, Tipo]:
    """[campus.columns] alta/baja as folded option text → tipo."""
    return {
        " ".join(fold(text).split()): tipo
        for name, tipo in TIPO_OPTIONS.items()
        for text in columns.get(name, ())
    }


def _is_tipo(text: str) -> bool:
    found = set(re.findall(r"[A-Z]+", fold(text)))
    return bool(found & {"ALTA", "BAJA"}) and not found >= {"ALTA", "BAJA"}


def _is_nss(text: str) -> bool:
    digits = re.sub(r"[\s.-]", "", text)
    return len(digits) in (10, 11) and digits.isdigit() and nss_is_valid(digits.zfill(11))


# field -> what most of its answers look like, for a question whose wording matches no alias
BY_CONTENT: dict[str, Callable[[str], bool]] = {
    "tipo": _is_tipo,
    "nss": _is_nss,
    "curp": lambda t: bool(CURP_PATTERN.fullmatch(fold(t).replace(" ", ""))),
    "email": lambda t: "@" in t and " " not in t.strip(),
    "archivo": lambda t: "drive.google.com" in t or t.strip().lower().endswith(".pdf"),
}
SAMPLE = 200  # answers looked at per column
MOSTLY = 0.6


def _by_content(
    rows: Sequence[Sequence[object]],
    looks_like: Callable[[str], bool],
    taken: set[int],
    folded: list[str],
) -> int | None:
    best, best_share = None, MOSTLY
    for col, title in enumerate(folded):
        if col in taken or title.startswith("VALIDACION:"):
            continue
        answers = [str(r[col]) for r in rows[:SAMPLE] if col < len(r) and r[col] not in (None, "")]
        if not answers:
            continue
        share = sum(1 for a in answers if looks_like(a)) / len(answers)
        if share >= best_share and (best is None or share > best_share):
            best, best_share = col, share
    return best


def _find(folded: list[str], options: tuple[str, ...], taken: set[int], exact: bool) -> int | None:
    for option in options:
        for col, text in enumerate(folded):
            if col in taken or not text or text.startswith("VALIDACION:"):
                continue
            if (text == fold(option)) if exact else contains_phrase(text, option):
                return col
    return None


def _missing_message(missing: list[str], header: list[str]) -> str:
    shown = ", ".join(f"«{h}»" for h in header if str(h or "").strip())[:300]
    names = ", ".join(missing)
    return (
        f"no encontré las columnas {names} en el encabezado ({shown}); agrega el texto de "
        f"esas preguntas en [campus.columns] del archivo de configuración, p. ej. "
        f'{missing[0]} = ["Texto exacto de la pregunta"].'
    )
