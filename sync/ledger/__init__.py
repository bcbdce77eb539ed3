"""The ledger: what the worker decided, wrote and sent, per response (SQLite, WAL).

The sheet is what staff see; the ledger is how the worker knows which of the
sheet's estados it wrote itself, what is still to be written after a crash,
and which emails went out. It is the memory of what was decided and sent: a
status block lost from the sheet is written back from it.

One module per thing remembered: `responses` (verdicts and written cells),
`notices` (emails), `cycles` (cycles, heartbeat, digests), `meta` (the ledger's own id
and install), `events` (each response's history, for `facultativo historial`);
`migrations` holds the schema and its numbered steps, `store` the connection.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from facultativo.sync.ledger.cycles import Cycles
from facultativo.sync.ledger.events import Event, EventKind
from facultativo.sync.ledger.meta import Meta
from facultativo.sync.ledger.migrations import VERSION as SCHEMA_VERSION
from facultativo.sync.ledger.notices import Notices
from facultativo.sync.ledger.responses import Responses
from facultativo.sync.ledger.store import LedgerError, problem
from facultativo.sync.model import Entry

__all__ = ["SCHEMA_VERSION", "Event", "EventKind", "Ledger", "LedgerError"]


class Ledger(Responses, Notices, Cycles, Meta):
    @classmethod
    def snapshot(cls, path: Path) -> Ledger:
        """An in-memory copy for dry runs: reads what is there, changes nothing on disk."""
        memory = sqlite3.connect(":memory:", isolation_level=None)
        if path.exists():
            try:
                source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                try:
                    source.backup(memory)
                finally:
                    source.close()
            except sqlite3.DatabaseError as exc:  # not a database, unreadable, locked
                raise LedgerError(problem("leer", path, exc)) from None
        return cls(path, memory)

    @classmethod
    def entries_on_disk(cls, path: Path, campus: str) -> dict[str, Entry]:
        """What the ledger file knows of a campus, read from a snapshot (for commands that
        only look: `check`, `informe`)."""
        snapshot = cls.snapshot(path)
        try:
            return snapshot.entries(campus)
        finally:
            snapshot.close()
