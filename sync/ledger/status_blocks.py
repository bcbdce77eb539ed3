"""The status block and the ledger, each rebuilt from the other: a block lost from the
sheet (or found on another response's row) is written back from the ledger; a sheet
whose ledger was lost is adopted from its blocks (`facultativo adoptar`). Nothing is
decided or sent again either way; each is told in the response's history (events.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from facultativo.sync.ledger.events import EventKind, Events, add, payload
from facultativo.sync.model import Entry
from facultativo.sync.privacy import mask_email, mask_nss, scrub

if TYPE_CHECKING:
    from facultativo.sync.rows import Row


class StatusBlocks(Events):
    def adopt(
        self,
        campus: str,
        entries: list[Entry],
        rows: Iterable[Row] = (),
        now: datetime | None = None,
    ) -> None:
        """Responses rebuilt from a sheet's status block (`facultativo adoptar`); `rows`:
        the sheet's, for the history and the NSS print (as in `record`)."""
        by_key = {r.key: r for r in rows}
        prints = {
            e.key: self.nss_print(by_key[e.key].nss_typed) for e in entries if e.key in by_key
        }
        at = now or self._now()
        events = []
        with self.transaction() as db:
            for e in entries:
                row = by_key.get(e.key)
                if not db.execute(
                    "INSERT INTO responses (campus, key, generation, estado, motivos,"
                    " written_label, staff_label, written_cells, datos, decided_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}', NULL) ON CONFLICT DO NOTHING",
                    (
                        campus,
                        e.key,
                        e.generation,
                        e.estado,
                        e.motivos,
                        e.written_label,
                        e.staff_label,
                        json.dumps(e.written_cells or {}, ensure_ascii=False),
                    ),
                ).rowcount:
                    continue
                if prints.get(e.key):
                    db.execute(
                        "UPDATE responses SET nss_key = ? WHERE campus = ? AND key = ?",
                        (prints[e.key], campus, e.key),
                    )
                told = payload(
                    row=row.number if row else None,
                    email=mask_email(row.email) if row and row.email else "",
                    nss=mask_nss(row.nss_typed) if row and row.nss_typed else "",
                    estado=e.estado,
                    motivos=e.motivos,
                    staff=scrub(e.staff_label or "")[:100],
                )
                events.append((campus, e.key, at, EventKind.ADOPTED, told))
            add(db, events)

    def restore(self, campus: str, keys: list[str], why: str = "lost") -> int:
        """Write these responses' status cells back from the ledger (a lost status block;
        `why` "misplaced": its block was on another response's row), with the estado staff
        had typed where they had: nothing is decided or sent again."""
        restored = 0
        at = self._now()
        events = []
        with self.transaction() as db:
            for key in keys:
                row = db.execute(
                    "SELECT written_cells, staff_label, pending_cells FROM responses"
                    " WHERE campus = ? AND key = ?",
                    (campus, key),
                ).fetchone()
                if not row or not (row["written_cells"] or row["pending_cells"]):
                    continue
                if row["pending_cells"]:  # a newer verdict is waiting to be written: it goes,
                    if row["staff_label"]:  # under the estado staff typed since
                        waiting = json.loads(row["pending_cells"])
                        waiting["estado"] = row["staff_label"]
                        db.execute(
                            "UPDATE responses SET pending_cells = ? WHERE campus = ? AND key = ?",
                            (json.dumps(waiting, ensure_ascii=False), campus, key),
                        )
                    restored += 1
                    told = payload(why=why, waiting=True, staff=scrub(row["staff_label"] or ""))
                    events.append((campus, key, at, EventKind.RESTORED, told))
                    continue
                cells = json.loads(row["written_cells"])
                if row["staff_label"]:
                    cells["estado"] = row["staff_label"]
                db.execute(
                    "UPDATE responses SET pending_cells = ? WHERE campus = ? AND key = ?",
                    (json.dumps(cells, ensure_ascii=False), campus, key),
                )
                db.execute(
                    "UPDATE notifications SET cell_written = 0 WHERE campus = ? AND key = ?",
                    (campus, key),
                )
                restored += 1
                told = payload(why=why, estado=scrub(cells.get("estado", "")))
                events.append((campus, key, at, EventKind.RESTORED, told))
            add(db, events)
        return restored
