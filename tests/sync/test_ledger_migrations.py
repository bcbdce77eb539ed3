"""A ledger written by the first release, migrated step by step, is the fresh schema."""

from __future__ import annotations

import sqlite3

import pytest

from facultativo.sync.ledger import Ledger, LedgerError
from facultativo.sync.ledger.migrations import STEPS, VERSION

# The schema facultativo 0.1 created (version 1), frozen here as it was released.
V1 = """
CREATE TABLE responses (
    campus TEXT NOT NULL, key TEXT NOT NULL, generation INTEGER NOT NULL DEFAULT 0,
    estado TEXT, motivos TEXT, checksums TEXT, attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT, pending_cells TEXT, written_label TEXT, decided_at TEXT,
    written_at TEXT, staff_label TEXT, validations INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campus, key)
);
CREATE TABLE notifications (
    campus TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, generation INTEGER NOT NULL,
    message_id TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    detail TEXT, updated_at TEXT NOT NULL, cell_written INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campus, key, kind, generation)
);
CREATE TABLE cycles (
    id INTEGER PRIMARY KEY AUTOINCREMENT, campus TEXT NOT NULL, started_at TEXT NOT NULL,
    finished_at TEXT, seconds REAL, summary TEXT
);
INSERT INTO responses (campus, key, estado, motivos, written_label)
    VALUES ('qro', 'k1', 'ACEPTADA', 'SIN_VIGENCIA', 'ACEPTADA');
PRAGMA user_version = 1;
"""


def shape(path) -> dict[str, list[tuple]]:
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        indexes = db.execute(  # ours; SQLite's own (primary keys) come with the tables
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
        )
        return {
            t: [tuple(c[1:]) for c in db.execute(f"PRAGMA table_info({t})")]
            for t in sorted(tables)
            if t != "sqlite_sequence"
        } | {
            "version": [(db.execute("PRAGMA user_version").fetchone()[0],)],
            "indexes": sorted(indexes),
        }
    finally:
        db.close()


def test_every_version_has_a_step_up():
    assert sorted(STEPS) == list(range(1, VERSION))


def test_a_version_1_ledger_migrates_to_the_fresh_schema_and_keeps_its_rows(tmp_path):
    old, fresh = tmp_path / "old.db", tmp_path / "fresh.db"
    db = sqlite3.connect(old)
    db.executescript(V1)
    db.close()
    Ledger(old).close()
    Ledger(fresh).close()
    assert shape(old) == shape(fresh)
    ledger = Ledger(old)
    try:
        entry = ledger.entries("qro")["k1"]
        assert (entry.estado, entry.written_label, entry.datos) == ("ACEPTADA", "ACEPTADA", {})
    finally:
        ledger.close()


def test_a_failed_step_leaves_the_ledger_as_it_was(tmp_path, monkeypatch):
    from facultativo.sync.ledger import migrations

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(V1)
    db.close()
    before = shape(path)

    def broken(db):
        raise sqlite3.OperationalError("disco lleno")

    monkeypatch.setitem(migrations.STEPS, VERSION - 1, broken)
    with pytest.raises(LedgerError, match="no se pudo abrir la bitácora"):
        Ledger(path)
    assert shape(path) == before


def test_a_ledger_from_a_newer_release_is_refused_by_name(tmp_path):
    path = tmp_path / "new.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {VERSION + 1}")
    db.close()
    with pytest.raises(LedgerError, match="versión más nueva"):
        Ledger(path)
