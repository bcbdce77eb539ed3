"""Folded lines of a constancia → the typed Constancia record, each field with its evidence.

Identity and coverage come from the personal block only (sections.py); the
cadena original is read apart, as a cross-check (integrity.py). A field that
is not found stays None: unknown, never "no" (docs/CONSTANCIA.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from facultativo.validators.afiliaciones import prints_row_states, read_afiliaciones
from facultativo.validators.dates import find_dates, first_date
from facultativo.validators.identifiers import CURP_PATTERN, NSS_PATTERN, clean_curp, nss_is_valid
from facultativo.validators.labels import FLine, Value, has_label, line_evidence, situacion, values
from facultativo.validators.model import (
    Cadena,
    Constancia,
    Evidence,
    Situacion,
    Vigencia,
    VigenciaTipo,
)
from facultativo.validators.sections import Sections, split
from facultativo.validators.text import fold
from facultativo.validators.vocabulary import DASHES, EMPTY_VALUES, MISSING


def read_constancia(lines: list[FLine], titulo: str) -> Constancia:
    blocks = split(lines)
    personal = blocks.personal
    estado, vigencia = _estado(personal), _vigencia(personal)
    if isinstance(vigencia, _Word):  # older documents print a state word under «Vigencia»
        special = vigencia.situacion.especial  # conservación, beneficiario: never lost
        estado, vigencia = (vigencia if special or estado is None else estado), None
    cadena = read_cadena(blocks)
    found: dict[str, tuple[object, Evidence] | None] = {
        "nss": _nss(personal, cadena),
        "curp": _curp(personal, cadena),
        "nombre": _nombre(personal),
        "fecha_expedicion": _fecha(personal, blocks),
        "servicio_medico": _servicio(personal),
        "vigencia": vigencia,
        "estado": (estado.situacion, estado.evidence) if estado else None,
    }
    read = {name: f[0] for name, f in found.items() if f is not None}
    rows = read_afiliaciones(blocks.patrones)
    return Constancia(
        titulo=titulo,
        **read,  # type: ignore[arg-type]
        estado_texto=estado.text if estado else None,
        clinica=_clinica(personal),
        afiliaciones=rows,
        tabla_con_estados=prints_row_states(blocks.patrones, rows),
        cadena=cadena,
        evidencia={name: f[1] for name, f in found.items() if f is not None},
    )


@dataclass(frozen=True)
class _Word:
    """A state word as printed (older generation)."""

    situacion: Situacion
    text: str
    evidence: Evidence


def _nss(personal: list[FLine], cadena: Cadena | None) -> tuple[str, Evidence] | None:
    labelled = values(personal, "nss")
    for value in labelled:
        m = re.match(r"[\d\s.\-]{11,20}", value.text)
        digits = re.sub(r"\D", "", m.group(0)) if m else ""
        if len(digits) == 11:
            return digits, value.evidence
    if any(v.text in (MISSING, DASHES) for v in labelled):
        return None  # printed as missing ("-"): unknown, not some other number
    # No label: one well-formed NSS in the personal block is still the NSS.
    found = {
        m.group(0): line
        for line in personal
        for c in line
        for m in NSS_PATTERN.finditer(c.text)
        if nss_is_valid(m.group(0))
    }
    return _one_or_confirmed(found, cadena.nss if cadena else None, personal, "nss", _spaced_nss)


def _spaced_nss(nss: str) -> re.Pattern[str]:
    """The NSS with spaces, dots or dashes between any of its digits («1222 04 5678 9»)."""
    return re.compile(r"(?<!\d)" + r"[\s.\-]?".join(nss) + r"(?!\d)")


def _one_or_confirmed(
    found: dict[str, FLine],
    confirmed: str | None,
    personal: list[FLine],
    field: str,
    spaced: Callable[[str], re.Pattern[str]] | None = None,
) -> tuple[str, Evidence] | None:
    """The one unlabelled candidate of the personal block; with several, or none in one
    piece, the one the cadena original repeats. Where the block prints the field's label
    but no value could be read under it, a lone candidate elsewhere may be someone
    else's (a child's row below a blank CURP cell): only the cadena can confirm it. The
    cadena only ever confirms what the personal block prints: its own value never stands
    in."""
    if len(found) == 1 and not has_label(personal, field):
        value, line = found.popitem()
        return value, line_evidence(line)
    if confirmed and confirmed in found:
        return confirmed, line_evidence(found[confirmed])
    if confirmed and spaced and not found:
        pattern = spaced(confirmed)
        for line in personal:
            if any(pattern.search(c.text) for c in line):
                return confirmed, line_evidence(line)
    return None


def _curp(personal: list[FLine], cadena: Cadena | None) -> tuple[str, Evidence] | None:
    labelled = values(personal, "curp")
    for value in labelled:
        m = CURP_PATTERN.search(clean_curp(value.text[:30]))
        if m:
            return m.group(0), value.evidence
    if any(v.text in (MISSING, DASHES) for v in labelled):
        return None  # printed as missing ("-"): unknown, never a beneficiary's
    found = {
        m.group(0): line for line in personal for c in line for m in CURP_PATTERN.finditer(c.text)
    }
    return _one_or_confirmed(found, cadena.curp if cadena else None, personal, "curp")


def _nombre(personal: list[FLine]) -> tuple[str, Evidence] | None:
    parts = [_name_value(values(personal, f)) for f in ("nombre", "apellido1", "apellido2")]
    found = [p for p in parts if p]
    if not found:
        return None
    full = " ".join(p.text for p in found)
    texts = list(dict.fromkeys(p.evidence.text for p in found))
    return full, Evidence(found[0].evidence.page, " / ".join(texts)[:160])


def _name_value(candidates: list[Value]) -> Value | None:
    for value in candidates:
        name = re.sub(r"[^A-Z\s]", " ", value.text)
        name = re.sub(r"\s+", " ", name).strip()
        if name and name not in EMPTY_VALUES:
            return Value(name, value.evidence)
    return None


def _fecha(personal: list[FLine], blocks: Sections) -> tuple[date, Evidence] | None:
    for value in values(personal, "fecha"):
        if value.label == "FECHA" and not _starts_with_date(value.text):
            continue  # «Fecha nacimiento: …», «Fecha Nac.: …»: some other date
        found = first_date(value.text)
        if found:
            return found, value.evidence
    # "Ciudad de México, a 16 de noviembre de 2026": the date of a signed document.
    for line in personal + blocks.patrones:
        text = " ".join(c.text for c in line)
        for pos, found in find_dates(text):
            if re.search(r",?\s+A\s*$", text[:pos]):
                return found, line_evidence(line)
    return None


def _starts_with_date(text: str) -> bool:
    dates = find_dates(text)
    return bool(dates) and dates[0][0] <= 2


def _estado(personal: list[FLine]) -> _Word | None:
    for value in values(personal, "estado"):
        found = situacion(value.text)
        if found:
            return _Word(found, value.text, value.evidence)
    return None


def _vigencia(personal: list[FLine]) -> tuple[Vigencia, Evidence] | _Word | None:
    """The «Vigencia» value: a date, "---", PENSIONADO, or (older documents) a state word.

    A range («del 01/08/2026 al 31/12/2026») counts by its last day.
    """
    for value in values(personal, "vigencia"):
        text = value.text
        word = situacion(text)
        if word is Situacion.PENSIONADO:
            return Vigencia(VigenciaTipo.PENSIONADO), value.evidence
        if word and word.especial:
            return _Word(word, text, value.evidence)  # whatever date follows it
        if text == DASHES or text in ("SIN VIGENCIA", "NINGUNA"):
            return Vigencia(VigenciaTipo.NINGUNA), value.evidence
        dates = find_dates(text)
        if dates:
            return Vigencia(VigenciaTipo.FECHA, dates[-1][1]), value.evidence
        if word:
            return _Word(word, text, value.evidence)
    return None


def _servicio(personal: list[FLine]) -> tuple[bool, Evidence] | None:
    for value in values(personal, "servicio"):
        word = value.text.split(" ")[0].strip(".:")
        if word in ("SI", "S"):
            return True, value.evidence
        if word == "NO":
            return False, value.evidence
    return None


def _clinica(personal: list[FLine]) -> str | None:
    for value in values(personal, "clinica"):
        if value.text not in EMPTY_VALUES:
            return value.text
    return None


_CADENA = re.compile(r"\|\|(.*?)(?:\|\||$)")
_CADENA_KEYS = {
    "nombre": ("NOMBREORAZONSOCIAL", "NOMBRE"),
    "curp": ("CURP",),
    "nss": ("NUMERODESEGURIDADSOCIAL", "NSS"),
}


def read_cadena(blocks: Sections) -> Cadena | None:
    """The person's name, CURP and NSS as the cadena original repeats them.

    Its lines wrap anywhere, so pieces are joined before splitting on «|»;
    values are only ever compared, never used in place of the personal block.
    """
    text = fold(" ".join(c.raw or c.text for line in blocks.firma for c in line))
    text = re.sub(r"\|\s+\|", "||", text)
    m = _CADENA.search(text)
    if not m:
        return None
    found: dict[str, str] = {}
    for piece in m.group(1).split("|"):
        key, _, value = piece.partition(":")
        key = re.sub(r"\s+", "", key)  # a wrapped line may split a key anywhere
        for name, keys in _CADENA_KEYS.items():
            if key in keys and name not in found and value.strip():
                found[name] = value.strip()
    if not found:
        return None
    nss = re.sub(r"\D", "", found.get("nss", "")) or None
    curp = re.sub(r"[^A-Z0-9]", "", found.get("curp", "")) or None
    return Cadena(nss=nss, curp=curp, nombre=found.get("nombre"))
