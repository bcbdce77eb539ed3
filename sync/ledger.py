"""The ledger: what the worker decided, wrote and sent, per response (SQLite, WAL).

The sheet is what staff see; the ledger is how the worker knows which of the
sheet's estados it wrote itself, what is still to be written after a crash,
and which emails went out. It is the memory of what was decided and sent: a
status block lost from the sheet is written back from it. Its copy of the
written cells has NSS, CURP and addresses masked; the full cells live only
while waiting to be written (cleared once they are in the sheet).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 5
_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    campus TEXT NOT NULL,
    key TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    estado TEXT,
    motivos TEXT,
    checksums TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    pending_cells TEXT,
    written_label TEXT,
    decided_at TEXT,
    written_at TEXT,
    staff_label TEXT,
    validations INTEGER NOT NULL DEFAULT 0,
    datos TEXT,
    written_cells TEXT,
    previous_estado TEXT,
    previous_motivos TEXT,
    loose_key TEXT,
    PRIMARY KEY (campus, key)
);
CREATE TABLE IF NOT EXISTS notifications (
    campus TEXT NOT NULL,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    generation INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    detail TEXT,
    updated_at TEXT NOT NULL,
    cell_written INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campus, key, kind, generation)
);
CREATE TABLE IF NOT EXISTS digests (
    campus TEXT NOT NULL,
    sent_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS service (
    campus TEXT PRIMARY KEY,
    pid INTEGER,
    started_at TEXT,
    next_run_at TEXT,
    updated_at TEXT
);
CREATE TABLE IF NOT EXISTS cycles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campus TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    seconds REAL,
    summary TEXT
);
"""


class LedgerError(Exception):
    """The ledger file cannot be opened or written; the message names the fix."""


@dataclass(frozen=True)
class Entry:
    key: str
    generation: int
    estado: str | None
    motivos: str | None
    attempts: int
    next_attempt_at: datetime | None
    pending_cells: dict[str, str] | None
    written_label: str | None
    staff_label: str | None
    validations: int
    datos: dict[str, str]
    written_cells: dict[str, str] | None = None  # what is in the sheet, to restore it
    previous_estado: str | None = None  # the verdict before staff asked for a re-run
    previous_motivos: str | None = None
    loose_key: str | None = None

    def last_verdict(self) -> tuple[str | None, str | None]:
        """(estado, motivos) of the latest verdict, also right after a re-run cleared it."""
        if self.estado:
            return self.estado, self.motivos
        return self.previous_estado, self.previous_motivos


@dataclass(frozen=True)
class Notice:
    key: str
    kind: str
    generation: int
    message_id: str
    status: str  # sending | sent | retry | failed
    attempts: int
    detail: str | None
    updated_at: datetime
    cell_written: bool


@dataclass(frozen=True)
class Decision:
    """A verdict (or temporary error) to record for one response."""

    key: str
    estado: str
    motivos: str
    cells: dict[str, str]  # status column -> value to write
    checksums: str = ""
    error: bool = False  # ERROR_TEMPORAL: counts an attempt
    next_attempt_at: datetime | None = None
    datos: dict[str, str] = field(default_factory=dict)  # for the email: school, dates


