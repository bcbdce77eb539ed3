"""What happened to one response, from the ledger, for `facultativo historial`: the
responses asked about, each as a Story of its events.

A response is asked about by its row in the sheet as it is now (rows move when staff
sort), or by an NSS or an address the student typed, or the NSS their constancia printed:
matched against the sheet's cells when it can be read, and against the ledger's prints of
them (sync/ledger/events.py), so a row deleted from the sheet, or a sheet that cannot be
read, still finds them. Read-only. Responses the ledger knew before it kept events (an
upgraded ledger) get what its state tables still say of them (their verdict, their
emails), rebuilt as events. The office reads a Story through history_render.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from facultativo.sync.block import PREFIX
from facultativo.sync.ledger import Event, EventKind, Ledger
from facultativo.sync.ledger.events import ORIGINS, address_print
from facultativo.sync.model import Entry, Notice
from facultativo.sync.privacy import scrub
from facultativo.sync.rows import Row, Who
from facultativo.sync.sheet import Sheet
from facultativo.validators.identifiers import clean_nss

UNKNOWN = datetime.min.replace(tzinfo=UTC)  # a moment from before events: not recorded
_SHORT_PRINT = " Del NSS la bitácora guarda solo una huella corta: muy rara vez es de otra persona."


@dataclass(frozen=True)
class Asked:
    """What the person asking typed: a row, an NSS or an address."""

    fila: int | None = None
    nss: str | None = None
    correo: str | None = None


@dataclass
class Story:
    """One response's history, as `historial` tells it."""

    campus: str  # the campus's name
    tz: str  # the campus's time zone: the office reads times in it
    key: str
    row: Row | None  # where it is in the sheet now (None: not there, or not read)
    events: list[Event]
    earlier: list[Event] = field(default_factory=list)  # rebuilt from the state tables
    since: datetime | None = None  # when the ledger began to keep events
    notes: list[str] = field(default_factory=list)
    nss: str | None = None  # the NSS asked about, when this response matched by it
    correo: str | None = None  # the address asked about, when this response matched by it
    unread: bool = False  # the sheet could not be read: where the response is is not known
    block: str = PREFIX  # the status block's name ([campus.columns] prefijo), as staff see it


def find(
    ledger: Ledger, campus: str, tz: str, read: Sheet | str, asked: Asked, block: str = PREFIX
) -> list[Story] | str:
    """`_find`, told with the campus's block name (`block`, [campus.columns] prefijo)."""
    found = _find(ledger, campus, tz, read, asked)
    for story in [] if isinstance(found, str) else found:
        story.block = block
    return found


def _find(
    ledger: Ledger, campus: str, tz: str, read: Sheet | str, asked: Asked
) -> list[Story] | str:
    """The stories of the responses asked about in the campus named `campus`, or the one
    line that says why none can be found (a row asked of a sheet that cannot be read).
    `read`: the sheet as it is now, read as the cycle reads it, or why it cannot be read."""
    sheet, problem = (None, read.rstrip(".")) if isinstance(read, str) else (read, "")
    if asked.fila is not None:
        if sheet is None:
            return (
                f"no se pudo leer la hoja del campus {campus} ({problem}): "
                f"no se sabe qué respuesta está hoy en la fila {asked.fila}; busca con --nss "
                "o --correo."
            )
        return _at_row(ledger, campus, tz, sheet, asked.fila)
    rows = [r for r in sheet.rows if r.who not in (Who.COPY, Who.FOREIGN)] if sheet else []
    keys: list[str] = []
    where: dict[str, Row] = {r.key: r for r in rows}
    if asked.nss:
        keys = [r.key for r in rows if asked.nss in _nss_of(r)]
        for key in ledger.find_responses(campus, nss=asked.nss):
            row = where.get(key)
            if key not in keys and (row is None or not any(_nss_of(row))):  # a print, unconfirmed
                keys.append(key)
    if asked.correo:
        mark = address_print(asked.correo)
        keys += [r.key for r in rows if r.email_key == mark and r.key not in keys]
        keys += [k for k in ledger.find_responses(campus, address=asked.correo) if k not in keys]
    stories = [
        _story(ledger, campus, tz, key, where.get(key), nss=asked.nss, correo=asked.correo)
        for key in keys
    ]
    for story in stories:
        story.unread = sheet is None
        if sheet is None:
            story.notes.append(
                f"No se pudo leer la hoja ({problem}): se "
                "encontró solo en la bitácora." + (_SHORT_PRINT if asked.nss else "")
            )
        elif story.row is None:
            story.notes.append(
                "Ya no está en la hoja (se borró su fila): se encontró en la bitácora."
            )
    return stories


