"""Staff's own estados: what staff typed in a response's estado (a decision, or a word
facultativo cannot read as one), and answers the student changed under such a decision.
Each is told in the response's history (events.py) in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from facultativo.sync.ledger.events import EventKind, Events, add, payload, stamp
from facultativo.sync.ledger.store import iso
from facultativo.sync.privacy import scrub


class StaffEstados(Events):
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
