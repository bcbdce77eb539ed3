"""Cell values as they come from a workbook or the Sheets API → typed request fields.

A broken cell never raises: it becomes a RowProblem the cycle can show.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from facultativo.validators import Tipo
from facultativo.validators.text import fold

SHEETS_EPOCH = datetime(1899, 12, 30)
EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[A-Za-z]{2,}")


class RowProblem(ValueError):
    """A cell the cycle cannot use; the message is for staff, in Spanish."""


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


def tipo(value: object) -> Tipo:
    """Alta unless the answer says baja; an unknown answer is a row problem."""
    text = fold(str(value or ""))
    if not text:
        return Tipo.ALTA
    has_alta, has_baja = "ALTA" in text, "BAJA" in text
    if has_baja and not has_alta:
        return Tipo.BAJA
    if has_alta and not has_baja:
        return Tipo.ALTA
    raise RowProblem(f"tipo de solicitud no reconocido: «{str(value)[:40]}» (esperaba Alta o Baja)")


def email(value: object) -> str | None:
    """The student's address, or None when the cell does not hold exactly one."""
    found = EMAIL.findall(str(value or ""))
    return found[0].lower() if len(found) == 1 else None


def text(value: object, limit: int = 200) -> str | None:
    """A short free-text answer; None when empty. Oversized cells are cut."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an NSS typed into a number-formatted column
    out = " ".join(str(value).split())[:limit]
    return out or None


def local_now_text(moment: datetime, tz: str) -> str:
    """How timestamps we write look in the sheet: local time, minutes."""
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
