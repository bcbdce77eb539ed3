"""Notices: every email owed to a student, recorded before and after each send, so a crash
mid-send is seen and retried and nothing is ever sent twice. Each intent and each result
is also an event of the response's history (events.py), in the same transaction."""

from __future__ import annotations

from datetime import datetime

from facultativo.sync.ledger.events import EventKind, Events, add, payload
from facultativo.sync.ledger.store import dt, iso
from facultativo.sync.model import Notice, NoticeStatus


class Notices(Events):
    def notices(self, campus: str) -> dict[tuple[str, str, int], Notice]:
        rows = self.db.execute(
            "SELECT key, kind, generation, message_id, status, attempts, detail, updated_at,"
            " cell_written, email_key, verdict, next_try_at, failing_since FROM notifications"
            " WHERE campus = ?",
            (campus,),
        )
        found = {}
        for r in rows:
            notice = Notice(
                key=r["key"],
                kind=r["kind"],
                generation=r["generation"],
                message_id=r["message_id"],
                status=r["status"],
                attempts=r["attempts"],
                detail=r["detail"],
                updated_at=datetime.fromisoformat(r["updated_at"]),  # NOT NULL
                cell_written=bool(r["cell_written"]),
                email_key=r["email_key"],
                verdict=r["verdict"],
                next_try_at=dt(r["next_try_at"]),
                failing_since=dt(r["failing_since"]),
            )
            found[(notice.key, notice.kind, notice.generation)] = notice
        return found

    def intend(
        self,
        campus: str,
        key: str,
        kind: str,
        generation: int,
        message_id: str,
        now: datetime,
        told: tuple[str, str] = ("", ""),
    ) -> None:
        """Recorded before a send, so a crash mid-send is seen and retried; `told` is the
        address (hashed) and the verdict the email carries, so neither goes twice."""
        with self.transaction() as db:
            ((attempt, sending),) = db.execute(
                "INSERT INTO notifications (campus, key, kind, generation, message_id, status,"
                " attempts, updated_at, email_key, verdict) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)"
                " ON CONFLICT DO UPDATE SET status = excluded.status, attempts = attempts + 1,"
                " updated_at = excluded.updated_at, email_key = excluded.email_key,"
                " verdict = excluded.verdict RETURNING attempts, message_id",
                (
                    campus,
                    key,
                    kind,
                    generation,
                    message_id,
                    NoticeStatus.SENDING,
                    iso(now),
                    *told,
                ),
            ).fetchall()
            event = payload(
                notice=kind, gen=generation, message_id=sending, attempt=attempt, told=told[1]
            )
            add(db, [(campus, key, now, EventKind.EMAIL_SENDING, event)])

    def sent(
        self,
        campus: str,
        key: str,
        kind: str,
        generation: int,
        status: str,
        detail: str | None,
        now: datetime,
        next_try: datetime | None = None,
    ) -> None:
        """A send's result; a failure keeps when the failures began (an email gives up
        after a day of them) and, to retry, when to try next."""
        failing = status in (NoticeStatus.RETRY, NoticeStatus.FAILED)
        with self.transaction() as db:
            found = db.execute(
                "UPDATE notifications SET status = ?, detail = ?, updated_at = ?,"
                " cell_written = 0, next_try_at = ?,"
                " failing_since = CASE WHEN ? THEN COALESCE(failing_since, ?) END"
                " WHERE campus = ? AND key = ? AND kind = ? AND generation = ?"
                " RETURNING attempts",
                (
                    status,
                    detail,
                    iso(now),
                    iso(next_try),
                    failing,
                    iso(now),
                    campus,
                    key,
                    kind,
                    generation,
                ),
            ).fetchall()
            for (attempts,) in found:
                told = payload(
                    notice=kind,
                    gen=generation,
                    status=status,
                    detail=detail,
                    attempts=attempts,
                    next_try=iso(next_try),
                )
                add(db, [(campus, key, now, EventKind.EMAIL, told)])

    def waiting(self, campus: str) -> list[tuple[str, datetime | None]]:
        """Emails waiting to be tried again: (why, when next), the soonest first."""
        rows = self.db.execute(
            "SELECT detail, next_try_at FROM notifications WHERE campus = ? AND status = ?"
            " ORDER BY next_try_at",
            (campus, NoticeStatus.RETRY),
        )
        return [(r["detail"] or "", dt(r["next_try_at"])) for r in rows]

    def adopt_notices(
        self, campus: str, found: list[tuple[str, str, str, str, str | None, str]], now: datetime
    ) -> None:
        """(key, kind, status, detail, verdict, email_key) read from a sheet's «notificada
        el» by `adoptar`: generation 0, already in the sheet, never sent again (and never
        counted against today's cap: no Message-ID). What «notificada el» told (sent, an
        error, modo sombra) goes into the history; a notice only taken as told does not."""
        events = []
        with self.transaction() as db:
            for key, kind, status, detail, verdict, email_key in found:
                if not db.execute(
                    "INSERT INTO notifications (campus, key, kind, generation, message_id,"
                    " status, attempts, detail, updated_at, cell_written, verdict, email_key)"
                    " VALUES (?, ?, ?, 0, '', ?, 0, ?, ?, 1, ?, ?) ON CONFLICT DO NOTHING",
                    (campus, key, kind, status, detail, iso(now), verdict, email_key),
                ).rowcount:
                    continue
                if status != NoticeStatus.ADOPTED:
                    told = payload(notice=kind, gen=0, status=status, detail=detail, adopted=True)
                    events.append((campus, key, now, EventKind.EMAIL, told))
            add(db, events)

    def answered_anew(self, campus: str, keys: list[str]) -> None:
        """The student answered again after modo sombra ended: the response is no longer a
        silent one of those weeks. What was decided then stays unsent (adoptada: never
        sent, never owed); what is decided from now on is mailed."""
        with self.transaction() as db:
            shadowed = [
                key
                for key in keys
                if db.execute(
                    "SELECT 1 FROM notifications WHERE campus = ? AND key = ? AND status = ?",
                    (campus, key, NoticeStatus.SHADOW),
                ).fetchone()
            ]
            db.executemany(
                "UPDATE notifications SET status = ? WHERE campus = ? AND key = ? AND status = ?",
                [(NoticeStatus.ADOPTED, campus, key, NoticeStatus.SHADOW) for key in shadowed],
            )
            for kind in ("decision", "aplicada"):  # staff's decision of then, too
                db.executemany(
                    "INSERT INTO notifications (campus, key, kind, generation, message_id,"
                    " status, attempts, updated_at, cell_written) SELECT campus, key, ?,"
                    " generation, '', ?, 0, COALESCE(staff_seen_at, decided_at,"
                    " strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')), 1"
                    " FROM responses WHERE campus = ? AND key = ? AND staff_label IS NOT NULL"
                    " ON CONFLICT DO NOTHING",
                    [(kind, NoticeStatus.ADOPTED, campus, key) for key in shadowed],
                )

    def supersede(self, campus: str, key: str, kind: str, generation: int) -> None:
        """An email reached the student: older ones of the same response still waiting to
        be tried again are no longer owed (the student has newer news)."""
        at = self._now()
        with self.transaction() as db:
            older = db.execute(
                "UPDATE notifications SET status = ?, next_try_at = NULL WHERE campus = ?"
                " AND key = ? AND status = ? AND NOT (kind = ? AND generation = ?)"
                " RETURNING kind, generation",
                (NoticeStatus.SUPERSEDED, campus, key, NoticeStatus.RETRY, kind, generation),
            ).fetchall()
            gone = [payload(notice=r[0], gen=r[1], status=NoticeStatus.SUPERSEDED) for r in older]
            add(db, [(campus, key, at, EventKind.EMAIL, event) for event in gone])

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
            "SELECT COUNT(*) FROM notifications WHERE campus = ? AND status = ?"
            " AND updated_at >= ? AND message_id != ''",  # adopted: read from the sheet
            (campus, NoticeStatus.SENT, iso(since)),
        ).fetchone()
        return int(row[0])

    def notice_totals(self, campus: str) -> dict[str, int]:
        """Emails per status, ever: what `status` totals. A message counts once (a re-run
        that reached the same verdict carries the sent one over under the same Message-ID),
        and one `adoptar` read from a sheet counts not at all (another install sent it)."""
        rows = self.db.execute(
            "SELECT status, COUNT(DISTINCT message_id) AS n FROM notifications"
            " WHERE campus = ? AND message_id != '' GROUP BY status",
            (campus,),
        )
        return {r["status"]: r["n"] for r in rows}

    def carry_notice(self, campus: str, key: str, kind: str, generation: int) -> bool:
        """A re-run that reached the same verdict: the email already sent stands for it."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT message_id, attempts, detail, updated_at, email_key, verdict"
                " FROM notifications"
                " WHERE campus = ? AND key = ? AND kind = ? AND generation < ? AND status = ?"
                " ORDER BY generation DESC LIMIT 1",
                (campus, key, kind, generation, NoticeStatus.SENT),
            ).fetchone()
            if row is None:
                return False
            carried = db.execute(
                "INSERT INTO notifications (campus, key, kind, generation, message_id, status,"
                " attempts, detail, updated_at, email_key, verdict)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    campus,
                    key,
                    kind,
                    generation,
                    row["message_id"],
                    NoticeStatus.SENT,
                    row["attempts"],
                    row["detail"],
                    row["updated_at"],
                    row["email_key"],
                    row["verdict"],
                ),
            ).rowcount
            if carried:
                told = payload(notice=kind, gen=generation, message_id=row["message_id"])
                add(db, [(campus, key, self._now(), EventKind.EMAIL_CARRIED, told)])
        return True
