"""A local .xlsx workbook as the response source (the embedded default).

Saves are atomic (write a temporary file, then rename) so a crash never leaves
a half-written workbook; an open workbook (Excel or LibreOffice lock file) is
reported instead of overwritten.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from .base import CellWrite, ResponseSource, SourceError, Table


class XlsxSource(ResponseSource):
    def __init__(self, path: Path, sheet: str | None = None) -> None:
        self.path = path
        self.sheet = sheet

    def describe(self) -> str:
        return self.path.name

    def cannot_write(self) -> str | None:
        if not os.access(self.path, os.W_OK) or not os.access(self.path.parent, os.W_OK):
            return (
                f"{self.describe()}: sin permiso de escritura; da permiso al usuario del servicio."
            )
        return None

    def read(self) -> Table:
        book = self._open(data_only=True)
        ws = self._worksheet(book)
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        book.close()
        if not rows:
            raise SourceError(f"{self.describe()}: la hoja está vacía (falta el encabezado).")
        header = [("" if v is None else str(v)) for v in rows[0]]
        return Table(header, rows[1:])

    def write(self, cells: list[CellWrite]) -> None:
        if not cells:
            return
        self._refuse_if_open()
        book = self._open(data_only=False)
        ws = self._worksheet(book)
        for cell in cells:
            target = ws.cell(row=cell.row, column=cell.col + 1)
            target.value = cell.value
            if isinstance(cell.value, str):
                target.data_type = "s"  # RAW: "=…" stays text, never a formula
        self._save(book)

    def _open(self, data_only: bool) -> Workbook:
        self._refuse_if_open()
        try:
            return load_workbook(self.path, data_only=data_only)
        except FileNotFoundError:
            raise SourceError(f"no existe el libro {self.path}.") from None
        except PermissionError:
            raise SourceError(f"{self.describe()}: sin permiso de lectura.", True) from None
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise SourceError(
                f"{self.describe()}: no es un libro .xlsx válido ({type(exc).__name__}); "
                "ábrelo y guárdalo de nuevo como .xlsx."
            ) from None

    def _worksheet(self, book: Workbook) -> Any:
        if self.sheet is None:
            return book.worksheets[0]
        if self.sheet not in book.sheetnames:
            tabs = ", ".join(f"«{n}»" for n in book.sheetnames)
            raise SourceError(f"{self.describe()}: no hay una pestaña «{self.sheet}» (hay {tabs}).")
        return book[self.sheet]

    def _refuse_if_open(self) -> None:
        folder, name = self.path.parent, self.path.name
        for lock in (folder / f"~${name}", folder / f".~lock.{name}#"):
            if lock.exists():
                raise SourceError(
                    f"{name} está abierto en Excel o LibreOffice ({lock.name}); ciérralo para "
                    "que facultativo pueda escribir los resultados.",
                    transient=True,
                )

    def _save(self, book: Workbook) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".facultativo-", suffix=".xlsx", dir=self.path.parent)
        os.close(fd)
        try:
            book.save(tmp)
            os.replace(tmp, self.path)
        except PermissionError:
            raise SourceError(
                f"{self.describe()}: no se pudo guardar (¿abierto en otro programa?).", True
            ) from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
