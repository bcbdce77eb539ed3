"""The batch as an Excel workbook: one sheet «Lote», every cell text (an NSS keeps its
leading 0 and Excel never turns it into a number or a formula) but the request's date,
a date cell staff can sort by."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from facultativo.validators.text import day_text

KIND = "xlsx"
SHEET = "Lote"
_WIDTHS = {"NSS": 14, "CURP": 22, "Observaciones": 50, "id": 30}


class Unreadable(ValueError):
    """Not a workbook openpyxl can read: why, in Spanish, for the user's one line."""


def write(stream: BinaryIO, header: list[str], rows: list[list[str | date]]) -> None:
    book = Workbook()
    ws = book.active
    ws.title = SHEET
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for values in rows:
        ws.append([None] * len(values))
        for col, value in enumerate(values, start=1):
            cell = ws.cell(ws.max_row, col)
            cell.value = value
            if isinstance(value, date):
                cell.number_format = "dd/mm/yyyy"
            else:
                cell.data_type = "s"  # text: «=…» stays text, an NSS keeps its 0
                cell.number_format = "@"
    for col, title in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(col)].width = _WIDTHS.get(title, 18)
    ws.freeze_panes = "A2"
    book.save(stream)


def read(path: Path) -> list[list[str]]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError):
        raise Unreadable(
            "no es un libro .xlsx válido (está dañado, o es otro tipo de archivo con esa extensión)"
        ) from None
    try:
        ws = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        return [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        book.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return day_text(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
