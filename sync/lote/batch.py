"""Which accepted responses wait to be registered in IMSS, and what the batch says of each.

A response waits when the sheet reads ACEPTADA on its row (facultativo's verdict, or
staff's decision in their words: «Aceptado», «Procede») and staff have not typed ALTA or
BAJA APLICADA yet. Pure: rows and the ledger's entries in, records out.

- NSS: what IMSS printed on the constancia («Validación: NSS leído»), when it is an NSS;
  the one the student typed otherwise. The two differing (staff accepted it anyway, or
  edited the cell) is said on the row.
- CURP: the one typed. The constancia prints one too, but facultativo keeps none; an
  ACEPTADA of facultativo's own means they were the same. Staff accepting a verdict that
  said CURP_NO_COINCIDE is said on the row: the typed CURP is not the constancia's.
- Name: as the constancia printed it when the sheet still shows that reading (the detalle
  of a NOMBRE_NO_COINCIDE that staff accepted), else as typed; cut into nombre(s), primer
  and segundo apellido by sync/lote/names.py, checked against the CURP.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from facultativo.sync.lote.names import Parts, full_name, with_apellidos
from facultativo.sync.model import Entry
from facultativo.sync.privacy import mask_nss
from facultativo.sync.rows import Row, Who
from facultativo.validators import Estado, Tipo
from facultativo.validators.identifiers import (
    CURP_PATTERN,
    clean_curp,
    clean_nss,
    nss_is_valid,
)
from facultativo.validators.motivos import Motivo, motivos_in_cell
from facultativo.validators.text import day_text, fold

# Every column a batch may carry, by its [campus.lote] columnas name, with its header.
COLUMNS: dict[str, str] = {
    "nss": "NSS",
    "curp": "CURP",
    "primer_apellido": "Primer apellido",
    "segundo_apellido": "Segundo apellido",
    "nombres": "Nombre(s)",
    "nombre_completo": "Nombre completo",
    "numero_control": "Número de control",
    "fecha_solicitud": "Fecha de solicitud",
    "tipo": "Tipo",
    "registro_patronal": "Registro patronal",
    "fila": "Fila",
    "observaciones": "Observaciones",
}
# The order when [campus.lote] columnas is not given (README, «Lote para el IMSS»).
DEFAULT_COLUMNS = (
    "nss",
    "curp",
    "primer_apellido",
    "segundo_apellido",
    "nombres",
    "numero_control",
    "fecha_solicitud",
    "tipo",
    "registro_patronal",
    "observaciones",
)
# What `--aplicar` compares with the sheet before marking a row: every batch has them.
REQUIRED = ("nss", "curp", "tipo")
# The response's id: always the file's last column, whatever the configuration says.
ID = "id"
TIPOS = {Tipo.ALTA: "Alta", Tipo.BAJA: "Baja"}
APPLIED = {Tipo.ALTA: Estado.ALTA_APLICADA, Tipo.BAJA: Estado.BAJA_APLICADA}
_PRINTED_NAME = re.compile(r"constancia: «([^»]+)»")
_NEVER = datetime.min.replace(tzinfo=UTC)  # a row whose timestamp cannot be read


@dataclass(frozen=True)
class Record:
    """One response in the batch."""

    key: str
    fila: int
    tipo: Tipo
    values: dict[str, str | date]  # by column name (COLUMNS)
    notes: tuple[str, ...]  # what a person should look at before typing it in IMSS


@dataclass(frozen=True)
class SetAside:
    """An accepted response that cannot go in the batch yet, and why. `applied`: the row
    where the same student is already ALTA/BAJA APLICADA (the response is left out for
    good, not "yet")."""

    fila: int
    why: str
    applied: int | None = None


def collect(
    rows: list[Row],
    entries: Mapping[str, Entry],
    timezone: str,
    registro: str,
    tipo: Tipo | None = None,
    desde: date | None = None,
) -> tuple[list[Record], list[SetAside]]:
    """The accepted responses waiting for the batch (of one `tipo`, asked `desde` a day,
    when given), in sheet order, and those set aside with the reason."""
    records: list[Record] = []
    aside: list[SetAside] = []
    registered = Applied(rows)
    for row in rows:
        if not accepted(row):
            continue
        found = record_of(row, entries.get(row.key), timezone, registro)
        if isinstance(found, str):
            aside.append(SetAside(row.number, found))
            continue
        if tipo is not None and found.tipo is not tipo:
            continue
        if desde is not None and (row.timestamp is None or _day(row, timezone) < desde):
            continue
        earlier = registered.of(found)
        if earlier is not None:
            aside.append(SetAside(row.number, applied_why(earlier), applied=earlier.number))
            continue
        records.append(found)
    return _repeated(records), aside


class Applied:
    """The students the sheet already shows ALTA or BAJA APLICADA, by NSS and by CURP (read
    as the batch reads them). A response whose student (same NSS or CURP, same tipo) is
    APLICADA on another row is a second acceptance of one registration (staff accepted a
    duplicate): it is not registered again, nor marked, so the student hears once. What
    counts is the student's latest APLICADA (by the Form's timestamp): an alta applied,
    then a baja applied, leaves a new alta free to go."""

    def __init__(self, rows: list[Row]) -> None:
        self._latest: dict[tuple[str, str], Row] = {}
        for row in rows:
            if row.who in (Who.COPY, Who.FOREIGN) or row.tipo not in APPLIED:
                continue
            if row.decision is not APPLIED[row.tipo]:
                continue
            for ident in _identities(nss_of(row), _curp(row)):
                known = self._latest.get(ident)
                if known is None or _moment(row) > _moment(known):
                    self._latest[ident] = row

    def of(self, record: Record) -> Row | None:
        """The row where this record's student is APLICADA with its tipo, or None."""
        nss, curp = record.values["nss"], record.values["curp"]
        for ident in _identities(str(nss), str(curp)):
            row = self._latest.get(ident)
            if row is not None and row.key != record.key and row.tipo is record.tipo:
                return row
        return None


