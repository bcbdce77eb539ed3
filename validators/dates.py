"""Dates as IMSS and people write them in Spanish."""

from __future__ import annotations

import re
from datetime import date

from facultativo.validators.text import fold

MESES = {
    "ENERO": 1,
    "FEBRERO": 2,
    "MARZO": 3,
    "ABRIL": 4,
    "MAYO": 5,
    "JUNIO": 6,
    "JULIO": 7,
    "AGOSTO": 8,
    "SEPTIEMBRE": 9,
    "SETIEMBRE": 9,
    "OCTUBRE": 10,
    "NOVIEMBRE": 11,
    "DICIEMBRE": 12,
}
_ABREV = {name[:3]: num for name, num in MESES.items()}
_MONTH = "(" + "|".join([*MESES, *_ABREV]) + r")\.?"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b"), "ymd"),
    (re.compile(r"\b(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})\b"), "dmy"),
    (
        re.compile(
            rf"\b(\d{{1,2}})(?:°|O(?=\s))?\s*(?:DE\s+|[-/.\s])\s*{_MONTH}"
            rf"\s*(?:DEL?\s+|[-/.,\s])\s*(\d{{4}})\b"
        ),
        "dMy",
    ),
    (re.compile(rf"\b{_MONTH}\s+(\d{{1,2}}),?\s+(?:DE\s+|DEL\s+)?(\d{{4}})\b"), "Mdy"),
]


def _month(token: str) -> int:
    token = token.rstrip(".")
    return MESES.get(token) or _ABREV[token[:3]]


def find_dates(text: str) -> list[tuple[int, date]]:
    """Every valid date in `text`, with its position, in reading order."""
    folded = fold(text)
    found: dict[int, date] = {}
    for pattern, kind in _PATTERNS:
        for m in pattern.finditer(folded):
            try:
                if kind == "ymd":
                    y, mo, d = int(m[1]), int(m[2]), int(m[3])
                elif kind == "dmy":
                    d, mo, y = int(m[1]), int(m[2]), int(m[3])
                elif kind == "dMy":
                    d, mo, y = int(m[1]), _month(m[2]), int(m[3])
                else:
                    mo, d, y = _month(m[1]), int(m[2]), int(m[3])
                found.setdefault(m.start(), date(y, mo, d))
            except ValueError:
                continue
    return sorted(found.items())


def first_date(text: str) -> date | None:
    dates = find_dates(text)
    return dates[0][1] if dates else None
