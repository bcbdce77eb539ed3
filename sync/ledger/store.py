"""The SQLite file underneath the ledger: opening it safely, and one transaction helper."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from facultativo.errors import OperationalError, SetupError
from facultativo.errors.system import os_error
from facultativo.sync.ledger.migrations import TooNew, migrate


class LedgerError(OperationalError):
    """The ledger file cannot be opened or written; the message names the fix."""


class LedgerPlace(SetupError):
    """[ledger] path is a folder, or runs through a file: no retry will open it."""


# Campuses of one service open the same new ledger at once: switching it to WAL and
# creating the schema are done by one thread at a time ("database is locked" otherwise).
_OPENING = threading.Lock()
_RESTORE = (
    "con el servicio detenido, restaura la copia de respaldo más reciente de la bitácora, "
    "o mueve este archivo a otro nombre y ejecuta `facultativo adoptar` para reconstruirla "
    "desde la hoja"
)
# SQLite's messages (their start) -> (what happened, what to do), in Spanish.
_SQLITE_ES = {
    "database disk image is malformed": ("el archivo está dañado", _RESTORE),
    "file is not a database": (
        "el archivo no es una bitácora de facultativo",
        f"revisa [ledger] path en facultativo.toml; si es la bitácora y se dañó, {_RESTORE}",
    ),
    "database is locked": (
        "la usa otro proceso en este momento",
        "espera a que termine o detén el otro facultativo (p. ej. `systemctl stop facultativo` "
        "antes de un `sync --once`)",
    ),
    "disk I/O error": (
        "error de lectura o escritura del disco",
        f"revisa el disco y su espacio libre (`df -h`, `dmesg`); si el archivo quedó dañado, "
        f"{_RESTORE}",
    ),
    "unable to open database file": (
        "no se pudo abrir el archivo",
        "revisa que la carpeta exista y que el usuario del servicio pueda escribir en ella "
        "(SQLite crea ahí los archivos -wal y -shm)",
    ),
    "attempt to write a readonly database": (
        "es de solo lectura para este usuario",
        "revisa dueño y permisos del archivo y de su carpeta (deben ser del usuario del "
        "servicio, p. ej. `chown facultativo`)",
    ),
    "database or disk is full": (
        "el disco está lleno",
        "libera espacio en el disco de la bitácora (`df -h`)",
    ),
}


def why(exc: BaseException) -> str:
    """SQLite's and the system's words, in Spanish; SQLite's own English never shows."""
    return _explained(exc)[0]


def problem(action: str, path: Path, exc: BaseException) -> str:
    """One line: what could not be done to the ledger at `path`, why, and what to do."""
    reason, fix = _explained(exc)
    return f"no se pudo {action} la bitácora {path} ({reason}); {fix}."


def _explained(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, OSError):
        return os_error(exc), "revisa permisos y espacio en disco"
    text = str(exc)
    for start, known in _SQLITE_ES.items():
        if text.startswith(start):
            return known
    code = getattr(exc, "sqlite_errorname", "")  # e.g. SQLITE_IOERR_SHORT_READ
    return f"error de SQLite{f' {code}' if code else ''}", f"si se repite, {_RESTORE}"


class Store:
    """A connection (WAL, synchronous FULL) with the schema brought up to date."""

    def __init__(self, path: Path, db: sqlite3.Connection | None = None) -> None:
        self.path = path
        # What events are stamped with when a change comes without its time: the cycle
        # sets its own clock (sync/cycle.py), so a history reads in one time.
        self.clock: Callable[[], datetime] = utcnow
        with _OPENING:
            self._open(path, db)

    def _open(self, path: Path, db: sqlite3.Connection | None) -> None:
        try:
            if db is None:
                path.parent.mkdir(parents=True, exist_ok=True)
                # Created 0600 (whatever the umask): SQLite gives -wal and -shm the same mode.
                os.close(os.open(path, os.O_RDONLY | os.O_CREAT, 0o600))
                db = sqlite3.connect(path, timeout=30, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
            db.row_factory = sqlite3.Row
            self.db = db
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA busy_timeout=30000")
            migrate(self.db)
        except TooNew:
            raise LedgerError(f"{path} es de una versión más nueva de facultativo.") from None
        except IsADirectoryError:
            raise LedgerPlace(
                f"la bitácora {path} es una carpeta: en [ledger] path escribe la ruta de un "
                "archivo, p. ej. facultativo.db."
            ) from None
        except (NotADirectoryError, FileExistsError):
            raise LedgerPlace(
                f"la bitácora {path} no se puede crear: una parte de la ruta es un archivo, no "
                "una carpeta; revisa [ledger] path."
            ) from None
        except (sqlite3.DatabaseError, OSError) as exc:
            raise LedgerError(problem("abrir", path, exc)) from None

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            yield self.db
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise LedgerError(problem("escribir en", self.path, exc)) from None
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
