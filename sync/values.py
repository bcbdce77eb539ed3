"""Cell values as they come from a workbook or the Sheets API → typed request fields.

A broken cell never raises: it becomes a RowProblem the cycle can show.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email

from facultativo.validators import Tipo
from facultativo.validators.text import fold, moment_text

SHEETS_EPOCH = datetime(1899, 12, 30)
MAX_ADDRESS = 320  # longer than any address SMTP can carry


class RowProblem(ValueError):
    """A cell the cycle cannot use; the message is for staff, in Spanish. `final`: waiting
    will not fix it (staff must look now), as opposed to a cell still being filled."""

    def __init__(self, message: str, final: bool = False) -> None:
        super().__init__(message)
        self.final = final


def timestamp(value: object, tz: str) -> datetime:
    """A response timestamp, aware, in the spreadsheet's time zone."""
    zone = ZoneInfo(tz)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=zone)
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 < value < 80000:
        return (SHEETS_EPOCH + timedelta(days=float(value))).replace(tzinfo=zone)
    if isinstance(value, str) and value.strip():
        parsed = _parse_text_timestamp(value.strip())
        if parsed:
            return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed
    raise RowProblem(f"marca temporal ilegible: «{str(value)[:40]}»")


def _parse_text_timestamp(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def tipo(value: object, options: Mapping[str, Tipo] | None = None) -> Tipo:
    """ALTA or BAJA as the answer chooses it; anything else (both, neither, a negated
    choice) is DESCONOCIDO, for staff, never a silent ALTA (a baja answered as an alta
    tells an enrolled student «ya tienes seguro facultativo»).

    The choice is the answer's leading one: a Form option explains itself after it
    («Alta (no tengo ningún seguro médico)», «Baja, ya no soy estudiante»), and only a
    «no»/«ni» before the choice negates it. `options`: the campus's own option texts
    ([campus.columns] alta/baja), folded, which settle any wording."""
    text = fold(str(value or ""))
    if options and " ".join(text.split()) in options:
        return options[" ".join(text.split())]
    chosen: list[Tipo] = []
    for clause in _CLAUSES.split(_ASIDES.sub(" ", text)):
        words = re.findall(r"[A-Z]+", clause)
        picks = [w for w in words if w in ("ALTA", "BAJA")]
        if not picks:
            continue
        first = words.index(picks[0])
        if set(picks) == {"ALTA", "BAJA"} or _NEGATIONS & set(words[:first]):
            if not chosen:
                return Tipo.DESCONOCIDO  # «Alta o baja», «No quiero el alta»
            continue  # «Alta, no baja»: the choice was made, this explains it
        if chosen and first > 0:
            continue  # «Baja - ya estoy dado de alta por mi trabajo»: an explanation
        chosen.append(Tipo.ALTA if picks[0] == "ALTA" else Tipo.BAJA)
    # «Alta, Baja» (checkboxes, joined by the Form): both chosen is no answer to act on
    return chosen[0] if len(set(chosen)) == 1 else Tipo.DESCONOCIDO


_ASIDES = re.compile(r"\([^)]*\)?|\[[^\]]*\]?")  # «(no tengo ningún seguro médico)»
_CLAUSES = re.compile(r"[,;:.!?]|\s[-–—]\s|\s[-–—]|[-–—]\s")  # where the explanation starts
_NEGATIONS = {"NO", "NI", "NUNCA", "TAMPOCO", "SIN"}


def email(value: object) -> str | None:
    """The student's address: the whole cell as one address, or None (nobody).

    Never a piece of the cell: «o'hugo.vargas@…» is that address, «ana martinez@…» and
    «mailto:ana@…» are nobody's. The check is RFC 5322's addr-spec (email-validator,
    no DNS); the domain goes out in its IDNA form. A non-ASCII local part would need
    SMTPUTF8, which not every campus server offers, so it counts as invalid.
    """
    text = str(value).strip() if value is not None else ""
    if not text or len(text) > MAX_ADDRESS:
        return None
    try:
        found = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return found.ascii_email


def nss(value: object) -> str | None:
    """The NSS as typed. A number cell lost its leading zero (Sheets and Excel drop it):
    «3190312342» is «03190312342», never a wrong NSS_INVALIDO."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and 0 < value < 1e11 and float(value).is_integer():  # type: ignore[operator,arg-type]
        return f"{int(value):011d}"  # type: ignore[call-overload]
    return text(value, 40)


def text(value: object, limit: int = 200) -> str | None:
    """A short free-text answer; None when empty. Oversized cells are cut."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an NSS typed into a number-formatted column
    out = " ".join(str(value).split())[:limit]
    return out or None


def local_now_text(moment: datetime, tz: str) -> str:
    """How facultativo keeps the times it writes in the sheet: local time, minutes
    («procesada el» goes in as a date: `date_value`; «notificada el» as this text)."""
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def local_text(moment: datetime, tz: str) -> str:
    """A moment as sentences staff and students read show it: «16/11/2026 10:15», local."""
    return moment_text(moment.astimezone(ZoneInfo(tz)))


_KEPT_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?")
_DATE_TEXTS = ("%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")
SERIALS = (20000, 80000)  # 1954 to 2119: a number outside is no date facultativo wrote


def date_value(text: str) -> date | datetime | None:
    """A date status cell as facultativo keeps it («2026-11-16», or «2026-11-16 10:15»
    in the campus's local time) as the date the sheet gets; None for any other text."""
    text = text.strip()
    if not _KEPT_DATE.fullmatch(text):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if " " in text else moment.date()


def serial(value: date | datetime) -> float:
    """Days since 1899-12-30, how Sheets (and Excel) count dates: a date written RAW."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    delta = value.replace(tzinfo=None) - SHEETS_EPOCH
    return delta.days + delta.seconds / 86400


def date_text(value: object, with_time: bool) -> str | None:
    """A date status cell read back, as facultativo keeps it: «2026-11-16», or with
    `with_time` «2026-11-16 10:15». It may hold a serial number (Google, unformatted), a
    datetime (a workbook) or text (written before these cells were dates, or typed:
    «2026-11-16 10:15», «16/11/2026»). None when it holds no date: staff's words stay."""
    moment: datetime | None = None
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=None)
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if SERIALS[0] < value < SERIALS[1]:
            moment = SHEETS_EPOCH + timedelta(minutes=round(float(value) * 1440))
    elif isinstance(value, str):
        moment = _date_in_text(value.strip())
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%d %H:%M") if with_time else moment.date().isoformat()


def _date_in_text(text: str) -> datetime | None:
    if _KEPT_DATE.fullmatch(text):
        found = date_value(text)
        if isinstance(found, datetime):
            return found
        return datetime(found.year, found.month, found.day) if found else None
    for fmt in _DATE_TEXTS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None
