"""Reading responses back: each one's state as an Entry (the row mapping), and the counts
`status` and the digest total. Nothing here writes; the writes are in responses.py,
staff_estados.py and status_blocks.py."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from facultativo.sync.ledger.events import Events
from facultativo.sync.ledger.store import dt, iso
from facultativo.sync.model import Entry

_COLUMNS = (
    "key, generation, estado, motivos, attempts, next_attempt_at, pending_cells, written_label,"
    " staff_label, validations, datos, written_cells, previous_estado, previous_motivos, loose_key,"
    " content_key, input_key, email_key, staff_seen_at, answers_after_staff"
)


class ResponseReads(Events):
    def entries(self, campus: str) -> dict[str, Entry]:
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM responses WHERE campus = ?", (campus,))
        return {r["key"]: _entry(r) for r in rows}

    def decided_since(self, campus: str, since: datetime | None) -> dict[str, int]:
        """Verdicts per estado decided after `since` (all of them when None); one decided at
        the very moment of the last digest was in that digest."""
        rows = self.db.execute(
            "SELECT estado, COUNT(*) AS n FROM responses WHERE campus = ?"
            " AND estado IS NOT NULL AND estado != 'ANTERIOR' AND decided_at > ?"
            " GROUP BY estado",
            (campus, iso(since) or ""),
        )
        return {r["estado"]: r["n"] for r in rows}

    def standing(self, campus: str) -> list[tuple[str | None, str | None, int]]:
        """Every response the ledger knows, as (verdict, estado staff typed, how many): what
        `status` totals. A response staff decided has both; one being re-run, neither."""
        rows = self.db.execute(
            "SELECT estado, staff_label, COUNT(*) AS n FROM responses WHERE campus = ?"
            " GROUP BY estado, staff_label",
            (campus,),
        )
        return [(r["estado"], r["staff_label"], r["n"]) for r in rows]

    def backlog(self, campus: str) -> int:
        """Responses waiting in ERROR TEMPORAL for their next attempt."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM responses WHERE campus = ? AND estado = 'ERROR_TEMPORAL'",
            (campus,),
        ).fetchone()
        return int(row[0])


def _entry(r: sqlite3.Row) -> Entry:
    def js(name: str) -> dict[str, str] | None:
        return json.loads(r[name]) if r[name] else None

    return Entry(
        key=r["key"],
        generation=r["generation"],
        estado=r["estado"],
        motivos=r["motivos"],
        attempts=r["attempts"],
        next_attempt_at=dt(r["next_attempt_at"]),
        pending_cells=js("pending_cells"),
        written_label=r["written_label"],
        staff_label=r["staff_label"],
        validations=r["validations"],
        datos=js("datos") or {},
        written_cells=js("written_cells"),
        previous_estado=r["previous_estado"],
        previous_motivos=r["previous_motivos"],
        loose_key=r["loose_key"],
        content_key=r["content_key"],
        input_key=r["input_key"],
        email_key=r["email_key"],
        staff_seen_at=dt(r["staff_seen_at"]),
        answers_after_staff=dt(r["answers_after_staff"]),
    )
