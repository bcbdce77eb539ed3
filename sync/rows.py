"""Sheet rows → responses: typed fields, a stable key and our status cells."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from facultativo.sync import values
from facultativo.sync.block import DATE_FORMATS, STAFF_ESTADOS
from facultativo.sync.columns import ColumnMap
from facultativo.sync.sources import Table
from facultativo.sync.wording import staff_word
from facultativo.validators import Estado, Request, Tipo
from facultativo.validators.identifiers import clean_nss


class Who(Enum):
    """Who a row is, as sync/identity.py found it (against the ledger, never other rows)."""

    NEW = "new"  # answers the ledger never saw, and no id: a new response
    KNOWN = "known"  # its id (or, with none yet, its answers) is a response the ledger knows
    EDITED = "edited"  # its id, with other answers: an edited response or a corrected address
    MOVED = "moved"  # it shows another response's block: its own answers say who it is
    FOREIGN = "foreign"  # an id this ledger never gave (another install): hands off, flagged
    COPY = "copy"  # a second row of a response already on another row


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
    copy_of: int | None = None  # the sheet row of the same answer, when this one is a copy
    # The key without the hour and day: the same answer read in another time zone (a new
    # export, a corrected setting) keeps it, so the ledger still knows the response.
    loose_key: str | None = None
    problem_final: bool = False  # waiting will not fix `problem`: REVISIÓN MANUAL now
    # Fingerprints of the answers (sync/identity.py): timestamp + address + files (the
    # fallback identity), what the verdict depends on, and the address alone.
    content_key: str = ""
    input_key: str = ""
    email_key: str = ""
    who: Who = Who.NEW
    changed: frozenset[str] = frozenset()  # "answers", "address": since the ledger last saw it

    @property
    def id_cell(self) -> str:
        """The response's id as facultativo wrote it in «<prefijo>: id» ("" when none)."""
        return self.status.get("id", "").strip()

    def answers(self) -> tuple[str | None, str, str, str]:
        """What the ledger remembers of the answers (Responses.remember_answers)."""
        return (self.loose_key, self.content_key, self.input_key, self.email_key)

    @property
    def estado_cell(self) -> str:
        """The estado in effect: the cell, or, over our REVISIÓN MANUAL, the decision staff
        wrote beside it in «<prefijo>: decisión del personal» (the same as typing it over
        the estado: the student hears it, the digest stops listing the row)."""
        cell = self.status.get("estado", "")
        decided = staff_word(self.extras.get("decision", ""), self.tipo)
        if decided in STAFF_ESTADOS and Estado.from_label(cell) is Estado.REVISION_MANUAL:
            return decided.etiqueta
        return cell

    @property
    def tipo(self) -> Tipo | None:
        return self.request.tipo if self.request else None

    @property
    def decision(self) -> Estado | None:
        """The estado in effect as staff mean it: a label, or plain words such as «Aceptado»
        or «No procede» (sync/wording.py); None when empty or not understood."""
        return staff_word(self.estado_cell, self.tipo)


def read_rows(
    table: Table, cols: ColumnMap, tz: str, refs_of: Any, tipos: Mapping[str, Tipo] | None = None
) -> list[Row]:
    """Every non-empty response row, keyed by its answers (sync/identity.py then tells
    who each one is, from its id and the ledger); `tipos`: the campus's option texts."""
    rows: list[Row] = []
    for i, raw in enumerate(table.rows):
        if not any(v not in (None, "") for v in raw):
            continue
        rows.append(_row(i, table.row_number(i), raw, cols, tz, refs_of, tipos))
    return rows


def _cell(raw: list[Any], col: int | None) -> Any:
    return raw[col] if col is not None and col < len(raw) else None


def _row(
    i: int,
    number: int,
    raw: list[Any],
    cols: ColumnMap,
    tz: str,
    refs_of: Any,
    tipos: Mapping[str, Tipo] | None = None,
) -> Row:
    get = {f: _cell(raw, c) for f, c in cols.fields.items()}
    status = {k: _status(k, _cell(raw, c)) for k, c in cols.status.items()}
    refs = refs_of(get.get("archivo"))
    email_cell = values.text(get.get("email")) or ""
    problem, final = None, False
    try:
        moment = values.timestamp(get.get("timestamp"), tz)
    except values.RowProblem as exc:
        moment, problem = None, str(exc)
    stamp = moment.isoformat() if moment else str(get.get("timestamp"))
    key = _key(stamp, email_cell.lower(), refs)
    loose = _key(f"{moment:%M:%S}", email_cell.lower(), refs) if moment else None
    inputs = [str(get.get(f) or "").strip() for f in ("tipo", "nss", "curp", "nombre", "apellidos")]
    # the instant's minutes and seconds, not its hour: a new time zone is not a new answer
    input_key = _key(f"{moment:%M:%S.%f}" if moment else stamp, "|".join(inputs), refs)
    request = None
    try:
        tipo = values.tipo(get.get("tipo"), tipos) if "tipo" in cols.fields else Tipo.ALTA
        request = Request(
            tipo=tipo,
            fecha_solicitud=moment,
            nss=values.nss(get.get("nss")),
            curp=values.text(get.get("curp"), 40),
            nombre=_name(get),
        )
    except values.RowProblem as exc:
        problem, final = problem or str(exc), problem is None and exc.final
    nss = clean_nss(values.nss(get.get("nss")) or "") or None
    extras = {
        # whole: it goes to IMSS in the batch, and a cut value reads as another number
        "numero_control": values.text(get.get("numero_control")) or "",
        "nota": values.text(get.get("nota"), 3000) or "",  # mailed whole
        "decision": values.text(get.get("decision"), 100) or "",
        # the name as the Form asked it (one cell, or given names and apellidos apart), for
        # the batch that goes to IMSS (sync/lote/)
        "nombre": values.text(get.get("nombre"), 120) or "",
        "apellidos": values.text(get.get("apellidos"), 120) or "",
    }
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
        loose_key=loose,
        problem_final=final,
        content_key=key,
        input_key=input_key,
        email_key=_key("", email_cell.strip().lower(), []),
    )


def _status(key: str, value: Any) -> str:
    """A status cell as facultativo keeps it: a date («procesada el», «fecha de constancia»)
    as the text it wrote before they were dates, whatever the sheet holds now (a serial
    number, a datetime, the old text), so neither looks like a staff edit."""
    if key in DATE_FORMATS:
        found = values.date_text(value, with_time=key == "procesada")
        if found is not None:
            return found
    return values.text(value, 5000) or ""


def _name(get: dict[str, Any]) -> str | None:
    parts = [values.text(get.get("nombre"), 120), values.text(get.get("apellidos"), 120)]
    joined = " ".join(p for p in parts if p)
    return joined or None


def _key(stamp: str, email: str, refs: list[str]) -> str:
    raw = "|".join([stamp, email, *sorted(refs)])
    return hashlib.sha256(raw.encode()).hexdigest()[:20]
