"""The ledger's schema and its numbered migrations.

A fresh ledger gets `SCHEMA` at once; an older one runs each step from its
`PRAGMA user_version` up, all in one transaction, so a crash leaves it as it was.
`tests/sync/test_ledger_migrations.py` checks that migrating a version-1 ledger gives
exactly the fresh schema (tables, columns and indexes).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

_DIGESTS = """
CREATE TABLE IF NOT EXISTS digests (
    campus TEXT NOT NULL,
    sent_at TEXT NOT NULL
);"""
# Version 7: the ledger's own identity (id, and the host and path it was created at), so a
# copied or moved ledger is noticed and a sheet marked by another ledger is refused.
_META = """
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);"""
# The service table as version 3 created it; version 6 adds last_change_at. A step
# creates what its version had, so that migrating gives exactly the fresh schema.
_SERVICE_V3 = """
CREATE TABLE IF NOT EXISTS service (
    campus TEXT PRIMARY KEY,
    pid INTEGER,
    started_at TEXT,
    next_run_at TEXT,
    updated_at TEXT
);"""
_SERVICE = _SERVICE_V3.replace("updated_at TEXT\n", "updated_at TEXT,\n    last_change_at TEXT\n")
# Version 9: each response's history (`facultativo historial`), append-only, one short row
# per event: `data` is compact JSON, masked where it names a person (sync/ledger/events.py).
_EVENTS = """
CREATE TABLE IF NOT EXISTS events (
    campus TEXT NOT NULL,
    key TEXT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_response ON events (campus, key);"""
SCHEMA = f"""
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
    content_key TEXT,
    input_key TEXT,
    email_key TEXT,
    staff_seen_at TEXT,
    answers_after_staff TEXT,
    nss_key TEXT,
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
    email_key TEXT,
    verdict TEXT,
    next_try_at TEXT,
    failing_since TEXT,
    PRIMARY KEY (campus, key, kind, generation)
);
{_DIGESTS}
{_SERVICE}
{_META}
{_EVENTS}
CREATE TABLE IF NOT EXISTS cycles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campus TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    seconds REAL,
    summary TEXT
);
"""


def _v1_to_v2(db: sqlite3.Connection) -> None:
    """Emails: the data they cite (school, dates), and the staff digest."""
    db.execute("ALTER TABLE responses ADD COLUMN datos TEXT")
    db.execute(_DIGESTS)


def _v2_to_v3(db: sqlite3.Connection) -> None:
    """The service's heartbeat, for `facultativo status`."""
    db.execute(_SERVICE_V3)


def _v3_to_v4(db: sqlite3.Connection) -> None:
    """What was written (to restore a lost status block) and the verdict before a re-run."""
    for column in ("written_cells", "previous_estado", "previous_motivos"):
        db.execute(f"ALTER TABLE responses ADD COLUMN {column} TEXT")


def _v4_to_v5(db: sqlite3.Connection) -> None:
    """A key without the hour and day: the same response read in another time zone."""
    db.execute("ALTER TABLE responses ADD COLUMN loose_key TEXT")


def _v5_to_v6(db: sqlite3.Connection) -> None:
    """When the watcher last saw the sheet change, for `facultativo status`."""
    db.execute("ALTER TABLE service ADD COLUMN last_change_at TEXT")


def _v6_to_v7(db: sqlite3.Connection) -> None:
    """Who a response is: what its answers were when last seen (the id lives in the sheet,
    these find it again and tell an edited answer from a new one), and the ledger's own id."""
    for column in ("content_key", "input_key", "email_key"):
        db.execute(f"ALTER TABLE responses ADD COLUMN {column} TEXT")
    for column in ("email_key", "verdict"):  # to whom, and what, each email told
        db.execute(f"ALTER TABLE notifications ADD COLUMN {column} TEXT")
    db.execute(_META)


def _v7_to_v8(db: sqlite3.Connection) -> None:
    """When staff's decision was first seen (it is mailed once it stood the grace period)
    and when the student changed the answer under it, and an email's clock of retries:
    when to try again, and since when it fails."""
    db.execute("ALTER TABLE responses ADD COLUMN staff_seen_at TEXT")
    db.execute("ALTER TABLE responses ADD COLUMN answers_after_staff TEXT")
    for column in ("next_try_at", "failing_since"):
        db.execute(f"ALTER TABLE notifications ADD COLUMN {column} TEXT")
    # Decisions staff typed before this version were handled by hand (only a REVISIÓN
    # MANUAL decided by staff was mailed): they stay as they are, never mailed now, so an
    # upgrade mails nobody. A decision staff change after the upgrade is mailed.
    for kind in ("decision", "aplicada"):  # «Aplicada» in words was read by nobody then
        db.execute(
            "INSERT INTO notifications (campus, key, kind, generation, message_id, status,"
            f" attempts, updated_at, cell_written) SELECT campus, key, '{kind}', generation,"
            " '', 'adoptada', 0, strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'), 1 FROM responses"
            " WHERE staff_label IS NOT NULL ON CONFLICT DO NOTHING"
        )


def _v8_to_v9(db: sqlite3.Connection) -> None:
    """Each response's history, from now on (what happened before is known only as the
    state it left: `historial` says so), and a keyed print of the NSS typed, to find a
    response by it without keeping it."""
    db.execute("ALTER TABLE responses ADD COLUMN nss_key TEXT")
    for statement in _EVENTS.split(";"):  # executescript would commit the migration
        if statement.strip():
            db.execute(statement)
    db.execute(
        "INSERT INTO meta (name, value) VALUES ('events_since',"
        " strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')) ON CONFLICT DO NOTHING"
    )


STEPS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
    4: _v4_to_v5,
    5: _v5_to_v6,
    6: _v6_to_v7,
    7: _v7_to_v8,
    8: _v8_to_v9,
}
VERSION = max(STEPS) + 1


class TooNew(Exception):
    """The ledger was written by a newer facultativo."""


def migrate(db: sqlite3.Connection) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > VERSION:
        raise TooNew(version)
    if version == VERSION:
        return
    if version == 0:  # idempotent: a crash here leaves nothing half-made
        db.executescript(SCHEMA + f"PRAGMA user_version={VERSION};")
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        for step in range(version, VERSION):
            STEPS[step](db)
        db.execute(f"PRAGMA user_version={VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
