"""The batch file: written for staff's eyes only, read back for `--aplicar`.

It holds NSS and CURP in full (IMSS needs them): it is created with permissions 0600
(only the user who made it reads it), through a temporary file in the same folder that
replaces the target at once, so no reader ever sees half a file and a file that was
there with wider permissions is replaced by a private one. The format is chosen by the
extension (sync/lote FORMATS). Its last column is always «id», the response's id, so
that `--aplicar` marks exactly the rows the file lists, wherever they are in the sheet.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from facultativo.errors import OperationalError
from facultativo.errors.system import os_error
from facultativo.sync.lote import FORMATS
from facultativo.sync.lote.batch import COLUMNS, ID, Record
from facultativo.validators.text import fold

PRIVATE = 0o600


class LoteError(OperationalError):
    """The batch file cannot be written or read: one Spanish line with the fix."""


@dataclass(frozen=True)
class Listed:
    """One row of a batch file, as `--aplicar` reads it."""

    line: int  # its row in the file (the header is 1)
    key: str  # the response's id
    nss: str
    curp: str
    tipo: str


def format_of(path: Path) -> ModuleType:
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        shown = ", ".join(f".{k}" for k in FORMATS.kinds())
        raise LoteError(
            f"{path.name}: el lote se escribe como {shown}; usa una de esas extensiones."
        )
    return FORMATS[kind]


def write(path: Path, columns: Sequence[str], records: Sequence[Record]) -> None:
    """The batch, `columns` in that order and «id» last, readable by its owner only."""
    module = format_of(path)
    header = [COLUMNS[c] for c in columns] + [ID]
    rows = [[r.values[c] for c in columns] + [r.key] for r in records]
    folder = path.parent if str(path.parent) else Path(".")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".lote-", suffix=path.suffix, dir=folder)
        os.fchmod(fd, PRIVATE)  # mkstemp's mode already; said for whoever reads this
        with os.fdopen(fd, "wb") as stream:
            module.write(stream, header, rows)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise LoteError(f"no se pudo escribir {path}: {os_error(exc)}.") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


_NEEDED = {"nss": COLUMNS["nss"], "curp": COLUMNS["curp"], "tipo": COLUMNS["tipo"]}


def is_lote(path: Path) -> bool:
    """Whether the file at `path` is a batch facultativo wrote (its header has «id», NSS,
    CURP and Tipo, in the format its extension says): what `--salida` may replace without
    `--reemplazar`. Anything unreadable is not one."""
    try:
        module = format_of(path)
        table = module.read(path)
    except Exception:  # whatever cannot be read as a batch is not one: never replaced unasked
        return False
    header = {fold(h) for h in table[0]} if table else set()
    return {fold(ID), *(fold(t) for t in _NEEDED.values())} <= header


def read(path: Path) -> list[Listed]:
    """The rows of a batch file, by their headers (the columns may be in any order)."""
    module = format_of(path)
    try:
        table = module.read(path)
    except FileNotFoundError:
        raise LoteError(f"no existe el archivo {path}.") from None
    except OSError as exc:
        raise LoteError(f"no se pudo leer {path}: {os_error(exc)}.") from None
    except ValueError as exc:
        raise LoteError(
            f"{path.name} no se pudo leer: {exc}; usa el archivo que escribió facultativo lote."
        ) from None
    if not table:
        raise LoteError(f"{path.name} está vacío: usa el archivo que escribió facultativo lote.")
    header = [fold(h) for h in table[0]]
    if fold(ID) not in header:
        raise LoteError(
            f"{path.name} no tiene la columna «id» (la última del lote): sin ella no se sabe "
            "qué respuesta es cada fila; usa el archivo que escribió facultativo lote."
        )
    at = {
        name: header.index(fold(title)) for name, title in _NEEDED.items() if fold(title) in header
    }
    missing = [f"«{title}»" for name, title in _NEEDED.items() if name not in at]
    if missing:
        if len(missing) == 1:
            what, verb = f"la columna {missing[0]}", "la compara"
        else:
            names = f"{', '.join(missing[:-1])} y {missing[-1]}"
            what, verb = f"las columnas {names}", "las compara"
        raise LoteError(
            f"{path.name} no tiene {what}: --aplicar {verb} con la hoja antes de marcar cada "
            "fila; usa el archivo que escribió facultativo lote."
        )
    key_at = header.index(fold(ID))

    def cell(row: list[str], col: int) -> str:
        return row[col].strip() if col < len(row) else ""

    listed = []
    for line, row in enumerate(table[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        listed.append(
            Listed(
                line,
                cell(row, key_at),
                cell(row, at["nss"]),
                cell(row, at["curp"]),
                cell(row, at["tipo"]),
            )
        )
    return listed
