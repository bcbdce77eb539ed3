"""One event of a response's history in the office's words (`facultativo historial`):
what facultativo decided and wrote, what staff typed and how it was read, each email and
what became of it. Times are the campus's, to the minute."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from facultativo.sync.block import NAMES, PREFIX
from facultativo.sync.ledger import Event, EventKind
from facultativo.sync.model import NoticeKind, NoticeStatus
from facultativo.sync.wording import staff_word
from facultativo.validators import Estado
from facultativo.validators.text import fold

EMAIL_KINDS = {
    NoticeKind.RESULTADO: "resultado",
    NoticeKind.DECISION: "decisión del personal",
    NoticeKind.APLICADA: "seguimiento (alta o baja aplicada)",
}


def said(
    event: Event,
    later: list[Event] | None,
    tz: str,
    intent: Event | None = None,
    shown: str = "",
    marked: str = "",
    block: str = PREFIX,
) -> str:
    """One event in the office's words; `later`: the events after it (None: rebuilt from
    before events were kept, nothing known after it); `shown`: the estado the sheet showed
    before it, as the events so far tell; `marked`: the same, when `lote --aplicar` wrote
    it (the cycle then reads the mark as a staff estado: it was not typed); `block`: the status
    block's name as the campus's staff see it."""
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
        before = f" (antes: {estado_label(d['previous'])})" if d.get("previous") else ""
        if shown and (not d.get("previous") or fold(shown) != fold(estado_label(d["previous"]))):
            # the sheet showed staff's estado or a lote mark, not facultativo's verdict
            verdict = (
                f"; facultativo había dicho {estado_label(d['previous'])}"
                if d.get("previous")
                else ""
            )
            before = f" (antes: «{shown}»{verdict})"
        if d.get("why") == "answers":
            return f"El estudiante cambió su respuesta: se valida de nuevo{before}."
        return f"El personal borró el estado: se valida de nuevo{before}."
    if kind == EventKind.RESTORED:
        return _restored(d, block)
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
        return _adopted(d, block)
    if kind == EventKind.LOTE:
        archivo = f" (archivo {d['archivo']})" if d.get("archivo") else ""
        return (
            f"Marcada «{d.get('estado', '')}» con facultativo lote --aplicar{archivo}, tras "
            "registrarla en el IMSS."
        )
    return f"{kind}: {json.dumps(d, ensure_ascii=False)}"


def _verdict(d: dict[str, Any]) -> str:
    codes = ", ".join(c for c in str(d.get("motivos", "")).split(",") if c)
    head = f"Veredicto: {estado_label(d.get('estado', ''))}{f' — {codes}' if codes else ''}."
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
        title = NAMES.get(name, name)
        value = d.get(name) if name in ("estado", "notificada") else None
        cells.append(f"{title} «{value}»" if value else title)
    where = f", fila {d['row']}" if d.get("row") else ""
    return f"Escrito en la hoja{where}: {', '.join(cells) or '(nada)'}."


def _restored(d: dict[str, Any], block: str) -> str:
    if d.get("why") == "misplaced":
        text = (
            f"Su bloque «{block}» estaba en la fila de otra respuesta (se ordenaron solo "
            "algunas columnas): se escribe de nuevo en su fila"
        )
    else:
        text = (
            f"El bloque «{block}» se perdió de la hoja (columna renombrada o borrada, hoja "
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
            text += f"; se le envió al estudiante el {local(mailed.at, tz)}"
        else:
            text += "; ningún correo por ella hasta ahora"
    return text + "."


def _email(d: dict[str, Any], tz: str, intent: Event | None) -> str:
    ident = (intent.data if intent else d).get("message_id", "")
    told = (intent.data if intent else d).get("told", "")
    about = f", dice {estado_label(told.split(':')[0])}" if told else ""
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
            f"; se intenta de nuevo después de {local(_dt(d['next_try']), tz)}"
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


def unfinished(intent: Event) -> str:
    d = intent.data
    return (
        f"Correo «{_kind(d)}» {d.get('message_id', '')}: intento {d.get('attempt', 1)} sin "
        "resultado registrado (el proceso se detuvo durante el envío; pudo haber salido). "
        "Se envía de nuevo en el siguiente ciclo."
    )


def _adopted(d: dict[str, Any], block: str) -> str:
    where = f", en la fila {d['row']}" if d.get("row") else ""
    estado = (
        f"estado {estado_label(d['estado'])}" if d.get("estado") else "sin veredicto de facultativo"
    )
    staff = f"; el personal había escrito «{d['staff']}»" if d.get("staff") else ""
    return (
        f"Reconstruida desde el bloque «{block}» de la hoja (facultativo adoptar){where}: "
        f"{estado}{staff}. No se envía nada de nuevo."
    )


def _kind(d: dict[str, Any]) -> str:
    return EMAIL_KINDS.get(d.get("notice", ""), str(d.get("notice", "")))


def estado_label(code: str) -> str:
    estado = Estado.__members__.get(code)
    return estado.etiqueta if estado else code


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def local(moment: datetime, tz: str) -> str:
    """A ledger time as the office reads it: campus time, to the minute."""
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
