"""Step 4-5 of the cycle: send the emails that are due, then note them in the sheet.

Intent is recorded before each send and the result after it, so a crash
between the two resends that one message at most (at-least-once delivery).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jinja2 import Environment, TemplateError

from facultativo.notifiers import Sender, SendError, compose
from facultativo.notifiers.compose import (
    TemplateProblem,
    student_context,
    template_for,
    template_problem,
    to_message,
)
from facultativo.sync.columns import ColumnMap
from facultativo.sync.ledger import Ledger
from facultativo.sync.model import Due, Notice, NoticeKind, NoticeStatus
from facultativo.sync.privacy import mask_email, scrub
from facultativo.sync.rows import Row
from facultativo.sync.sources import CellWrite
from facultativo.sync.values import local_now_text
from facultativo.validators import Estado, Motivo, Tipo
from facultativo.validators.text import clip

log = logging.getLogger("facultativo.sync")
INVALID_ADDRESS = "dirección no válida"
# A refusal that may pass (4xx: greylisting, a rate limit; a dropped connection) is tried
# again on a clock, not every cycle: 1, 2, 4… minutes, then every 6 hours, and the email
# is given up (ERROR in «notificada el») after a day of failures.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
GIVE_UP_AFTER = timedelta(hours=24)


def retry_wait(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try."""
    return min(FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 20), LONGEST_WAIT)


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
        _intend(due, ledger, mail, now)
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
    replay: bool = False,
) -> Counter[str]:
    """`replay`: IT fixed the relay; every email waiting for its next try goes now."""
    counts: Counter[str] = Counter()
    if not dues:
        return counts
    campus = mail.campus_name
    known = ledger.notices(campus)
    if not replay:
        later = [d for d in dues if _waiting(known.get((d.row.key, d.kind, d.generation)), now())]
        if later:
            counts["waiting"] += len(later)
            dues = [d for d in dues if d not in later]
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
            "correo no disponible (%s); %d mensajes se intentan de nuevo más tarde", exc, len(dues)
        )
        for due in dues:  # each waits its own clock: a relay down is not tried every cycle
            _intend(due, ledger, mail, now())  # the relay's (or its password's) fault, never
            _record_unsent(due, ledger, mail, known, now, str(exc), True, False, quiet=True)
        counts["retry"] += len(dues)
        return counts
    try:
        for i, due in enumerate(dues):
            if stopping():  # shutting down: the rest stay pending for the next start
                counts["retry"] += len(dues) - i
                break
            status = _send_one(due, sender, ledger, mail, known, now, checkpoint)
            counts[status] += 1
            checkpoint("sent")
    finally:
        sender.close()
    return counts


def _waiting(notice: Notice | None, now: datetime) -> bool:
    """A failed email whose next try has not come yet."""
    return bool(
        notice is not None
        and notice.status == NoticeStatus.RETRY
        and notice.next_try_at is not None
        and notice.next_try_at > now
    )


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
    known: Mapping[tuple[str, str, int], Notice],
    now: Callable[[], datetime],
    checkpoint: Callable[[str], None],
) -> str:
    """Send one email and record how it went; the status recorded."""
    message_id = _intend(due, ledger, mail, now())
    if not due.row.email:  # the exact address in the cell, or nobody
        return _record(due, ledger, mail, now(), NoticeStatus.FAILED, INVALID_ADDRESS)
    checkpoint("intent")
    try:
        estado = Estado(due.estado)
        email = compose(
            mail.env, template_for(due.kind, estado), due.row.email, message_id, _context(due, mail)
        )
        date = now().astimezone(ZoneInfo(mail.timezone))
        message = to_message(email, mail.from_address, mail.contact.get("email", ""), date)
    except TemplateError as exc:  # a campus's own template is broken: fix it, then it goes out
        line = str(exc) if isinstance(exc, TemplateProblem) else template_problem(exc, "")
        log.error("%s; el correo queda pendiente hasta que se corrija", line)
        detail = clip(line, 200)
        return _record(due, ledger, mail, now(), NoticeStatus.RETRY, detail)
    except Exception as exc:  # one row's message never stops the others
        log.error("fila %d: no se pudo preparar el correo (%s)", due.row.number, type(exc).__name__)
        detail = f"no se pudo preparar el correo ({type(exc).__name__})"
        return _record(due, ledger, mail, now(), NoticeStatus.FAILED, detail)
    try:
        sender.deliver(message, due.row.number, mask_email(due.row.email))
        checkpoint("delivered")  # the duplicate window: sent, not yet recorded
    except SendError as exc:
        gives_up = not exc.relay  # the relay refusing us is IT's to fix, never the student's
        return _record_unsent(due, ledger, mail, known, now, str(exc), exc.transient, gives_up)
    except Exception as exc:  # a sender's surprise is this row's, retried like a cut connection
        detail = f"error inesperado ({type(exc).__name__})"
        return _record_unsent(due, ledger, mail, known, now, detail, True)
    _record(due, ledger, mail, now(), NoticeStatus.SENT, None)
    ledger.supersede(mail.campus_name, due.row.key, due.kind, due.generation)
    return NoticeStatus.SENT


def _intend(due: Due, ledger: Ledger, mail: MailContext, at: datetime) -> str:
    """Recorded before the send (a crash mid-send is seen and retried); the Message-ID."""
    message_id = f"<{due.kind}.{due.generation}.{due.row.key}@{_domain(mail)}>"
    told = (due.row.email_key, due.verdict)
    ledger.intend(mail.campus_name, due.row.key, due.kind, due.generation, message_id, at, told)
    return message_id


def _record(
    due: Due,
    ledger: Ledger,
    mail: MailContext,
    at: datetime,
    status: str,
    detail: str | None,
    next_try: datetime | None = None,
) -> str:
    detail = scrub(detail) if detail else detail  # servers echo the address back
    key, kind, generation = due.row.key, due.kind, due.generation
    ledger.sent(mail.campus_name, key, kind, generation, status, detail, at, next_try)
    return status


def _record_unsent(
    due: Due,
    ledger: Ledger,
    mail: MailContext,
    known: Mapping[tuple[str, str, int], Notice],
    now: Callable[[], datetime],
    detail: str,
    transient: bool,
    gives_up: bool = True,
    quiet: bool = False,
) -> str:
    """A refusal that may pass waits its turn on the clock; one that will not (5xx, an
    invalid address), or a day of them, is the email's ERROR. `gives_up`: False when the
    server could not be reached at all: no address is at fault, the email only waits.
    `quiet`: the caller already logged the one reason for all of them."""
    at = now()
    notice = known.get((due.row.key, due.kind, due.generation))
    attempts = (notice.attempts if notice else 0) + 1
    since = notice.failing_since if notice and notice.failing_since else at
    (log.debug if quiet else log.warning)(  # quiet: the server's line was said once
        "fila %d: correo a %s no enviado: %s",
        due.row.number,
        mask_email(due.row.email or ""),
        scrub(detail),
    )
    if transient and (not gives_up or at - since < GIVE_UP_AFTER):
        wait = at + retry_wait(attempts)
        return _record(due, ledger, mail, at, NoticeStatus.RETRY, clip(detail, 200), wait)
    if transient:
        detail = f"sin éxito durante 24 horas: {detail}"
    return _record(due, ledger, mail, at, NoticeStatus.FAILED, clip(detail, 200))


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
