"""Cycles, the service's heartbeat and the staff digests: what `facultativo status` and the
digest report, read from the ledger and never from the running service."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from facultativo.sync.ledger.store import Store, dt, iso


class Cycles(Store):
    def cycle_started(self, campus: str, now: datetime) -> int:
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO cycles (campus, started_at) VALUES (?, ?)", (campus, iso(now))
            )
            return int(cur.lastrowid or 0)

    def cycle_finished(
        self, cycle_id: int, now: datetime, seconds: float, summary: dict[str, Any]
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE cycles SET finished_at = ?, seconds = ?, summary = ? WHERE id = ?",
                (iso(now), seconds, json.dumps(summary, ensure_ascii=False), cycle_id),
            )

    def last_cycle(self, campus: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT started_at, finished_at, seconds, summary FROM cycles"
            " WHERE campus = ? AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1",
            (campus,),
        ).fetchone()
        if row is None:
            return None
        return {**dict(row), "summary": json.loads(row["summary"] or "{}")}

    def last_good_cycle(self, campus: str) -> dict[str, Any] | None:
        """The last cycle that finished without an error: when the sheet was last read and
        written whole, for `status` after a failed one."""
        row = self.db.execute(
            "SELECT started_at, finished_at, seconds FROM cycles WHERE campus = ?"
            " AND finished_at IS NOT NULL AND json_extract(summary, '$.error') IS NULL"
            " ORDER BY id DESC LIMIT 1",
            (campus,),
        ).fetchone()
        return dict(row) if row is not None else None

    def first_cycle(self, campus: str) -> str | None:
        """When the campus's first recorded cycle started: where `status`'s totals count from."""
        row = self.db.execute(
            "SELECT MIN(started_at) FROM cycles WHERE campus = ?", (campus,)
        ).fetchone()
        return row[0] if row else None

    def restorations(self, campus: str, since: datetime | None) -> list[tuple[str, int]]:
        """(when, rows) of every cycle that wrote a lost status block back, since `since`."""
        rows = self.db.execute(
            "SELECT started_at, summary FROM cycles WHERE campus = ? AND started_at >= ?"
            " AND summary LIKE '%\"restored\"%' ORDER BY id",
            (campus, iso(since) or ""),
        )
        found = []
        for r in rows:
            restored = json.loads(r["summary"] or "{}").get("restored", 0)
            if restored:
                found.append((r["started_at"], int(restored)))
        return found

    def heartbeat(
        self,
        campus: str,
        pid: int,
        started: datetime,
        next_run: datetime | None,
        now: datetime,
        last_change: datetime | None = None,
    ) -> None:
        """What `facultativo status` shows about a running service."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO service (campus, pid, started_at, next_run_at, updated_at,"
                " last_change_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
                " pid = excluded.pid, started_at = excluded.started_at,"
                " next_run_at = excluded.next_run_at, updated_at = excluded.updated_at,"
                " last_change_at = COALESCE(excluded.last_change_at, last_change_at)",
                (campus, pid, iso(started), iso(next_run), iso(now), iso(last_change)),
            )

    def service_state(self, campus: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT pid, started_at, next_run_at, updated_at, last_change_at FROM service"
            " WHERE campus = ?",
            (campus,),
        ).fetchone()
        return dict(row) if row is not None else None

    def last_digest(self, campus: str) -> datetime | None:
        row = self.db.execute(
            "SELECT MAX(sent_at) FROM digests WHERE campus = ?", (campus,)
        ).fetchone()
        return dt(row[0]) if row else None

    def digest_sent(self, campus: str, now: datetime) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO digests (campus, sent_at) VALUES (?, ?)", (campus, iso(now)))
