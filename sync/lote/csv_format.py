"""The batch as CSV: UTF-8 with a byte order mark (Excel then shows «Martínez», not
«MartÃ­nez»), comma-separated, one header row, CRLF line ends as Excel writes them.

Excel opening a CSV turns a number-looking cell into a number: an NSS starting with 0
shows without it there (the file itself keeps it; the .xlsx keeps it on screen too). A
text that starts with =, +, - or @ would be taken for a formula: it gets a leading
apostrophe, as OWASP advises. Reading accepts what Excel saves back: UTF-8 with or
without the mark, or Windows-1252 («CSV (delimitado por comas)»), and «;» as separator.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import BinaryIO

from facultativo.validators.text import day_text

KIND = "csv"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def write(stream: BinaryIO, header: list[str], rows: list[list[str | date]]) -> None:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    out = csv.writer(text, lineterminator="\r\n")
    out.writerow(header)
    for row in rows:
        out.writerow([_cell(v) for v in row])
    text.flush()
    text.detach()


def _cell(value: str | date) -> str:
    if isinstance(value, date):
        return day_text(value)
    return "'" + value if value.startswith(_FORMULA) else value


def read(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    separator = max((",", ";", "\t"), key=first.count)
    try:
        rows = csv.reader(io.StringIO(text), delimiter=separator)
        return [[c.strip() for c in row] for row in rows]
    except csv.Error:
        raise ValueError(
            "no tiene la forma de un .csv (está dañado, o es otro tipo de archivo con esa "
            "extensión)"
        ) from None
