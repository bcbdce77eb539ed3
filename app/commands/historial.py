"""`facultativo historial`: what happened to one response, from the ledger, for the office
answering «nunca me llegó el correo».

The response is the one at a row of the sheet as it is now (`--fila`: rows move when staff
sort, so the sheet is read, as every command reads it), or every response whose student
typed an NSS or an address, or whose constancia printed that NSS (`--nss`, `--correo`:
matched against the sheet's cells when it can be read, and against the ledger's prints of
them, sync/ledger/events.py, so a row deleted from the sheet, or a sheet that cannot be
read, still finds them). Read-only: a
snapshot of the ledger; nothing is written, decided or sent.

Personal data is masked as in the logs, except the NSS or address asked about: the person
asking typed it. Responses the ledger knew before it kept events (an upgraded ledger) show
what the ledger still knows of them (their verdict, their emails) and say that the earlier
history was not recorded. `--json` gives the same for scripts: per response, its events
with ISO timestamps, kind and fields.

Example: the demo's row 17 (a REVISIÓN MANUAL), after staff typed «Aceptado» over it and
later ALTA APLICADA, and sorted the sheet (the full story is in docs/RELIABILITY.md, «A
response's history»)::

    $ facultativo historial --config facultativo-demo/facultativo.toml --fila 6
    Campus demo: respuesta 1fca83-93231dce8a6648e6f5d9, hoy en la fila 6
      En la hoja: estado «ALTA APLICADA»; notificada el «2026-11-16 11:24 (seguimiento)»
      Correo fr***@alumnos.example.mx; NSS escrito *******0161
      2026-11-16 11:00  Vista por primera vez, en la fila 17 (correo fr***@alumnos.example.mx, …
      2026-11-16 11:00  Veredicto: REVISIÓN MANUAL — NOMBRE_NO_COINCIDE, SIN_VIGENCIA. …
      2026-11-16 11:00  Correo «resultado» <resultado.0.1fca83-…@demo.demo.example.mx>, dice
                        REVISIÓN MANUAL: enviado (intento 1).
      2026-11-16 11:01  El personal escribió «Aceptado» en el estado (se lee como ACEPTADA); se
                        le envió al estudiante el 2026-11-16 11:12.
      2026-11-16 11:12  Correo «decisión del personal» <decision.0.1fca83-…>, dice ACEPTADA:
                        enviado (intento 1).
      …
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from facultativo.commands import campuses
from facultativo.config import Campus, load
from facultativo.sync.columns import STATUS_HEADERS, MissingColumns
from facultativo.sync.ledger import Event, EventKind, Ledger
from facultativo.sync.ledger.events import ORIGINS, address_print
from facultativo.sync.model import Entry, Notice, NoticeKind, NoticeStatus
from facultativo.sync.privacy import mask_email, mask_nss, scrub
from facultativo.sync.rows import Row, Who
from facultativo.sync.sheet import Sheet, read_sheet
from facultativo.sync.sources import SourceError
from facultativo.sync.wording import staff_word
from facultativo.validators import Estado
from facultativo.validators.identifiers import clean_nss
from facultativo.validators.text import fold
from facultativo.wiring import build_source, build_store

EMAIL_KINDS = {
    NoticeKind.RESULTADO: "resultado",
    NoticeKind.DECISION: "decisión del personal",
    NoticeKind.APLICADA: "seguimiento (alta o baja aplicada)",
}


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

    campus: Campus
    key: str
    row: Row | None  # where it is in the sheet now (None: not there, or not read)
    events: list[Event]
    earlier: list[Event] = field(default_factory=list)  # rebuilt from the state tables
    since: datetime | None = None  # when the ledger began to keep events
    notes: list[str] = field(default_factory=list)
    nss: str | None = None  # the NSS asked about, when this response matched by it
    correo: str | None = None  # the address asked about, when this response matched by it
    unread: bool = False  # the sheet could not be read: where the response is is not known


def run(args: argparse.Namespace) -> int:
    config = load(args.config)
    chosen = campuses(config, args.campus)
    asked = Asked(args.fila, clean_nss(args.nss) if args.nss else None, args.correo)
    if asked.fila is not None and len(chosen) > 1:
        names = ", ".join(c.name for c in chosen)
        print(
            f"facultativo: di de qué campus es la fila con --campus (hay: {names}).",
            file=sys.stderr,
        )
        return 2
    if not config.ledger.exists():
        print(
            f"facultativo: la bitácora {config.ledger} no existe todavía (ningún ciclo ha "
            "corrido): no hay historia que mostrar.",
            file=sys.stderr,
        )
        return 1
    ledger = Ledger.snapshot(config.ledger)
    try:
        stories: list[Story] = []
        for campus in chosen:
            found = find(ledger, campus, asked)
            if isinstance(found, str):
                print(f"facultativo: {found}", file=sys.stderr)
                return 1
            stories += found
    finally:
        ledger.close()
    if not stories:
        print(f"facultativo: {_nothing(asked, chosen)}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([as_json(s) for s in stories], ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(text(s) for s in stories))
    return 0


def _nothing(asked: Asked, chosen: list[Campus]) -> str:
    where = ", ".join(c.name for c in chosen)
    what = f"el NSS {asked.nss}" if asked.nss else f"la dirección {asked.correo}"
    return f"ninguna respuesta con {what} en la hoja ni en la bitácora (campus {where})."


def find(ledger: Ledger, campus: Campus, asked: Asked) -> list[Story] | str:
    """The stories of the responses asked about, or the one line that says why none can
    be found (a row asked of a sheet that cannot be read)."""
    read = _sheet(ledger, campus)
    sheet, problem = (None, read.rstrip(".")) if isinstance(read, str) else (read, "")
    if asked.fila is not None:
        if sheet is None:
            return (
                f"no se pudo leer la hoja del campus {campus.name} ({problem}): "
                f"no se sabe qué respuesta está hoy en la fila {asked.fila}; busca con --nss "
                "o --correo."
            )
        return _at_row(ledger, campus, sheet, asked.fila)
    rows = [r for r in sheet.rows if r.who not in (Who.COPY, Who.FOREIGN)] if sheet else []
    keys: list[str] = []
    where: dict[str, Row] = {r.key: r for r in rows}
    if asked.nss:
        keys = [r.key for r in rows if asked.nss in _nss_of(r)]
        for key in ledger.find_responses(campus.name, nss=asked.nss):
            row = where.get(key)
            if key not in keys and (row is None or not any(_nss_of(row))):  # a print, unconfirmed
                keys.append(key)
    if asked.correo:
        mark = address_print(asked.correo)
        keys += [r.key for r in rows if r.email_key == mark and r.key not in keys]
        keys += [
            k for k in ledger.find_responses(campus.name, address=asked.correo) if k not in keys
        ]
    stories = [
        _story(ledger, campus, key, where.get(key), nss=asked.nss, correo=asked.correo)
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


def _sheet(ledger: Ledger, campus: Campus) -> Sheet | str:
    """The sheet as it is now, read as the cycle reads it; or why it cannot be read."""
    try:
        store, source = build_store(campus), build_source(campus)
        entries = ledger.entries(campus.name)
        tz = campus.policy.timezone
        prefix = ledger.id_prefix()
        # read-only: a workbook staff have open is read as saved
        return read_sheet(source, campus.columns, tz, store.refs, entries, prefix=prefix, peek=True)
    except (SourceError, MissingColumns) as exc:
        return str(exc)


def _at_row(ledger: Ledger, campus: Campus, sheet: Sheet, number: int) -> list[Story] | str:
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
    story = _story(ledger, campus, row.key, row)
    story.notes += notes
    if not story.events and not story.earlier:
        story.notes.append("Ningún ciclo la ha procesado todavía (es una respuesta nueva).")
    return [story]


def _story(
    ledger: Ledger,
    campus: Campus,
    key: str,
    row: Row | None,
    nss: str | None = None,
    correo: str | None = None,
) -> Story:
    events = ledger.history(campus.name, key)
    story = Story(campus, key, row, events, since=ledger.events_since(), nss=nss, correo=correo)
    if not events or events[0].kind not in ORIGINS:
        entry = ledger.entries(campus.name).get(key)
        notices = [n for n in ledger.notices(campus.name).values() if n.key == key]
        story.earlier = _before_events(entry, notices, ledger.moments(campus.name, key), events)
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


# --- text -----------------------------------------------------------------------------


def text(story: Story) -> str:
    tz = story.campus.policy.timezone
    row = story.row
    if row is not None:
        where = f", hoy en la fila {row.number}"
    elif story.unread:
        where = " (no se pudo leer la hoja: no se sabe en qué fila está hoy)"
    else:
        where = ", que hoy no está en la hoja"
    lines = [f"Campus {story.campus.name}: respuesta {story.key}{where}"]
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
        since = _local(story.since, tz) if story.since else "esta versión"
        lines.append(
            f"  Antes del {since} la bitácora no registraba la historia de cada respuesta: "
            "de lo anterior solo se sabe cómo quedó."
        )
        for event in story.earlier:
            when = _local(event.at, tz) if event.at != UNKNOWN else "(sin fecha)     "
            lines.append(f"  {when}  {_said(event, None, tz)} (antes de esta versión)")
    for at, said in _lines(story.events, tz):
        lines.append(f"  {_local(at, tz)}  {said}")
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


def _lines(events: list[Event], tz: str) -> Iterable[tuple[datetime, str]]:
    """Each event as a line; an email's intent and its result are one line (an intent
    never followed by its result is a send the process did not live to record)."""
    open_: dict[tuple[str, int], Event] = {}
    shown = ""  # the estado in the sheet, as the events so far tell
    marked = ""  # that estado, when `lote --aplicar` put it there
    for i, event in enumerate(events):
        if event.kind == EventKind.EMAIL_SENDING:
            ident = (event.data.get("notice", ""), event.data.get("gen", 0))
            if ident in open_:
                yield open_[ident].at, _unfinished(open_[ident])
            open_[ident] = event
            continue
        intent = None
        if event.kind == EventKind.EMAIL and not event.data.get("adopted"):
            intent = open_.pop((event.data.get("notice", ""), event.data.get("gen", 0)), None)
        yield event.at, _said(event, events[i + 1 :], tz, intent, shown, marked)
        after = _shown_after(event, shown)
        if event.kind == EventKind.LOTE:
            marked = after
        elif fold(after) != fold(shown):
            marked = ""
        shown = after
    for intent in open_.values():
        yield intent.at, _unfinished(intent)


def _said(
    event: Event,
    later: list[Event] | None,
    tz: str,
    intent: Event | None = None,
    shown: str = "",
    marked: str = "",
) -> str:
    """One event in the office's words; `later`: the events after it (None: rebuilt from
    before events were kept, nothing known after it); `shown`: the estado the sheet showed
    before it, as the events so far tell; `marked`: the same, when `lote --aplicar` wrote
    it (the cycle then reads the mark as a staff estado: it was not typed)."""
    d, kind = event.data, event.kind
    if kind == EventKind.SEEN:
        if not d:
            return "Vista por primera vez, con un estado escrito por el personal."
        where = f", en la fila {d['row']}" if d.get("row") else ""
        typed = [f"correo {d['email']}" if d.get("email") else "sin dirección válida"]
        typed += [f"NSS {d['nss']}"] if d.get("nss") else []
        return f"Vista por primera vez{where} ({', '.join(typed)})."
    if kind == EventKind.VERDICT:
        return _verdict(d)
    if kind == EventKind.WRITTEN:
        return _written(d)
    if kind == EventKind.RERUN:
        before = f" (antes: {_estado(d['previous'])})" if d.get("previous") else ""
        if shown and (not d.get("previous") or fold(shown) != fold(_estado(d["previous"]))):
            # the sheet showed staff's estado or a lote mark, not facultativo's verdict
            verdict = (
                f"; facultativo había dicho {_estado(d['previous'])}" if d.get("previous") else ""
            )
            before = f" (antes: «{shown}»{verdict})"
        if d.get("why") == "answers":
            return f"El estudiante cambió su respuesta: se valida de nuevo{before}."
        return f"El personal borró el estado: se valida de nuevo{before}."
    if kind == EventKind.RESTORED:
        return _restored(d)
    if kind == EventKind.STAFF:
        by_lote = bool(marked) and fold(str(d.get("typed", ""))) == fold(marked)
        return _staff(d, later, tz, by_lote)
    if kind == EventKind.CORRECTED:
        return (
            "El personal cambió una decisión que ya se había enviado: sale un correo de corrección."
        )
    if kind == EventKind.READDRESSED:
        return "Se corrigió la dirección de correo: el resultado se envía una vez más, a la nueva."
    if kind == EventKind.EDITED:
        what = [
            *(["editó sus respuestas"] if d.get("answers") else []),
            *(["su dirección de correo cambió"] if d.get("address") else []),
        ]
        return f"El estudiante {' y '.join(what) or 'cambió su respuesta'}."
    if kind == EventKind.EDITED_AFTER_STAFF:
        return (
            "El estudiante cambió su respuesta después de la decisión del personal: la "
            "decisión se queda hasta que el personal la revise."
        )
    if kind == EventKind.EMAIL:
        return _email(d, tz, intent)
    if kind == EventKind.EMAIL_CARRIED:
        return (
            f"Correo «{_kind(d)}»: se validó de nuevo con el mismo resultado; vale el ya "
            f"enviado {d.get('message_id', '')}, no se envía otro."
        )
    if kind == EventKind.ADOPTED:
        return _adopted(d)
    if kind == EventKind.LOTE:
        archivo = f" (archivo {d['archivo']})" if d.get("archivo") else ""
        return (
            f"Marcada «{d.get('estado', '')}» con facultativo lote --aplicar{archivo}, tras "
            "registrarla en el IMSS."
        )
    return f"{kind}: {json.dumps(d, ensure_ascii=False)}"


def _verdict(d: dict[str, Any]) -> str:
    codes = ", ".join(c for c in str(d.get("motivos", "")).split(",") if c)
    head = f"Veredicto: {_estado(d.get('estado', ''))}{f' — {codes}' if codes else ''}."
    parts = [head]
    if d.get("detalle"):
        parts.append(f"Detalle: «{d['detalle']}».")
    if d.get("nss_read"):
        same = ", el mismo que escribió" if d.get("nss_same") else ", distinto del que escribió"
        parts.append(f"NSS leído {d['nss_read']}{same}.")
    return " ".join(parts)


def _written(d: dict[str, Any]) -> str:
    if d.get("landed"):
        return (
            "Ya estaba en la hoja: lo escribió un ciclo que se interrumpió antes de anotarlo; "
            "la bitácora lo anota ahora."
        )
    cells = []
    for name in d.get("cells", []):
        title = STATUS_HEADERS.get(name, name).removeprefix("Validación: ")
        value = d.get(name) if name in ("estado", "notificada") else None
        cells.append(f"{title} «{value}»" if value else title)
    where = f", fila {d['row']}" if d.get("row") else ""
    return f"Escrito en la hoja{where}: {', '.join(cells) or '(nada)'}."


def _restored(d: dict[str, Any]) -> str:
    if d.get("why") == "misplaced":
        text = (
            "Su bloque «Validación» estaba en la fila de otra respuesta (se ordenaron solo "
            "algunas columnas): se escribe de nuevo en su fila"
        )
    else:
        text = (
            "El bloque «Validación» se perdió de la hoja (columna renombrada o borrada, hoja "
            "reemplazada o vaciada de golpe): se escribe de nuevo desde la bitácora"
        )
    if d.get("waiting"):
        text += ", con el veredicto más nuevo que esperaba escribirse"
    elif d.get("estado"):
        text += f" (estado «{d['estado']}»)"
    return text + ", sin validar ni enviar correos otra vez."


def _staff(d: dict[str, Any], later: list[Event] | None, tz: str, by_lote: bool = False) -> str:
    typed = d.get("typed", "")
    read = staff_word(typed)
    if read is None:
        reading = "no se entiende como una decisión: no se envía nada por ella"
    elif read.etiqueta == typed.strip():
        reading = ""
    else:
        reading = f"se lee como {read.etiqueta}"
    if not d.get("new"):
        reading = "la misma decisión, escrita de otra forma"
    if by_lote:
        text = f"Se leyó en la hoja «{typed}», la marca de facultativo lote --aplicar"
    else:
        text = f"El personal escribió «{typed}» en el estado" + (f" ({reading})" if reading else "")
    if later is None:
        return text + "."
    mailed = None
    for event in later:
        if event.kind == EventKind.STAFF and event.data.get("new"):
            break
        if (
            event.kind == EventKind.EMAIL
            and event.data.get("notice") in (NoticeKind.DECISION, NoticeKind.APLICADA)
            and event.data.get("status") == NoticeStatus.SENT
        ):
            mailed = event
            break
    if read is not None and d.get("new"):
        if mailed is not None:
            text += f"; se le envió al estudiante el {_local(mailed.at, tz)}"
        else:
            text += "; ningún correo por ella hasta ahora"
    return text + "."


def _email(d: dict[str, Any], tz: str, intent: Event | None) -> str:
    ident = (intent.data if intent else d).get("message_id", "")
    told = (intent.data if intent else d).get("told", "")
    about = f", dice {_estado(told.split(':')[0])}" if told else ""
    head = f"Correo «{_kind(d)}» {ident}{about}".replace("  ", " ").rstrip()
    status = d.get("status")
    attempt = (intent.data.get("attempt") if intent else None) or d.get("attempts")
    tries = f" (intento {attempt})" if attempt else ""
    detail = d.get("detail", "")
    if d.get("adopted"):
        said = _status(status, detail, tz, d)
        return f"Al adoptar la hoja, «notificada el» decía de este correo: {said}."
    if status == NoticeStatus.SENT:
        return f"{head}: enviado{tries}."
    if status == NoticeStatus.SUPERSEDED:
        return f"{head}: ya no se envía, al estudiante le llegó uno más nuevo."
    return f"{head}: {_status(status, detail, tz, d)}{tries}."


def _status(status: str | None, detail: str, tz: str, d: dict[str, Any]) -> str:
    if status == NoticeStatus.SENT:
        return "enviado"
    if status == NoticeStatus.RETRY:
        when = (
            f"; se intenta de nuevo después de {_local(_dt(d['next_try']), tz)}"
            if d.get("next_try")
            else ""
        )
        return f"no enviado, el servidor respondió «{detail}»{when}"
    if status == NoticeStatus.FAILED:
        return f"ERROR, no se enviará: «{detail}»"
    if status == NoticeStatus.SHADOW:
        return "no enviado (modo sombra)"
    if status == NoticeStatus.ADOPTED:
        return "tomado como enviado (no hay registro del envío)"
    if status == NoticeStatus.SUPERSEDED:
        return "ya no se envía, al estudiante le llegó uno más nuevo"
    if status == NoticeStatus.SENDING:
        return "se estaba enviando cuando se detuvo el proceso (pudo haber salido)"
    return str(status)


def _shown_after(event: Event, shown: str) -> str:
    """The estado the sheet shows after this event: what facultativo wrote, what staff
    typed, what `lote --aplicar` marked; a re-run empties it."""
    d = event.data
    if event.kind in (EventKind.WRITTEN, EventKind.LOTE, EventKind.RESTORED) and d.get("estado"):
        return _estado(str(d["estado"]))
    if event.kind == EventKind.STAFF and d.get("typed"):
        return str(d["typed"])
    if event.kind == EventKind.RERUN:
        return ""
    return shown


def _unfinished(intent: Event) -> str:
    d = intent.data
    return (
        f"Correo «{_kind(d)}» {d.get('message_id', '')}: intento {d.get('attempt', 1)} sin "
        "resultado registrado (el proceso se detuvo durante el envío; pudo haber salido). "
        "Se envía de nuevo en el siguiente ciclo."
    )


def _adopted(d: dict[str, Any]) -> str:
    where = f", en la fila {d['row']}" if d.get("row") else ""
    estado = f"estado {_estado(d['estado'])}" if d.get("estado") else "sin veredicto de facultativo"
    staff = f"; el personal había escrito «{d['staff']}»" if d.get("staff") else ""
    return (
        f"Reconstruida desde el bloque «Validación» de la hoja (facultativo adoptar){where}: "
        f"{estado}{staff}. No se envía nada de nuevo."
    )


def _kind(d: dict[str, Any]) -> str:
    return EMAIL_KINDS.get(d.get("notice", ""), str(d.get("notice", "")))


def _estado(code: str) -> str:
    estado = Estado.__members__.get(code)
    return estado.etiqueta if estado else code


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _local(moment: datetime, tz: str) -> str:
    """A ledger time as the office reads it: campus time, to the minute."""
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


# --- JSON -----------------------------------------------------------------------------


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
        "campus": story.campus.name,
        "id": story.key,
        "row": row.number if row else None,
        "sheet": {k: row.status.get(k, "") for k in ("estado", "notificada")} if row else None,
        "asked": {k: v for k, v in (("nss", story.nss), ("correo", story.correo)) if v},
        "complete": complete,
        "events_since": story.since.isoformat() if story.since and not complete else None,
        "notes": story.notes,
        "events": earlier + events,
    }
