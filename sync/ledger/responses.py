"""Responses: the verdict decided for each one, what of it is in the sheet, new generations
(a re-run, a corrected address or decision) and the prints a response is found again by.
The copy of the written cells has NSS, CURP and addresses masked; the full cells live only
while waiting to be written (cleared once they are in the sheet). Each change is told in
the response's history too (events.py), in its own transaction.

Reading them back is response_reads.py; staff's own estados, staff_estados.py; the status
block written back from the ledger or adopted from the sheet, status_blocks.py.
`Responses` gathers them for the Ledger."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from facultativo.sync.ledger.events import (
    EventKind,
    add,
    add_if_known,
    payload,
    seen_payload,
    verdict_payload,
)
from facultativo.sync.ledger.response_reads import ResponseReads
from facultativo.sync.ledger.staff_estados import StaffEstados
from facultativo.sync.ledger.status_blocks import StatusBlocks
from facultativo.sync.ledger.store import iso
from facultativo.sync.model import Decision
from facultativo.sync.privacy import scrub

if TYPE_CHECKING:
    from facultativo.sync.rows import Row


class Responses(StatusBlocks, StaffEstados, ResponseReads):
    def record(
        self, campus: str, decisions: list[Decision], now: datetime, rows: Iterable[Row] = ()
    ) -> None:
        """Store verdicts before anything is written to the sheet. `rows`: the sheet's rows
        as read, for the history (where a new response was, what its student typed: masked)
        and the keyed print of the NSS typed (events.py)."""
        wanted = {d.key for d in decisions}
        seen = {r.key: r for r in rows if r.key in wanted}
        prints = {k: self.nss_print(r.nss_typed) for k, r in seen.items()}  # may make the key
        read = {d.key: (d.cells or {}).get("nss_leido", "").strip() for d in decisions}
        read_prints = {k: self.nss_print(v) for k, v in read.items() if v}  # historial --nss
        events = []
        with self.transaction() as db:
            for d in decisions:
                row = seen.get(d.key)
                if db.execute(
                    "INSERT INTO responses (campus, key) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    (campus, d.key),
                ).rowcount:
                    where = (row.number, row.email, row.nss_typed) if row else (None, None, None)
                    events.append((campus, d.key, now, EventKind.SEEN, seen_payload(*where)))
                (generation,) = db.execute(
                    "UPDATE responses SET estado = ?, motivos = ?, checksums = ?,"
                    " attempts = CASE WHEN ? THEN attempts + ? ELSE 0 END,"
                    " next_attempt_at = ?, pending_cells = ?, decided_at = ?, datos = ?,"
                    " validations = validations + 1, nss_key = COALESCE(?, nss_key)"
                    " WHERE campus = ? AND key = ? RETURNING generation",
                    (
                        d.estado,
                        d.motivos,
                        d.checksums,
                        d.error,
                        int(d.counts),
                        iso(d.next_attempt_at),
                        json.dumps(d.cells, ensure_ascii=False) if d.cells else None,
                        iso(now),
                        json.dumps(d.datos, ensure_ascii=False),
                        prints.get(d.key),
                        campus,
                        d.key,
                    ),
                ).fetchall()[0]
                typed = row.nss_typed if row else None
                told = verdict_payload(
                    generation,
                    d.estado,
                    d.motivos,
                    d.cells,
                    typed,
                    d.next_attempt_at,
                    read_prints.get(d.key),
                )
                events.append((campus, d.key, now, EventKind.VERDICT, told))
            add(db, events)

    def mark_written(
        self,
        campus: str,
        written: dict[str, dict[str, str]],
        now: datetime,
        cells: Mapping[str, tuple[int, dict[str, str]]] | None = None,
    ) -> None:
        """The status cells of these responses are in the sheet now; the ledger keeps a
        copy, so that a status block lost from the sheet can be written back. `cells`:
        what the batch wrote, per response (events.cells_by_response), for the history;
        a verdict with nothing in it had landed in the sheet before a crash.

        A restored staff label (ALTA APLICADA) stays staff's: it never becomes ours."""
        batch = cells or {}
        events = []
        for key in [*batch, *(k for k in written if k not in batch)]:
            row, wrote = batch.get(key, (None, {}))
            told = payload(
                row=row,
                cells=list(wrote),
                estado=wrote.get("estado", ""),
                notificada=scrub(wrote.get("notificada", "")),
                landed=key in written and not wrote,
            )
            events.append((campus, key, now, EventKind.WRITTEN, told))
        with self.transaction() as db:
            add_if_known(db, events)
            db.executemany(
                "UPDATE responses SET pending_cells = NULL, written_at = ?, written_cells = ?,"
                " written_label = CASE WHEN staff_label IS NOT NULL AND staff_label = ?"
                " THEN written_label ELSE ? END WHERE campus = ? AND key = ?",
                [
                    (
                        iso(now),
                        json.dumps(cells, ensure_ascii=False),
                        cells.get("estado"),
                        cells.get("estado"),
                        campus,
                        key,
                    )
                    for key, cells in written.items()
                ],
            )

    def rerun(self, campus: str, keys: list[str], keep_block: bool = False) -> None:
        """Staff cleared these estados (or, `keep_block`, the answers under our verdict
        changed): start new generations, remembering the last verdict so the student is
        written to again only if it changes. A block still in the sheet stays known as
        ours, so a crash before the new verdict never makes it look like staff's."""
        forget = "" if keep_block else " written_label = NULL, written_cells = NULL,"
        why = "answers" if keep_block else "cleared"
        at = self._now()
        with self.transaction() as db:
            events = []
            for key in keys:
                for r in db.execute(
                    "UPDATE responses SET generation = generation + 1,"
                    " previous_estado = COALESCE(estado, previous_estado),"
                    " previous_motivos = COALESCE(motivos, previous_motivos),"
                    " estado = NULL, motivos = NULL, attempts = 0, next_attempt_at = NULL,"
                    f" pending_cells = NULL,{forget} staff_label = NULL, staff_seen_at = NULL,"
                    " answers_after_staff = NULL"
                    " WHERE campus = ? AND key = ? RETURNING generation, previous_estado",
                    (campus, key),
                ).fetchall():
                    told = payload(gen=r[0], why=why, previous=r[1])
                    events.append((campus, key, at, EventKind.RERUN, told))
            add(db, events)

    def remember_answers(self, campus: str, seen: Mapping[str, tuple[str | None, ...]]) -> None:
        """What each known response's answers were when last seen, as fingerprints (loose,
        content, input, email; see rows.Answers): how it is found again without its id,
        and how an edited answer is told from an unchanged one."""
        at = self._now()
        with self.transaction() as db:
            events = []  # the history: answers or address changed since last seen
            for key, prints in seen.items():
                before = db.execute(
                    "SELECT input_key, email_key FROM responses WHERE campus = ? AND key = ?",
                    (campus, key),
                ).fetchone()
                if before is None:
                    continue
                answers = bool(before[0] and before[0] != prints[2])
                address = bool(before[1] and before[1] != prints[3])
                if answers or address:
                    told = payload(answers=answers, address=address)
                    events.append((campus, key, at, EventKind.EDITED, told))
            add(db, events)
            db.executemany(
                "UPDATE responses SET loose_key = ?, content_key = ?, input_key = ?,"
                " email_key = ? WHERE campus = ? AND key = ?",
                [(*prints, campus, key) for key, prints in seen.items()],
            )

    def readdress(self, campus: str, keys: list[str]) -> None:
        """These responses' addresses were corrected: a new generation with the same verdict,
        so the result goes once more, to the new address."""
        self._next_generation(campus, keys, EventKind.READDRESSED)

    def redecide(self, campus: str, keys: list[str]) -> None:
        """Staff changed a decision the student was already sent: a new generation, so the
        corrected decision goes as a new email (the first one stays on record)."""
        self._next_generation(campus, keys, EventKind.CORRECTED)

    def _next_generation(self, campus: str, keys: list[str], kind: EventKind) -> None:
        at = self._now()
        with self.transaction() as db:
            events = []
            for key in keys:
                for r in db.execute(
                    "UPDATE responses SET generation = generation + 1 WHERE campus = ?"
                    " AND key = ? RETURNING generation",
                    (campus, key),
                ).fetchall():
                    events.append((campus, key, at, kind, payload(gen=r[0])))
            add(db, events)

    def rekey(self, campus: str, mapping: dict[str, str]) -> None:
        """The same responses under their keys of today (the sheet's time zone changed)."""
        with self.transaction() as db:
            for old, new in mapping.items():
                for table in ("responses", "notifications", "events"):
                    db.execute(
                        f"UPDATE {table} SET key = ? WHERE campus = ? AND key = ?",
                        (new, campus, old),
                    )
