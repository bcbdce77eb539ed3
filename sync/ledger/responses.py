"""Responses: the verdict decided for each one, what of it is in the sheet, and staff's own
estados. The copy of the written cells has NSS, CURP and addresses masked; the full
cells live only while waiting to be written (cleared once they are in the sheet).
Each change is told in the response's history too (events.py), in its own transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from facultativo.sync.ledger.events import (
    EventKind,
    Events,
    add,
    add_if_known,
    payload,
    seen_payload,
    stamp,
    verdict_payload,
)
from facultativo.sync.ledger.store import dt, iso
from facultativo.sync.model import Decision, Entry
from facultativo.sync.privacy import mask_email, mask_nss, scrub

if TYPE_CHECKING:
    from facultativo.sync.rows import Row

_COLUMNS = (
    "key, generation, estado, motivos, attempts, next_attempt_at, pending_cells, written_label,"
    " staff_label, validations, datos, written_cells, previous_estado, previous_motivos, loose_key,"
    " content_key, input_key, email_key, staff_seen_at, answers_after_staff"
)


class Responses(Events):
    def entries(self, campus: str) -> dict[str, Entry]:
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM responses WHERE campus = ?", (campus,))
        return {r["key"]: _entry(r) for r in rows}

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

    def rekey(self, campus: str, mapping: dict[str, str]) -> None:
        """The same responses under their keys of today (the sheet's time zone changed)."""
        with self.transaction() as db:
            for old, new in mapping.items():
                for table in ("responses", "notifications", "events"):
                    db.execute(
                        f"UPDATE {table} SET key = ? WHERE campus = ? AND key = ?",
                        (new, campus, old),
                    )

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

    def note_staff(
        self, campus: str, labels: Mapping[str, tuple[str, bool]], now: datetime
    ) -> None:
        """Estados staff typed themselves, as (label, new decision), all in one transaction.
        The grace period's clock starts when the decision they mean changes, not its
        spelling: «Aceptado» corrected to «ACEPTADA» does not delay the email."""
        events = []
        with self.transaction() as db:
            for key, (label, new) in labels.items():
                known = db.execute(
                    "SELECT 1 FROM responses WHERE campus = ? AND key = ?", (campus, key)
                ).fetchone()
                if known is None:
                    events.append((campus, key, now, EventKind.SEEN, payload()))
                told = payload(typed=scrub(label)[:100], new=new)
                events.append((campus, key, now, EventKind.STAFF, told))
            db.executemany(
                "INSERT INTO responses (campus, key, staff_label, staff_seen_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
                " staff_label = excluded.staff_label, staff_seen_at ="
                " CASE WHEN ? OR staff_seen_at IS NULL THEN excluded.staff_seen_at"
                " ELSE staff_seen_at END,"
                " answers_after_staff = CASE WHEN ? THEN NULL ELSE answers_after_staff END",
                [(campus, k, label, iso(now), new, new) for k, (label, new) in labels.items()],
            )
            add(db, events)

    def answered_after_staff(self, campus: str, keys: list[str], now: datetime) -> None:
        """The student changed these answers under a decision staff typed: staff decide
        whether it stands (their estado is never overwritten), so the row is flagged."""
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO events (campus, key, at, kind, data) SELECT campus, key, ?, ?, '{}'"
                " FROM responses WHERE campus = ? AND key = ? AND answers_after_staff IS NULL",
                [(stamp(now), EventKind.EDITED_AFTER_STAFF, campus, key) for key in keys],
            )
            db.executemany(
                "UPDATE responses SET answers_after_staff = COALESCE(answers_after_staff, ?)"
                " WHERE campus = ? AND key = ?",
                [(iso(now), campus, key) for key in keys],
            )

    def redecide(self, campus: str, keys: list[str]) -> None:
        """Staff changed a decision the student was already sent: a new generation, so the
        corrected decision goes as a new email (the first one stays on record)."""
        self._next_generation(campus, keys, EventKind.CORRECTED)

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