class Ledger:
    def __init__(self, path: Path, db: sqlite3.Connection | None = None) -> None:
        self.path = path
        try:
            if db is None:
                import os

                path.parent.mkdir(parents=True, exist_ok=True)
                # Created 0600 (whatever the umask): SQLite gives -wal and -shm the same mode.
                os.close(os.open(path, os.O_RDONLY | os.O_CREAT, 0o600))
                db = sqlite3.connect(path, timeout=30, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
            self.db = db
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA busy_timeout=30000")
            self._migrate()
        except (sqlite3.DatabaseError, OSError) as exc:
            raise LedgerError(
                f"no se pudo abrir la bitácora {path} ({exc}); revisa permisos y espacio en disco."
            ) from None

    @classmethod
    def snapshot(cls, path: Path) -> Ledger:
        """An in-memory copy for dry runs: reads what is there, changes nothing on disk."""
        memory = sqlite3.connect(":memory:", isolation_level=None)
        if path.exists():
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                source.backup(memory)
            finally:
                source.close()
        return cls(path, memory)

    def close(self) -> None:
        self.db.close()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LedgerError(f"{self.path} es de una versión más nueva de facultativo.")
        if version == 0:  # idempotent: a crash here leaves nothing half-made
            self.db.executescript(_SCHEMA + f"PRAGMA user_version={SCHEMA_VERSION};")
        elif version < SCHEMA_VERSION:
            steps = {
                1: "ALTER TABLE responses ADD COLUMN datos TEXT;",
                2: "",
                3: "ALTER TABLE responses ADD COLUMN written_cells TEXT;"
                " ALTER TABLE responses ADD COLUMN previous_estado TEXT;"
                " ALTER TABLE responses ADD COLUMN previous_motivos TEXT;",
                4: "ALTER TABLE responses ADD COLUMN loose_key TEXT;",
            }
            script = "".join(steps[v] for v in range(version, SCHEMA_VERSION))
            self.db.executescript(
                f"BEGIN; {script} {_SCHEMA} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
            )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            yield self.db
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise LedgerError(f"no se pudo escribir en la bitácora {self.path}: {exc}.") from None
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    # --- responses -------------------------------------------------------------

    def entries(self, campus: str) -> dict[str, Entry]:
        rows = self.db.execute(
            "SELECT key, generation, estado, motivos, attempts, next_attempt_at, pending_cells,"
            " written_label, staff_label, validations, datos, written_cells, previous_estado,"
            " previous_motivos, loose_key FROM responses WHERE campus = ?",
            (campus,),
        )
        return {r[0]: _entry(r) for r in rows}

    def record(self, campus: str, decisions: list[Decision], now: datetime) -> None:
        """Store verdicts before anything is written to the sheet."""
        with self.transaction() as db:
            for d in decisions:
                db.execute(
                    "INSERT INTO responses (campus, key) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    (campus, d.key),
                )
                db.execute(
                    "UPDATE responses SET estado = ?, motivos = ?, checksums = ?,"
                    " attempts = CASE WHEN ? THEN attempts + 1 ELSE 0 END,"
                    " next_attempt_at = ?, pending_cells = ?, decided_at = ?, datos = ?,"
                    " validations = validations + 1 WHERE campus = ? AND key = ?",
                    (
                        d.estado,
                        d.motivos,
                        d.checksums,
                        d.error,
                        _iso(d.next_attempt_at),
                        json.dumps(d.cells, ensure_ascii=False),
                        _iso(now),
                        json.dumps(d.datos, ensure_ascii=False),
                        campus,
                        d.key,
                    ),
                )

    def mark_written(self, campus: str, written: dict[str, dict[str, str]], now: datetime) -> None:
        """The status cells of these responses are in the sheet now; the ledger keeps a
        copy, so that a status block lost from the sheet can be written back.

        A restored staff label (ALTA APLICADA) stays staff's: it never becomes ours."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE responses SET pending_cells = NULL, written_at = ?, written_cells = ?,"
                " written_label = CASE WHEN staff_label IS NOT NULL AND staff_label = ?"
                " THEN written_label ELSE ? END WHERE campus = ? AND key = ?",
                [
                    (
                        _iso(now),
                        json.dumps(cells, ensure_ascii=False),
                        cells.get("estado"),
                        cells.get("estado"),
                        campus,
                        key,
                    )
                    for key, cells in written.items()
                ],
            )

    def rerun(self, campus: str, keys: list[str]) -> None:
        """Staff cleared these estados: start new generations, remembering the last
        verdict so the student is written to again only if it changes."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE responses SET generation = generation + 1,"
                " previous_estado = COALESCE(estado, previous_estado),"
                " previous_motivos = COALESCE(motivos, previous_motivos),"
                " estado = NULL, motivos = NULL, attempts = 0, next_attempt_at = NULL,"
                " pending_cells = NULL, written_label = NULL, written_cells = NULL,"
                " staff_label = NULL WHERE campus = ? AND key = ?",
                [(campus, key) for key in keys],
            )

    def remember_loose(self, campus: str, pairs: dict[str, str]) -> None:
        """Each known response's time-zone-free key (see rows.Row.loose_key)."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE responses SET loose_key = ? WHERE campus = ? AND key = ?",
                [(loose, campus, key) for key, loose in pairs.items()],
            )

    def rekey(self, campus: str, mapping: dict[str, str]) -> None:
        """The same responses under their keys of today (the sheet's time zone changed)."""
        with self.transaction() as db:
            for old, new in mapping.items():
                for table in ("responses", "notifications"):
                    db.execute(
                        f"UPDATE {table} SET key = ? WHERE campus = ? AND key = ?",
                        (new, campus, old),
                    )

    def restore(self, campus: str, keys: list[str]) -> int:
        """Write these responses' status cells back from the ledger (a lost status block),
        with the estado staff had typed where they had: nothing is decided or sent again."""
        restored = 0
        with self.transaction() as db:
            for key in keys:
                row = db.execute(
                    "SELECT written_cells, staff_label, pending_cells FROM responses"
                    " WHERE campus = ? AND key = ?",
                    (campus, key),
                ).fetchone()
                if not row or not row[0]:
                    continue
                if row[2]:  # a newer verdict is waiting to be written: it goes, not the old
                    restored += 1
                    continue
                cells = json.loads(row[0])
                if row[1]:
                    cells["estado"] = row[1]
                db.execute(
                    "UPDATE responses SET pending_cells = ? WHERE campus = ? AND key = ?",
                    (json.dumps(cells, ensure_ascii=False), campus, key),
                )
                db.execute(
                    "UPDATE notifications SET cell_written = 0 WHERE campus = ? AND key = ?",
                    (campus, key),
                )
                restored += 1
        return restored

    def carry_notice(self, campus: str, key: str, kind: str, generation: int) -> bool:
        """A re-run that reached the same verdict: the email already sent stands for it."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT message_id, attempts, detail, updated_at FROM notifications"
                " WHERE campus = ? AND key = ? AND kind = ? AND generation < ? AND status = 'sent'"
                " ORDER BY generation DESC LIMIT 1",
                (campus, key, kind, generation),
            ).fetchone()
            if row is None:
                return False
            db.execute(
                "INSERT INTO notifications (campus, key, kind, generation, message_id, status,"
                " attempts, detail, updated_at) VALUES (?, ?, ?, ?, ?, 'sent', ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (campus, key, kind, generation, *row),
            )
        return True

    def note_staff(self, campus: str, labels: dict[str, str]) -> None:
        """Estados staff typed themselves, all in one transaction."""
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO responses (campus, key, staff_label) VALUES (?, ?, ?)"
                " ON CONFLICT DO UPDATE SET staff_label = excluded.staff_label",
                [(campus, key, label) for key, label in labels.items()],
            )

    # --- notifications -----------------------------------------------------------

    def notices(self, campus: str) -> dict[tuple[str, str, int], Notice]:
        rows = self.db.execute(
            "SELECT key, kind, generation, message_id, status, attempts, detail, updated_at,"
            " cell_written FROM notifications WHERE campus = ?",
            (campus,),
        )
        found = {}
        for r in rows:
            updated = datetime.fromisoformat(r[7])  # NOT NULL
            notice = Notice(r[0], r[1], r[2], r[3], r[4], r[5], r[6], updated, bool(r[8]))
            found[(r[0], r[1], r[2])] = notice
        return found

    def intend(
        self, campus: str, key: str, kind: str, generation: int, message_id: str, now: datetime
    ) -> None:
        """Recorded before a send, so a crash mid-send is seen and retried."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO notifications (campus, key, kind, generation, message_id, status,"
                " attempts, updated_at) VALUES (?, ?, ?, ?, ?, 'sending', 1, ?)"
                " ON CONFLICT DO UPDATE SET status = 'sending', attempts = attempts + 1,"
                " updated_at = excluded.updated_at",
                (campus, key, kind, generation, message_id, _iso(now)),
            )

    def sent(
        self,
        campus: str,
        key: str,
        kind: str,
        generation: int,
        status: str,
        detail: str | None,
        now: datetime,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE notifications SET status = ?, detail = ?, updated_at = ?,"
                " cell_written = 0 WHERE campus = ? AND key = ? AND kind = ? AND generation = ?",
                (status, detail, _iso(now), campus, key, kind, generation),
            )

    def mark_notice_cells(self, campus: str, ids: list[tuple[str, str, int]]) -> None:
        with self.transaction() as db:
            db.executemany(
                "UPDATE notifications SET cell_written = 1"
                " WHERE campus = ? AND key = ? AND kind = ? AND generation = ?",
                [(campus, *i) for i in ids],
            )

    def sent_since(self, campus: str, since: datetime) -> int:
        """Messages sent from `since` on: what counts against the daily cap."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM notifications WHERE campus = ? AND status = 'sent'"
            " AND updated_at >= ?",
            (campus, _iso(since)),
        ).fetchone()
        return int(row[0])

    # --- digests -------------------------------------------------------------------

    def last_digest(self, campus: str) -> datetime | None:
        row = self.db.execute(
            "SELECT MAX(sent_at) FROM digests WHERE campus = ?", (campus,)
        ).fetchone()
        return _dt(row[0]) if row else None

    def digest_sent(self, campus: str, now: datetime) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO digests (campus, sent_at) VALUES (?, ?)", (campus, _iso(now)))

    def decided_since(self, campus: str, since: datetime | None) -> dict[str, int]:
        """Verdicts per estado decided after `since` (all of them when None); one decided at
        the very moment of the last digest was in that digest."""
        rows = self.db.execute(
            "SELECT estado, COUNT(*) FROM responses WHERE campus = ? AND estado IS NOT NULL"
            " AND decided_at > ? GROUP BY estado",
            (campus, _iso(since) or ""),
        )
        return dict(rows.fetchall())

    # --- cycles ------------------------------------------------------------------

    def cycle_started(self, campus: str, now: datetime) -> int:
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO cycles (campus, started_at) VALUES (?, ?)", (campus, _iso(now))
            )
            return int(cur.lastrowid or 0)

    def cycle_finished(
        self, cycle_id: int, now: datetime, seconds: float, summary: dict[str, Any]
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE cycles SET finished_at = ?, seconds = ?, summary = ? WHERE id = ?",
                (_iso(now), seconds, json.dumps(summary, ensure_ascii=False), cycle_id),
            )

    def heartbeat(
        self, campus: str, pid: int, started: datetime, next_run: datetime | None, now: datetime
    ) -> None:
        """What `facultativo status` shows about a running service."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO service (campus, pid, started_at, next_run_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET pid = excluded.pid,"
                " started_at = excluded.started_at, next_run_at = excluded.next_run_at,"
                " updated_at = excluded.updated_at",
                (campus, pid, _iso(started), _iso(next_run), _iso(now)),
            )

    def service_state(self, campus: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT pid, started_at, next_run_at, updated_at FROM service WHERE campus = ?",
            (campus,),
        ).fetchone()
        if row is None:
            return None
        return {"pid": row[0], "started_at": row[1], "next_run_at": row[2], "updated_at": row[3]}

    def backlog(self, campus: str) -> int:
        """Responses waiting in ERROR TEMPORAL for their next attempt."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM responses WHERE campus = ? AND estado = 'ERROR_TEMPORAL'",
            (campus,),
        ).fetchone()
        return int(row[0])

    def restorations(self, campus: str, since: datetime | None) -> list[tuple[str, int]]:
        """(when, rows) of every cycle that wrote a lost status block back, since `since`."""
        rows = self.db.execute(
            "SELECT started_at, summary FROM cycles WHERE campus = ? AND started_at >= ?"
            " AND summary LIKE '%\"restored\"%' ORDER BY id",
            (campus, _iso(since) or ""),
        )
        found = []
        for started, summary in rows:
            restored = json.loads(summary or "{}").get("restored", 0)
            if restored:
                found.append((started, int(restored)))
        return found

    def last_cycle(self, campus: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT started_at, finished_at, seconds, summary FROM cycles"
            " WHERE campus = ? AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1",
            (campus,),
        ).fetchone()
        if row is None:
            return None
        return {
            "started_at": row[0],
            "finished_at": row[1],
            "seconds": row[2],
            "summary": json.loads(row[3] or "{}"),
        }


def _entry(r: tuple) -> Entry:
    cells = json.loads(r[6]) if r[6] else None
    datos = json.loads(r[10]) if r[10] else {}
    written = json.loads(r[11]) if r[11] else None
    return Entry(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        _dt(r[5]),
        cells,
        r[7],
        r[8],
        r[9],
        datos,
        written,
        r[12],
        r[13],
        r[14],
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
