"""A response's Story (sync/history.py) as `facultativo historial` shows it: text for the
office, one line per event in campus time (an email's intent and its result are one
line), or JSON for scripts. Personal data is masked as in the logs, except the NSS or
address asked about: the person asking typed it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from facultativo.sync.history import UNKNOWN, Story
from facultativo.sync.history_words import estado_label, local, said, unfinished
from facultativo.sync.ledger import Event, EventKind
from facultativo.sync.ledger.events import ORIGINS
from facultativo.sync.privacy import mask_email, mask_nss, scrub
from facultativo.sync.rows import Row
from facultativo.validators.identifiers import clean_nss
from facultativo.validators.text import fold


def text(story: Story) -> str:
    tz = story.tz
    row = story.row
    if row is not None:
        where = f", hoy en la fila {row.number}"
    elif story.unread:
        where = " (no se pudo leer la hoja: no se sabe en qué fila está hoy)"
    else:
        where = ", que hoy no está en la hoja"
    lines = [f"Campus {story.campus}: respuesta {story.key}{where}"]
    if row is not None:
        estado = row.status.get("estado", "").strip() or "(vacío)"
        notificada = row.status.get("notificada", "").strip() or "(vacío)"
        lines.append(f"  En la hoja: estado «{scrub(estado)}»; notificada el «{scrub(notificada)}»")
        lines.append(f"  Correo {_address(row, story.correo)}; NSS escrito {_nss(row, story.nss)}")
    elif story.nss or story.correo:
        what = f"el NSS {story.nss}" if story.nss else f"la dirección {story.correo}"
        lines.append(f"  Encontrada en la bitácora por {what}")
    lines += [f"  {note}" for note in story.notes]
    if story.earlier or (story.events and story.events[0].kind not in ORIGINS):
        since = local(story.since, tz) if story.since else "esta versión"
        lines.append(
            f"  Antes del {since} la bitácora no registraba la historia de cada respuesta: "
            "de lo anterior solo se sabe cómo quedó."
        )
        for event in story.earlier:
            when = local(event.at, tz) if event.at != UNKNOWN else "(sin fecha)     "
            lines.append(
                f"  {when}  {said(event, None, tz, block=story.block)} (antes de esta versión)"
            )
    for at, line in _lines(story.events, tz, story.block):
        lines.append(f"  {local(at, tz)}  {line}")
    return "\n".join(lines)


def _address(row: Row, asked: str | None) -> str:
    """The row's address, masked, unless it is the one asked about (the asker typed it)."""
    address = row.email or ""
    if asked and address.lower() == asked.strip().lower():
        return address
    return mask_email(address or None)


def _nss(row: Row, asked: str | None) -> str:
    nss = row.nss_typed or ""
    shown = nss if asked and nss == asked else mask_nss(nss or None)
    read = clean_nss(row.status.get("nss_leido", ""))
    if asked and read == asked and nss != asked:  # found by what the constancia printed
        shown += f"; NSS leído de la constancia {read}"
    return shown


def _lines(events: list[Event], tz: str, block: str) -> Iterable[tuple[datetime, str]]:
    """Each event as a line; an email's intent and its result are one line (an intent
    never followed by its result is a send the process did not live to record)."""
    open_: dict[tuple[str, int], Event] = {}
    shown = ""  # the estado in the sheet, as the events so far tell
    marked = ""  # that estado, when `lote --aplicar` put it there
    for i, event in enumerate(events):
        if event.kind == EventKind.EMAIL_SENDING:
            ident = (event.data.get("notice", ""), event.data.get("gen", 0))
            if ident in open_:
                yield open_[ident].at, unfinished(open_[ident])
            open_[ident] = event
            continue
        intent = None
        if event.kind == EventKind.EMAIL and not event.data.get("adopted"):
            intent = open_.pop((event.data.get("notice", ""), event.data.get("gen", 0)), None)
        yield event.at, said(event, events[i + 1 :], tz, intent, shown, marked, block)
        after = _shown_after(event, shown)
        if event.kind == EventKind.LOTE:
            marked = after
        elif fold(after) != fold(shown):
            marked = ""
        shown = after
    for intent in open_.values():
        yield intent.at, unfinished(intent)


def _shown_after(event: Event, shown: str) -> str:
    """The estado the sheet shows after this event: what facultativo wrote, what staff
    typed, what `lote --aplicar` marked; a re-run empties it."""
    d = event.data
    if event.kind in (EventKind.WRITTEN, EventKind.LOTE, EventKind.RESTORED) and d.get("estado"):
        return estado_label(str(d["estado"]))
    if event.kind == EventKind.STAFF and d.get("typed"):
        return str(d["typed"])
    if event.kind == EventKind.RERUN:
        return ""
    return shown


def as_json(story: Story) -> dict[str, Any]:
    ids = {}
    events = []
    for e in story.events:
        ident = (e.data.get("notice"), e.data.get("gen", 0))
        data = {k: v for k, v in e.data.items() if k != "nss_read_key"}  # a search print
        if e.kind == EventKind.EMAIL_SENDING:
            ids[ident] = data.get("message_id")
        elif e.kind == EventKind.EMAIL and "message_id" not in data and ident in ids:
            data["message_id"] = ids[ident]
        events.append({"at": e.at.isoformat(), "kind": e.kind, **data})
    earlier = [
        {
            "at": e.at.isoformat() if e.at != UNKNOWN else None,
            "kind": e.kind,
            **e.data,
            "rebuilt": True,
        }
        for e in story.earlier
    ]
    row = story.row
    complete = not story.earlier and (not story.events or story.events[0].kind in ORIGINS)
    return {
        "campus": story.campus,
        "id": story.key,
        "row": row.number if row else None,
        "sheet": {k: row.status.get(k, "") for k in ("estado", "notificada")} if row else None,
        "asked": {k: v for k, v in (("nss", story.nss), ("correo", story.correo)) if v},
        "complete": complete,
        "events_since": story.since.isoformat() if story.since and not complete else None,
        "notes": story.notes,
        "events": earlier + events,
    }
