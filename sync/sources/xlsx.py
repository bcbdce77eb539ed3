"""A local .xlsx workbook as the response source (the embedded default).

Saves are atomic (write a temporary file, then rename) so a crash never leaves
a half-written workbook; the file keeps its mode and owner, a symlink stays a
link (its target is what gets replaced), and no temporary file outlives a
failed save. An open workbook (Excel or LibreOffice lock file) is reported
instead of overwritten. Merged cells in the status block are unmerged before
writing: openpyxl cannot write into a merged cell. Date status cells are `datetime`
/ `date` cells with a Spanish number format; the estado and «decisión del personal»
carry pick-lists that only warn.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from facultativo.errors.system import os_error
from facultativo.settings import Deps
from facultativo.settings import Table as TomlTable
from facultativo.sync.block import DEFAULT_BLOCK, Block
from facultativo.sync.sources.base import CellWrite, ResponseSource, SourceError, Table
from facultativo.sync.sources.xlsx_style import dress_new_block, pick_lists
from facultativo.sync.values import date_value

log = logging.getLogger("facultativo.sync")
_TEMP = ".facultativo-"
STALE_TEMP_SECONDS = 15 * 60  # a save takes seconds; older temporaries are a killed save's


class XlsxSource(ResponseSource):
    def __init__(self, path: Path, sheet: str | None = None, block: Block = DEFAULT_BLOCK) -> None:
        self.path = path
        self.sheet = sheet
        self.block = block  # the campus's status block: its headers, colours and lists
        self._seen: tuple[int, int, int] | None = None  # the file as last read or written

    def describe(self) -> str:
        return self.path.name

    def version(self) -> str | None:
        """The file as the disk has it: inode, size and modification time (a save by
        Excel or a new export changes at least one)."""
        try:
            st = self.path.stat()
        except OSError:
            return None
        # closing Excel (its lock file gone) counts: a cycle it blocked can run now
        return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{len(self._locks())}"

    def cannot_write(self) -> str | None:
        target = self.path.resolve()  # saves replace the link's target, next to it
        if not os.access(target, os.W_OK) or not os.access(target.parent, os.W_OK):
            return (
                f"{self.describe()}: sin permiso de escritura; da permiso al usuario del servicio."
            )
        return None

    def read(self) -> Table:
        self._refuse_if_open()
        return self.peek()

    def peek(self) -> Table:
        """The workbook as saved, open in Excel or not (reading never disturbs it)."""
        self._seen = _fingerprint(self.path)  # taken first: a save during the read shows
        book = self._open(data_only=True)
        ws = self._worksheet(book)
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        found = _mark(book)
        book.close()
        if not rows:
            raise SourceError(f"{self.describe()}: la hoja está vacía (falta el encabezado).")
        header = [("" if v is None else str(v)) for v in rows[0]]
        return Table(header, rows[1:], mark=found)

    def write(self, cells: list[CellWrite], mark: str | None = None) -> None:
        """Cells go where the last read found their rows: if anyone saved the workbook
        since, nothing is written (a sort may have moved them) and the cycle retries."""
        if not cells and mark is None:
            return
        self._refuse_if_open()
        self._unchanged_since_read()
        book = self._open(data_only=False)
        ws = self._worksheet(book)
        if mark is not None:
            _set_mark(book, mark)
        if cells:
            _unmerge(ws, cells)
        for cell in cells:
            target = ws.cell(row=cell.row, column=cell.col + 1)
            day = date_value(cell.value) if cell.date_format else None
            if day is not None:  # a date cell staff can sort and filter by
                target.value = day
                target.number_format = cell.date_format
                continue
            target.value = cell.value
            if isinstance(cell.value, str):
                target.data_type = "s"  # RAW: "=…" stays text, never a formula
        dress_new_block(ws, cells, self.block)
        pick_lists(ws, self.block)
        self._save(book)
        self._seen = _fingerprint(self.path)

    def _unchanged_since_read(self) -> None:
        if self._seen is not None and _fingerprint(self.path) != self._seen:
            raise SourceError(
                f"{self.describe()} se guardó mientras facultativo escribía; los resultados "
                "se escriben en el siguiente ciclo.",
                transient=True,
            )

    def _open(self, data_only: bool) -> Workbook:
        try:
            return load_workbook(self.path, data_only=data_only)
        except FileNotFoundError:
            raise SourceError(f"no existe el libro {self.path}.") from None
        except PermissionError:
            raise SourceError(f"{self.describe()}: sin permiso de lectura.", True) from None
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            log.debug("%s: %s", self.describe(), type(exc).__name__)
            raise SourceError(
                f"{self.describe()}: no es un libro .xlsx válido (está dañado, o es otro tipo "
                "de archivo con esa extensión); ábrelo y guárdalo de nuevo como .xlsx."
            ) from None

    def _worksheet(self, book: Workbook) -> Any:
        if self.sheet is None:  # the first tab that is not our hidden mark
            return next((w for w in book.worksheets if w.title != MARK_SHEET), book.worksheets[0])
        if self.sheet not in book.sheetnames:
            tabs = ", ".join(f"«{n}»" for n in book.sheetnames)
            raise SourceError(f"{self.describe()}: no hay una pestaña «{self.sheet}» (hay {tabs}).")
        return book[self.sheet]

    def _locks(self) -> list[Path]:
        """Excel's and LibreOffice's lock files for the workbook: opened through the link
        or through its target, either may hold one."""
        found = []
        for path in dict.fromkeys((self.path, self.path.resolve())):
            folder, name = path.parent, path.name
            for lock in (folder / f"~${name}", folder / f".~lock.{name}#"):
                if lock.exists():
                    found.append(lock)
        return found

    def held_open(self) -> str | None:
        for lock in self._locks()[:1]:
            return f"{self.path.name} está abierto en Excel o LibreOffice ({lock.name})"
        return None

    def _refuse_if_open(self) -> None:
        for lock in self._locks()[:1]:
            raise SourceError(
                f"{self.path.name} está abierto en Excel o LibreOffice ({lock.name}); ciérralo "
                "para que facultativo pueda procesar las respuestas.",
                transient=True,
            )

    def _save(self, book: Workbook) -> None:
        target = self.path.resolve()  # write through a symlink: the link stays a link
        try:
            before: os.stat_result | None = target.stat()
        except FileNotFoundError:
            before = None
        _remove_stale_temporaries(target)
        tmp: str | None = None
        try:
            fd, tmp = tempfile.mkstemp(
                prefix=f"{_TEMP}{target.stem}-", suffix=".xlsx", dir=target.parent
            )
            os.close(fd)
            book.save(tmp)
            if before is not None:
                _same_owner_and_mode(tmp, before)
            self._unchanged_since_read()  # last look: a save by staff is never overwritten
            os.replace(tmp, target)
        except PermissionError:
            raise SourceError(
                f"{self.describe()}: no se pudo guardar (¿abierto en otro programa?).", True
            ) from None
        except OSError as exc:
            raise SourceError(
                f"{self.describe()}: no se pudo guardar ({os_error(exc)}); "
                "revisa el espacio en disco y los permisos de la carpeta.",
                True,
            ) from None
        finally:
            if tmp is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)


MARK_SHEET = "facultativo"
_MARK_NOTE = (
    "No borres esta hoja: facultativo anota aquí qué instalación trabaja este libro, para que "
    "dos nunca le escriban a los mismos estudiantes."
)


def _mark(book: Workbook) -> str | None:
    """The ownership mark (sync/ownership.py): a hidden sheet, which travels with the file."""
    if MARK_SHEET not in book.sheetnames:
        return None
    value = book[MARK_SHEET].cell(2, 1).value
    return None if value is None else str(value)


def _set_mark(book: Workbook, mark: str) -> None:
    if MARK_SHEET in book.sheetnames:
        ws = book[MARK_SHEET]
    else:
        ws = book.create_sheet(MARK_SHEET)
        ws.sheet_state = "hidden"
    ws.cell(1, 1).value = _MARK_NOTE
    ws.cell(2, 1).value = mark
    ws.cell(2, 1).data_type = "s"


def _fingerprint(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.resolve().stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _same_owner_and_mode(tmp: str, before: os.stat_result) -> None:
    """The new file gets the old one's owner and permissions (mkstemp makes it 0600)."""
    with contextlib.suppress(PermissionError):  # only root may give a file away
        os.chown(tmp, before.st_uid, before.st_gid)
    with contextlib.suppress(PermissionError):  # file systems without modes (vfat, some shares)
        os.chmod(tmp, stat.S_IMODE(before.st_mode))


