"""Sheet rows → responses: typed fields, a stable key and our status cells."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from facultativo.validators import Request, Tipo
from facultativo.validators.identifiers import clean_nss

from . import values
from .columns import ColumnMap
from .sources import Table


@dataclass
class Row:
    index: int
    number: int  # 1-based sheet row, valid for this cycle only
    key: str
    timestamp: datetime | None
    email: str | None
    request: Request | None
    refs: list[str]
    status: dict[str, str]  # our status columns as they are in the sheet
    problem: str | None = None  # a broken cell: the row gets ERROR TEMPORAL
    nss_typed: str | None = None
    extras: dict[str, str] = field(default_factory=dict)
    # The upload cell holds something, even if no file reference could be read from it.
    archivo_escrito: bool = False

    @property
    def estado_cell(self) -> str:
        return self.status.get("estado", "")


def read_rows(table: Table, cols: ColumnMap, tz: str, refs_of: Any) -> list[Row]:
    """Every non-empty response row, keyed independently of its position."""
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(table.rows):
        if not any(v not in (None, "") for v in raw):
            continue
        row = _row(i, table.row_number(i), raw, cols, tz, refs_of)
        count = seen.get(row.key, 0)
        seen[row.key] = count + 1
        if count:  # the same answer twice in the same second: keep both apart
            row.key = f"{row.key}.{count}"
        rows.append(row)
    return rows


def _cell(raw: list[Any], col: int | None) -> Any:
    return raw[col] if col is not None and col < len(raw) else None


def _row(i: int, number: int, raw: list[Any], cols: ColumnMap, tz: str, refs_of: Any) -> Row:
    get = {f: _cell(raw, c) for f, c in cols.fields.items()}
    status = {k: values.text(_cell(raw, c), 5000) or "" for k, c in cols.status.items()}
    refs = refs_of(get.get("archivo"))
    email_cell = values.text(get.get("email")) or ""
    problem = None
    try:
        moment = values.timestamp(get.get("timestamp"), tz)
    except values.RowProblem as exc:
        moment, problem = None, str(exc)
    stamp = moment.isoformat() if moment else str(get.get("timestamp"))
    key = _key(stamp, email_cell.lower(), refs)
    request = None
    try:
        tipo = values.tipo(get.get("tipo")) if "tipo" in cols.fields else Tipo.ALTA
        request = Request(
            tipo=tipo,
            fecha_solicitud=moment,
            nss=values.nss(get.get("nss")),
            curp=values.text(get.get("curp"), 40),
            nombre=_name(get),
        )
    except values.RowProblem as exc:
        problem = problem or str(exc)
    nss = clean_nss(values.nss(get.get("nss")) or "") or None
    extras = {"numero_control": values.text(get.get("numero_control"), 40) or ""}
    return Row(
        i,
        number,
        key,
        moment,
        values.email(get.get("email")),  # the whole cell, never a cut-down copy
        request if not problem else None,
        refs,
        status,
        problem,
        nss,
        extras,
        bool(values.text(get.get("archivo"))),
    )


def _name(get: dict[str, Any]) -> str | None:
    parts = [values.text(get.get("nombre"), 120), values.text(get.get("apellidos"), 120)]
    joined = " ".join(p for p in parts if p)
    return joined or None


def _key(stamp: str, email: str, refs: list[str]) -> str:
    raw = "|".join([stamp, email, *sorted(refs)])
    return hashlib.sha256(raw.encode()).hexdigest()[:20]
