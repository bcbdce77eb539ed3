"""The SQLite file underneath the ledger: opening it safely, and one transaction helper."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from facultativo.validators.text import os_error

from .migrations import TooNew, migrate


class LedgerError(Exception):
    """The ledger file cannot be opened or written; the message names the fix."""


# Campuses of one service open the same new ledger at once: switching it to WAL and
# creating the schema are done by one thread at a time ("database is locked" otherwise).
_OPENING = threading.Lock()
_SQLITE_ES = {
    "database is locked": "la usa otro proceso en este momento",
    "file is not a database": "el archivo no es una bitácora de facultativo",
    "unable to open database file": "no se pudo abrir el archivo",
    "disk I/O error": "error de lectura o escritura del disco",
    "database or disk is full": "el disco está lleno",
    "attempt to write a readonly database": "es de solo lectura",
}


def why(exc: BaseException) -> str:
    """SQLite's and the system's words, in Spanish."""
    if isinstance(exc, OSError):
        return os_error(exc)
    return _SQLITE_ES.get(str(exc), str(exc))


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
        except (sqlite3.DatabaseError, OSError) as exc:
            raise LedgerError(
                f"no se pudo abrir la bitácora {path} ({why(exc)}); revisa permisos y espacio en "
                "disco."
            ) from None

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
            raise LedgerError(
                f"no se pudo escribir en la bitácora {self.path}: {why(exc)}."
            ) from None
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