def _remove_stale_temporaries(target: Path) -> None:
    """A save killed between writing and renaming leaves its temporary file behind."""
    cutoff, prefix = time.time() - STALE_TEMP_SECONDS, f"{_TEMP}{target.stem}-"
    with contextlib.suppress(OSError):
        for old in target.parent.iterdir():
            if not (old.name.startswith(prefix) and old.name.endswith(".xlsx")):
                continue
            with contextlib.suppress(OSError):
                st = old.lstat()
                if stat.S_ISREG(st.st_mode) and st.st_mtime < cutoff:
                    old.unlink()


def _unmerge(ws: Any, cells: list[CellWrite]) -> None:
    """openpyxl's MergedCell is read-only: undo every merge that covers a cell to write."""
    targets = {(c.row, c.col + 1) for c in cells}
    cols = {col for _, col in targets}
    low, high = min(cols), max(cols)
    for merged in list(ws.merged_cells.ranges):
        if merged.max_col < low or merged.min_col > high:
            continue
        if any(
            merged.min_row <= row <= merged.max_row and merged.min_col <= col <= merged.max_col
            for row, col in targets
        ):
            log.warning("celdas combinadas %s separadas para escribir el estado", merged.coord)
            ws.unmerge_cells(merged.coord)


KIND = "xlsx"
TABLE = "source"  # its keys live in [campus.source]
STORE = "folder"  # the upload cells name files in a folder


@dataclass(frozen=True)
class Settings:
    """[campus.source] kind = "xlsx": the workbook the Form's responses were saved to."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"path", "sheet"})

    path: Path
    sheet: str | None = None  # tab name; the first tab when None

    @classmethod
    def from_table(cls, t: TomlTable) -> Settings:
        path = t.path("path")
        if path is None:
            t.problem(f'{t.where}.path falta: la ruta del libro, p. ej. "respuestas.xlsx".')
        return cls(path or t.base / "respuestas.xlsx", t.text("sheet") or None)

    def clashes(self, other: Settings) -> str | None:
        """Two campuses on one workbook would overwrite each other's results."""
        if _same_file(self.path) != _same_file(other.path):
            return None
        return (
            f"usan el mismo libro {other.path}: se pisarían los resultados; da a cada campus "
            "su propio libro (source.path)."
        )


def _same_file(path: Path) -> object:
    """The file behind a path however it is spelled (links, `..`, hard links)."""
    try:
        st = path.stat()
        return (st.st_dev, st.st_ino)
    except OSError:
        return str(path.resolve())


def build(settings: Settings, deps: Deps, block: Block) -> XlsxSource:
    """The workbook, written with the campus's status block (app/wiring.py)."""
    return XlsxSource(settings.path, settings.sheet, block)
