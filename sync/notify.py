"""Step 4-5 of the cycle: send the emails that are due, then note them in the sheet.

Intent is recorded before each send and the result after it, so a crash
between the two resends that one message at most (at-least-once delivery).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jinja2 import Environment, TemplateError

from facultativo.notifiers import Sender, SendError, compose
from facultativo.notifiers.compose import student_context, template_for, to_message
from facultativo.validators import Estado, Motivo, Tipo

from .columns import ColumnMap
from .ledger import Ledger
from .model import Due, Notice, NoticeKind, NoticeStatus
from .privacy import mask_email, scrub
from .rows import Row
from .sources import CellWrite
from .values import local_now_text

log = logging.getLogger("facultativo.sync")
MAX_SEND_ATTEMPTS = 10
INVALID_ADDRESS = "dirección no válida"


@dataclass(frozen=True)
class MailContext:
    env: Environment
    campus_name: str
    contact: dict[str, str]  # office, email, address, hours, escuela
    from_address: str
    timezone: str
    daily_cap: int  # from [campus.mail] daily_cap
    shadow: bool = False  # modo sombra: verdicts are written, no student is mailed, ever
    grace: timedelta = timedelta(minutes=10)  # a staff decision stands this long before it goes
    # students decided in modo sombra or before `desde` also hear staff (never, by default)
    tell_earlier: bool = False


def is_pending(notice: Notice | None) -> bool:
    return notice is None or notice.status in (NoticeStatus.SENDING, NoticeStatus.RETRY)


def shadow_due(dues: list[Due], ledger: Ledger, mail: MailContext, now: datetime) -> Counter:
    """Modo sombra: each email owed is recorded as not sent, so switching the mode off
    later never mails the students of these weeks."""
    for due in dues:
        message_id = f"<{due.kind}.{due.generation}.{due.row.key}@{_domain(mail)}>"
        told = (due.row.email_key, due.verdict)
        ledger.intend(
            mail.campus_name, due.row.key, due.kind, due.generation, message_id, now, told
        )
        ledger.sent(
            mail.campus_name, due.row.key, due.kind, due.generation, NoticeStatus.SHADOW, None, now
        )
    return Counter({NoticeStatus.SHADOW.value: len(dues)}) if dues else Counter()


def send_due(
    dues: list[Due],
    sender: Sender,
    ledger: Ledger,
    mail: MailContext,
    now: Callable[[], datetime],
    checkpoint: Callable[[str], None],
    stopping: Callable[[], bool] = lambda: False,
) -> Counter[str]:
    counts: Counter[str] = Counter()
    if not dues:
        return counts
    campus = mail.campus_name
    room = _room_today(ledger, mail, now())
    if room < len(dues):
        log.warning(
            "tope diario de %d correos: %d quedan para mañana",
            mail.daily_cap,
            len(dues) - max(room, 0),
        )
        counts["deferred"] += len(dues) - max(room, 0)
        dues = dues[: max(room, 0)]
        if not dues:
            return counts
    try:
        sender.open()
    except SendError as exc:
        log.warning(
            "correo no disponible (%s); %d mensajes quedan para el próximo ciclo", exc, len(dues)
        )
        counts["retry"] += len(dues)
        return counts
    try:
        for i, due in enumerate(dues):
            if stopping():  # shutting down: the rest stay pending for the next start
                counts["retry"] += len(dues) - i
                break
            status, detail = _send_one(due, sender, ledger, mail, now, checkpoint)
            detail = scrub(detail) if detail else detail  # servers echo the address back
            ledger.sent(campus, due.row.key, due.kind, due.generation, status, detail, now())
            counts[status] += 1
            checkpoint("sent")
    finally:
        sender.close()
    return counts


def _room_today(ledger: Ledger, mail: MailContext, now: datetime) -> int:
    """How many more messages the campus may send today (its own time zone)."""
    local = now.astimezone(ZoneInfo(mail.timezone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return mail.daily_cap - ledger.sent_since(mail.campus_name, midnight)


def _send_one(
    due: Due,
    sender: Sender,
    ledger: Ledger,
    mail: MailContext,
    now: Callable[[], datetime],
    checkpoint: Callable[[str], None],
) -> tuple[str, str | None]:
    message_id = f"<{due.kind}.{due.generation}.{due.row.key}@{_domain(mail)}>"
    told = (due.row.email_key, due.verdict)
    ledger.intend(mail.campus_name, due.row.key, due.kind, due.generation, message_id, now(), told)
    if not due.row.email:  # the exact address in the cell, or nobody
        return NoticeStatus.FAILED, INVALID_ADDRESS
    checkpoint("intent")
    try:
        estado = Estado(due.estado)
        email = compose(
            mail.env, template_for(due.kind, estado), due.row.email, message_id, _context(due, mail)
        )
        date = now().astimezone(ZoneInfo(mail.timezone))
        message = to_message(email, mail.from_address, mail.contact.get("email", ""), date)
    except TemplateError as exc:  # a campus's own template is broken: fix it, then it goes out
        log.error("plantilla de correo con error (%s); el correo queda pendiente", exc)
        return NoticeStatus.RETRY, f"plantilla con error: {exc}"[:200]
    except Exception as exc:  # one row's message never stops the others
        log.error("fila %d: no se pudo preparar el correo (%s)", due.row.number, type(exc).__name__)
        return NoticeStatus.FAILED, f"no se pudo preparar el correo ({type(exc).__name__})"
    try:
        sender.send(message)
        checkpoint("delivered")  # the duplicate window: sent, not yet recorded
    except SendError as exc:
        return _not_sent(due, ledger, mail, str(exc), exc.transient)
    except Exception as exc:  # a sender's surprise is this row's, retried like a cut connection
        return _not_sent(due, ledger, mail, f"error inesperado ({type(exc).__name__})", True)
    return NoticeStatus.SENT, None


def _not_sent(
    due: Due, ledger: Ledger, mail: MailContext, detail: str, transient: bool
) -> tuple[str, str]:
    attempts = _attempts(ledger, mail.campus_name, due)
    log.warning(
        "fila %d: correo a %s no enviado: %s",
        due.row.number,
        mask_email(due.row.email or ""),
        scrub(detail),
    )
    if transient and attempts < MAX_SEND_ATTEMPTS:
        return NoticeStatus.RETRY, detail[:200]
    return NoticeStatus.FAILED, detail[:200]


def _attempts(ledger: Ledger, campus: str, due: Due) -> int:
    notice = ledger.notices(campus).get((due.row.key, due.kind, due.generation))
    return notice.attempts if notice else 1


def _domain(mail: MailContext) -> str:
    sender = mail.from_address.rsplit("@", 1)
    domain = sender[1].strip("> ") if len(sender) == 2 else "facultativo.local"
    return f"{mail.campus_name}.{domain}"


_TIPO_SHOWN = {Tipo.DESCONOCIDO: "alta o baja"}  # «tu solicitud de alta o baja»


def _context(due: Due, mail: MailContext) -> dict:
    codes = [c for c in due.motivos.split(",") if c]
    motivo = Motivo(codes[0]) if codes else Motivo.SITUACION_NO_PREVISTA
    request = due.row.request
    return student_context(
        nombre=request.nombre if request else None,
        tipo=_TIPO_SHOWN.get(request.tipo, request.tipo.value) if request else "alta o baja",
        estado=Estado(due.estado),
        motivo=motivo,
        detalle=due.detalle,
        datos=due.datos,
        campus=mail.contact,
        nota=due.nota,
        corrige=due.corrige,
    )


def _order(notice: Notice) -> tuple[datetime, int, bool]:
    # a newer generation (a re-run, a corrected address) and the follow-up come after
    return (notice.updated_at, notice.generation, notice.kind == NoticeKind.APLICADA)


def notice_cells(
    rows: list[Row], cols: ColumnMap, notices: dict, tz: str
) -> tuple[list[CellWrite], list[tuple[str, str, int]]]:
    """ "Notificada el" cells for results not yet shown in the sheet."""
    by_key = {r.key: r for r in rows}
    latest: dict[str, Notice] = {}
    for notice in notices.values():
        if (
            notice.status in (NoticeStatus.SENT, NoticeStatus.FAILED, NoticeStatus.SHADOW)
            and notice.key in by_key
        ):
            known = latest.get(notice.key)
            if known is None or _order(notice) > _order(known):
                latest[notice.key] = notice
    cells, ids = [], []
    for key, notice in latest.items():
        if notice.cell_written and by_key[key].status.get("notificada", "").strip():
            continue  # in the sheet; an emptied or deleted cell is written back
        value = local_now_text(notice.updated_at, tz)
        if notice.kind == NoticeKind.APLICADA:
            value += " (seguimiento)"
        elif notice.kind == NoticeKind.DECISION:
            told = (notice.verdict or "").split(":")[0]
            label = Estado(told).etiqueta if told in Estado.__members__ else ""
            value += f" (decisión del personal: {label})" if label else " (decisión del personal)"
        if notice.status == NoticeStatus.FAILED:
            value = f"ERROR: {notice.detail or 'no enviado'}"
        elif notice.status == NoticeStatus.SHADOW:
            value = "no enviado (modo sombra)"
        cells.append(CellWrite(by_key[key].number, cols.status["notificada"], value, key))
        ids.append((notice.key, notice.kind, notice.generation))
    return cells, ids