def applied_why(row: Row) -> str:
    assert row.tipo in APPLIED
    return (
        f"el mismo estudiante (mismo NSS o CURP) ya está {APPLIED[row.tipo].etiqueta} en la "
        f"fila {row.number}"
    )


def _identities(nss: str, curp: str) -> list[tuple[str, str]]:
    return [(name, value) for name, value in (("nss", nss), ("curp", curp)) if value]


def _curp(row: Row) -> str:
    return clean_curp(row.request.curp or "") if row.request else ""


def _moment(row: Row) -> datetime:
    return row.timestamp or _NEVER


def _repeated(records: list[Record]) -> list[Record]:
    """The same student twice in one batch (staff accepted a duplicate, a second request):
    each such row says which others share its NSS or CURP, for a person to register one."""
    groups: dict[tuple[str, str], list[Record]] = {}
    for r in records:
        for name in ("nss", "curp"):
            value = r.values[name]
            if isinstance(value, str) and value:
                groups.setdefault((name, value), []).append(r)
    others: dict[str, set[int]] = {}
    for group in groups.values():
        for r in group:
            others.setdefault(r.key, set()).update(o.fila for o in group if o is not r)
    out = []
    for r in records:
        filas = sorted(others.get(r.key, ()))
        if not filas:
            out.append(r)
            continue
        shown = [str(f) for f in filas]
        where = (
            f"fila {shown[0]}"
            if len(shown) == 1
            else f"filas {', '.join(shown[:-1])} y {shown[-1]}"
        )
        notes = (*r.notes, f"repetido en este lote: {where} (mismo NSS o CURP)")
        out.append(replace(r, notes=notes, values={**r.values, "observaciones": "; ".join(notes)}))
    return out


def accepted(row: Row) -> bool:
    """The sheet reads ACEPTADA on this response's row (its own, not a copy's)."""
    return row.who not in (Who.COPY, Who.FOREIGN) and row.decision is Estado.ACEPTADA


def record_of(row: Row, entry: Entry | None, timezone: str, registro: str) -> Record | str:
    """The batch's record of an accepted row, or why it cannot go in the batch now."""
    why = _not_yet(row, entry)
    if why:
        return why
    assert row.request is not None and row.tipo in TIPOS and row.timestamp is not None
    notes: list[str] = []
    nss = _nss(row, notes)
    curp = clean_curp(row.request.curp or "")
    if not curp:
        notes.append("sin CURP: pídesela al estudiante")
    elif not CURP_PATTERN.fullmatch(curp):
        notes.append("la CURP escrita no tiene la forma de una CURP: revísala")
    elif Motivo.CURP_NO_COINCIDE in verdict_motivos(row, entry):
        notes.append("la CURP escrita no es la de la constancia: revísala antes de registrar")
    parts, printed = _name(row, entry, curp)
    if printed:
        notes.append("nombre como lo imprime la constancia (el escrito no coincidía)")
    if not parts.sure:
        notes.append(_unsure(parts, curp))
    values: dict[str, str | date] = {
        "nss": nss,
        "curp": curp,
        "primer_apellido": parts.primer,
        "segundo_apellido": parts.segundo,
        "nombres": parts.nombres,
        "nombre_completo": parts.completo,
        "numero_control": row.extras.get("numero_control", ""),
        "fecha_solicitud": _day(row, timezone),
        "tipo": TIPOS[row.tipo],
        "registro_patronal": registro,
        "fila": str(row.number),
        "observaciones": "; ".join(notes),
    }
    return Record(row.key, row.number, row.tipo, values, tuple(notes))


