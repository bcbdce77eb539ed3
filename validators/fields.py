"""Folded lines of a constancia → the typed Constancia record."""

from __future__ import annotations

import re
from datetime import date

from .afiliaciones import read_afiliaciones
from .dates import find_dates, first_date
from .identifiers import CURP_PATTERN, NSS_PATTERN, clean_curp, nss_is_valid
from .labels import FLine, values
from .model import Constancia, Situacion

_SITUACIONES = (
    ("NO VIGENTE", Situacion.BAJA),
    ("SIN VIGENCIA", Situacion.BAJA),
    ("INACTIV", Situacion.BAJA),
    ("BAJA", Situacion.BAJA),
    ("CONSERVACION", Situacion.CONSERVACION),
    ("PENSIONAD", Situacion.PENSIONADO),
    ("BENEFICIARI", Situacion.BENEFICIARIO),
    ("VIGENTE", Situacion.VIGENTE),
    ("ACTIV", Situacion.VIGENTE),
)
_EMPTY = {"", "-", "--", "N/A", "NO APLICA", "SIN DATO", "NINGUNO", "NINGUNA"}


def read_constancia(lines: list[FLine], titulo: str) -> Constancia:
    personal, section = split_section(lines)
    estado, estado_texto = _estado(personal)
    return Constancia(
        titulo=titulo,
        nss=_nss(personal, lines),
        curp=_curp(personal, lines),
        nombre=_nombre(personal),
        fecha_expedicion=_fecha(personal, lines),
        estado=estado,
        estado_texto=estado_texto,
        servicio_medico=_si_no(values(personal, "servicio")),
        clinica=_clinica(personal),
        afiliaciones=read_afiliaciones(section),
    )


def split_section(lines: list[FLine]) -> tuple[list[FLine], list[FLine]]:
    """Separate the affiliation history from the rest, so that its column
    headers ("Estado") and values never pass for the student's own fields."""
    start = next((i for i, line in enumerate(lines) if _opens_section(line)), None)
    if start is None:
        return lines, []
    end = next((i for i in range(start + 1, len(lines)) if _closes_section(lines[i])), len(lines))
    return lines[:start] + lines[end:], lines[start:end]


def _opens_section(line: FLine) -> bool:
    fields = [h.field for c in line for h in c.hits]
    return "seccion" in fields or "registro" in fields


_PERSONAL = {
    "nss",
    "curp",
    "nombre",
    "apellido1",
    "apellido2",
    "servicio",
    "clinica",
    "fin",
    "titulo",
}


def _closes_section(line: FLine) -> bool:
    for cell in line:
        for hit in cell.hits:
            if hit.field in _PERSONAL and hit.start == 0:
                return True
            if hit.field == "fecha" and hit.start == 0 and hit.phrase != "FECHA":
                return True
    return False


def _nss(personal: list[FLine], lines: list[FLine]) -> str | None:
    for value in values(personal, "nss"):
        m = re.match(r"[\d\s.\-]{11,20}", value)
        digits = re.sub(r"\D", "", m.group(0)) if m else ""
        if len(digits) == 11:
            return digits
    # No label: a single well-formed NSS anywhere in the document is still the NSS.
    found = {m.group(0) for line in lines for c in line for m in NSS_PATTERN.finditer(c.text)}
    valid = [n for n in found if nss_is_valid(n)]
    return valid[0] if len(valid) == 1 else None


def _curp(personal: list[FLine], lines: list[FLine]) -> str | None:
    for value in values(personal, "curp"):
        m = CURP_PATTERN.search(clean_curp(value[:30]))
        if m:
            return m.group(0)
    found = {m.group(0) for line in lines for c in line for m in CURP_PATTERN.finditer(c.text)}
    return found.pop() if len(found) == 1 else None


def _nombre(personal: list[FLine]) -> str | None:
    parts = [_name_value(values(personal, f)) for f in ("nombre", "apellido1", "apellido2")]
    full = " ".join(p for p in parts if p)
    return full or None


def _name_value(candidates: list[str]) -> str | None:
    for value in candidates:
        name = re.sub(r"[^A-Z\s]", " ", value)
        name = re.sub(r"\s+", " ", name).strip()
        if name and name not in _EMPTY:
            return name
    return None


def _fecha(personal: list[FLine], lines: list[FLine]) -> date | None:
    for value in values(personal, "fecha"):
        found = first_date(value)
        if found:
            return found
    # "Ciudad de México, a 16 de noviembre de 2026": the date of a signed document.
    for line in lines:
        text = " ".join(c.text for c in line)
        for pos, found in find_dates(text):
            if re.search(r",?\s+A\s*$", text[:pos]):
                return found
    return None


def situacion(text: str) -> Situacion | None:
    for word, value in _SITUACIONES:
        if word in text:
            return value
    return None


def _estado(personal: list[FLine]) -> tuple[Situacion | None, str | None]:
    for value in values(personal, "estado"):
        found = situacion(value)
        if found:
            return found, value
    return None, None


def _si_no(candidates: list[str]) -> bool | None:
    for value in candidates:
        word = value.split(" ")[0].strip(".:")
        if word in ("SI", "S"):
            return True
        if word == "NO":
            return False
    return None


def _clinica(personal: list[FLine]) -> str | None:
    for value in values(personal, "clinica"):
        if value not in _EMPTY:
            return value
    return None