def _nss_of(row: Row) -> tuple[str, str]:
    """The NSS the student typed and the one the constancia printed (Validación: NSS leído)."""
    return (row.nss_typed or "", clean_nss(row.status.get("nss_leido", "")))


def _at_row(ledger: Ledger, campus: str, tz: str, sheet: Sheet, number: int) -> list[Story] | str:
    row = next((r for r in sheet.rows if r.number == number), None)
    if row is None:
        numbers = [r.number for r in sheet.rows]
        span = f"de la fila {min(numbers)} a la {max(numbers)}" if numbers else "ninguna"
        return f"la fila {number} no tiene ninguna respuesta (la hoja tiene respuestas {span})."
    if row.who is Who.FOREIGN:
        return (
            f"la fila {number} tiene un id que esta bitácora no dio (otra instalación o una "
            "bitácora anterior): su historia no está aquí."
        )
    notes = []
    if row.copy_of:
        original = next((r for r in sheet.rows if r.number == row.copy_of), None)
        notes.append(
            f"La fila {number} es una copia de la fila {row.copy_of} (la misma respuesta): "
            "no se procesa ni se envía correo por ella. Esta es la historia de la original."
        )
        row = original or row
    story = _story(ledger, campus, tz, row.key, row)
    story.notes += notes
    if not story.events and not story.earlier:
        story.notes.append("Ningún ciclo la ha procesado todavía (es una respuesta nueva).")
    return [story]


def _story(
    ledger: Ledger,
    campus: str,
    tz: str,
    key: str,
    row: Row | None,
    nss: str | None = None,
    correo: str | None = None,
) -> Story:
    events = ledger.history(campus, key)
    since = ledger.events_since()
    story = Story(campus, tz, key, row, events, since=since, nss=nss, correo=correo)
    if not events or events[0].kind not in ORIGINS:
        entry = ledger.entries(campus).get(key)
        notices = [n for n in ledger.notices(campus).values() if n.key == key]
        story.earlier = _before_events(entry, notices, ledger.moments(campus, key), events)
    return story


def _before_events(
    entry: Entry | None,
    notices: list[Notice],
    moments: dict[str, datetime | None],
    events: list[Event],
) -> list[Event]:
    """What the state tables still say of a response from before events were kept: its
    verdict, staff's estado, its emails; what the events already tell is left out."""
    if entry is None:
        return []
    told = {e.kind for e in events}  # a verdict, a staff estado: the latest is recorded
    emailed = {(e.data["notice"], e.data.get("gen", 0)) for e in events if "notice" in e.data}
    found: list[tuple[datetime | None, str, dict[str, Any]]] = []
    estado, motivos = entry.last_verdict()
    if estado and EventKind.VERDICT not in told:
        cells = entry.written_cells or {}
        data = {"gen": entry.generation, "estado": estado, "motivos": motivos or ""}
        data |= {"detalle": scrub(cells.get("detalle", ""))[:300]} if cells.get("detalle") else {}
        found.append((moments.get("decided_at"), EventKind.VERDICT, data))
        if entry.written_cells:  # the verdict's own write
            written = {"cells": list(cells), "estado": cells.get("estado", "")}
            found.append((moments.get("written_at"), EventKind.WRITTEN, written))
    if entry.staff_label and EventKind.STAFF not in told:
        staff = {"typed": scrub(entry.staff_label)[:100], "new": True}
        found.append((moments.get("staff_seen_at"), EventKind.STAFF, staff))
    for n in sorted(notices, key=lambda n: (n.updated_at, n.generation)):
        if (n.kind, n.generation) in emailed:
            continue
        data = {
            "notice": n.kind,
            "gen": n.generation,
            "status": n.status,
            "detail": n.detail or "",
            "attempts": n.attempts,
            "message_id": n.message_id,
            "told": n.verdict or "",
        }
        found.append((n.updated_at, EventKind.EMAIL, {k: v for k, v in data.items() if v != ""}))
    rebuilt = [Event(at or UNKNOWN, kind, data) for at, kind, data in found]
    return sorted(rebuilt, key=lambda e: e.at)  # a time not known: first, the oldest
