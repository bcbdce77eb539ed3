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
from facultativo.sync.block import DEFAULT_BLOCK, Block
from facultativo.validators import Tipo
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
    block: Block = DEFAULT_BLOCK,
) -> ColumnMap:
    """Map a header row; `block`'s status columns missing from it get places at the right.

    A field no header names is looked for in the answers (`rows`): a Form whose tipo
    question reads «¿Qué deseas solicitar?» still has Alta/Baja answers. No answer is
    read from a column of a facultativo block, this one's or one left from an older
    prefijo."""
    folded = [fold(str(h or "")) for h in header]
    titles = block.titles
    status = {k: folded.index(fold(h)) for k, h in titles.items() if fold(h) in folded}
    taken = set(status.values()) | {c for c, h in enumerate(header) if block.marks(str(h or ""))}
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
    for name, title in (("nota", block.staff_note), ("decision", block.staff_decision)):
        if fold(title) in folded:
            fields[name] = folded.index(fold(title))
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        raise MissingColumns(_missing_message(missing, header))
    width = len(header)
    created = tuple(k for k in titles if k not in status)
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
    for col in range(len(folded)):
        if col in taken:
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
            if col in taken or not text:
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
