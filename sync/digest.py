"""The staff digest: what happened since the last one and what is waiting for a person.

Rows per estado are the sheet as it is now, by label (staff's APLICADA included),
worded as `facultativo status` words them; what was decided since the last digest
comes from the ledger. The rows waiting for REVISIÓN MANUAL come from the sheet
(staff may have resolved some), plus every email that could not be delivered.
Each row links to its place in a Google sheet; in a workbook on disk, which has no
address, it names the file and the row instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from facultativo.notifiers.compose import Email, compose, to_message
from facultativo.sync.decisions import answered_after_staff
from facultativo.sync.lote.batch import collect
from facultativo.sync.model import NoticeStatus
from facultativo.sync.privacy import mask_email
from facultativo.sync.rows import Row
from facultativo.sync.runtime import Runtime
from facultativo.sync.sheet import read_sheet
from facultativo.sync.values import local_now_text
from facultativo.sync.wording import estados_text, sheet_estados, unknown_estado, unread_estados
from facultativo.validators import Estado


@dataclass(frozen=True)
class Pending:
    fila: int
    nombre: str
    numero_control: str
    motivo: str
    detalle: str
    enlace: str | None  # an http(s) address that opens the row, or None (a workbook)
    lugar: str  # the row in words, for a source without addresses: «respuestas.xlsx, fila 17»


def due(now: datetime, tz: str, at: str, days: tuple[int, ...], last: datetime | None) -> bool:
    """Whether the digest should go out now: a chosen weekday, past its time, not yet today."""
    local = now.astimezone(ZoneInfo(tz))
    hour, minute = (int(x) for x in at.split(":"))
    if local.weekday() not in days or local.time() < time(hour, minute):
        return False
    return last is None or last.astimezone(ZoneInfo(tz)).date() < local.date()


def build(rt: Runtime, recipients: tuple[str, ...], now: datetime) -> Email:
    since = rt.ports.ledger.last_digest(rt.settings.name)
    counts = rt.ports.ledger.decided_since(rt.settings.name, since)
    entries = rt.ports.ledger.entries(rt.settings.name)
    rows = read_sheet(
        rt.ports.source,
        rt.settings.columns,
        rt.settings.policy.timezone,
        rt.ports.store.refs,
        entries,
        block=rt.settings.block,
    ).rows
    # REVISIÓN MANUAL, what staff typed that nobody understands, and answers the student
    # changed under staff's decision: still theirs to settle
    edited = {r.key for r in answered_after_staff(rows, entries)}
    revision = [
        _pending(rt, r, _EDITED if r.key in edited else None)
        for r in rows
        if r.decision is Estado.REVISION_MANUAL or _unread(r) or r.key in edited
    ]
    latest: dict[str, Any] = {}
    for n in rt.ports.ledger.notices(rt.settings.name).values():
        if n.key not in latest or (n.updated_at, n.generation) > (
            latest[n.key].updated_at,
            latest[n.key].generation,
        ):
            latest[n.key] = n
    # a failure counts while it is the last word: a later delivery settles it
    failed_keys = {k for k, n in latest.items() if n.status == NoticeStatus.FAILED}
    fallidos = [
        _pending(rt, r, r.status.get("notificada", "")) for r in rows if r.key in failed_keys
    ]
    tz = rt.settings.policy.timezone
    ctx = {
        "campus": rt.settings.mail.contact,
        "desde": local_now_text(since, tz) if since else "",
        "hasta": local_now_text(now, tz),
        "filas": estados_text(sheet_estados((r.estado_cell, r.tipo) for r in rows)),
        "procesadas": estados_text(counts) if counts else "",
        "total": sum(counts.values()),
        "revision": revision,
        "fallidos": fallidos,
        "desconocidos": unread_estados(rows),
        # accepted, not yet ALTA/BAJA APLICADA: the batch staff register in IMSS
        "lote": len(collect(rows, entries, tz, "")[0]),
        "lote_comando": rt.settings.lote_command,
        "bloque": rt.settings.block.prefix,  # [campus.columns] prefijo: the block's name
        "restaurados": [
            (local_now_text(datetime.fromisoformat(when), tz), n)
            for when, n in rt.ports.ledger.restorations(rt.settings.name, since)
        ],
    }
    stamp = now.astimezone(ZoneInfo(tz)).strftime("%Y%m%d%H%M")
    message_id = f"<resumen.{stamp}.{rt.settings.name}@facultativo>"
    return compose(rt.settings.mail.env, "resumen", ", ".join(recipients), message_id, ctx)


_EDITED = "El estudiante cambió su respuesta después de tu decisión: revisa si sigue valiendo."


def _unread(row: Row) -> bool:
    return unknown_estado(row.estado_cell, row.tipo) is not None


def _pending(rt: Runtime, row: Row, detalle: str | None = None) -> Pending:
    nombre = (row.request.nombre if row.request else None) or ""
    return Pending(
        row.number,
        nombre,
        row.extras.get("numero_control", ""),
        row.status.get("motivo", ""),
        detalle or row.status.get("detalle", ""),
        _web_address(rt.ports.source.row_link(row.number)),
        rt.ports.source.row_label(row.number),
    )


def _web_address(link: str | None) -> str | None:
    """Only an http(s) address becomes a link: anything else would be a broken one."""
    parts = urlsplit(link or "")
    return link if parts.scheme in ("http", "https") and parts.netloc else None


def send(rt: Runtime, recipients: tuple[str, ...], now: datetime) -> Email:
    """Build and send the digest through the campus's sender, and remember it."""
    email = build(rt, recipients, now)
    message = to_message(
        email,
        rt.settings.mail.from_address,
        "",
        now.astimezone(ZoneInfo(rt.settings.policy.timezone)),
    )
    del message["To"]
    message["To"] = ", ".join(recipients)
    rt.ports.sender.open()
    try:
        rt.ports.sender.deliver(message, None, mask_email(recipients[0]) if recipients else "")
    finally:
        rt.ports.sender.close()
    rt.ports.ledger.digest_sent(rt.settings.name, now)
    return email