def verdict_motivos(row: Row, entry: Entry | None) -> set[Motivo]:
    """The motivos of facultativo's verdict on this response: the ledger's (also after a
    re-run cleared it) and the sheet's motivo cell, which staff accepting it leave."""
    codes = (entry.last_verdict()[1] if entry else None) or ""
    found = {Motivo(c) for c in codes.split(",") if c in Motivo.__members__}
    return found | set(motivos_in_cell(row.status.get("motivo", "")))


def _not_yet(row: Row, entry: Entry | None) -> str:
    if entry is None:
        return "facultativo todavía no la ha procesado: espera al siguiente ciclo"
    if "answers" in row.changed:
        return (
            "el estudiante cambió su respuesta y facultativo aún no la revisa: espera al "
            "siguiente ciclo"
        )
    if entry.answers_after_staff is not None and entry.staff_label:
        return "el estudiante cambió su respuesta después de tu decisión: revísala"
    if row.request is None or row.timestamp is None:
        return f"la fila tiene un problema ({row.problem or 'incompleta'}): corrígela"
    if row.tipo not in TIPOS:
        return "no dice si es alta o baja: corrige el tipo de solicitud en la hoja"
    return ""


def nss_of(row: Row) -> str:
    """The NSS the batch gives a row: what IMSS printed, when the sheet shows it; else what
    was typed."""
    return _nss(row, [])


def _nss(row: Row, notes: list[str]) -> str:
    """What IMSS printed, when the sheet shows it; else what was typed."""
    read = clean_nss(row.status.get("nss_leido", ""))
    typed = row.nss_typed or ""
    if nss_is_valid(read):
        if typed and typed != read:
            notes.append(
                f"el NSS escrito ({mask_nss(typed)}) no es el de la constancia; va el de la "
                "constancia"
            )
        return read
    if not typed:
        notes.append("sin NSS: pídeselo al estudiante")
    elif not nss_is_valid(typed):
        notes.append("el NSS escrito no es válido: revísalo")
    return typed


def _name(row: Row, entry: Entry | None, curp: str) -> tuple[Parts, bool]:
    """(the name in three fields, whether it is the constancia's reading)."""
    printed = printed_name(row, entry)
    if printed:
        return full_name(printed, curp), True
    nombre = row.extras.get("nombre", "")
    apellidos = row.extras.get("apellidos", "")
    if apellidos:
        return with_apellidos(nombre, apellidos, curp), False
    return full_name(nombre or (row.request.nombre if row.request else "") or "", curp), False


def printed_name(row: Row, entry: Entry | None) -> str:
    """The name the constancia printed, when the sheet (or the ledger's copy of it) still
    shows it: the detalle of a NOMBRE_NO_COINCIDE («…; constancia: «ANA …».»)."""
    kept = (entry.written_cells if entry else None) or {}
    for detalle in (row.status.get("detalle", ""), kept.get("detalle")):
        found = _PRINTED_NAME.search(detalle or "")
        if found and fold(found.group(1)):
            return " ".join(found.group(1).split())
    return ""


def _unsure(parts: Parts, curp: str) -> str:
    if not curp or not CURP_PATTERN.fullmatch(curp):
        why = "no hay CURP para comprobarla"
    else:
        why = "la CURP no la confirma"
    return f"revisa qué es nombre y qué apellido ({why})"


def _day(row: Row, timezone: str) -> date:
    assert row.timestamp is not None
    return row.timestamp.astimezone(ZoneInfo(timezone)).date()


def text_value(value: str | date) -> str:
    """A record's value as text (a date as staff write it: «16/11/2026»)."""
    return day_text(value) if isinstance(value, date) else value
