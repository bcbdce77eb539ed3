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


def _damaged(path, how: str) -> None:
    """A real ledger with enough pages, cut in half (a copy interrupted, a full disk), or
    a file that is no database at all."""
    Ledger(path).close()
    if how == "no es una base":
        path.write_bytes(b"hola, no soy una base de datos\n" * 100)
        return
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE relleno (x TEXT)")
    db.executemany("INSERT INTO relleno VALUES (?)", [("x" * 200,) for _ in range(2000)])
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


SQLITE_ENGLISH = ("malformed", "database", "locked", "disk I/O", "unable", "readonly", "no such")


@pytest.mark.parametrize(
    ("how", "reason"),
    [("cortada", "el archivo está dañado"), ("no es una base", "el archivo no es una bitácora")],
)
def test_a_damaged_ledger_is_named_in_spanish_with_how_to_restore_it(tmp_path, how, reason):
    path = tmp_path / "facultativo.db"
    _damaged(path, how)
    for open_it in (Ledger.snapshot, Ledger):
        with pytest.raises(LedgerError) as raised:
            open_it(path)
        line = str(raised.value)
        assert f"({reason}" in line and "`facultativo adoptar`" in line, line
        assert "copia de respaldo" in line and "\n" not in line
        assert not any(word in line for word in SQLITE_ENGLISH), line


def test_an_sqlite_error_with_no_spanish_words_never_shows_sqlites_english(tmp_path):
    from facultativo.sync.ledger.store import problem

    with pytest.raises(sqlite3.OperationalError) as raised:
        sqlite3.connect(":memory:").execute("SELECT * FROM nada")
    line = problem("leer", tmp_path / "facultativo.db", raised.value)
    assert "(error de SQLite" in line and "`facultativo adoptar`" in line, line
    assert not any(word in line for word in SQLITE_ENGLISH), line


def test_a_read_only_ledger_says_whose_it_must_be(tmp_path):
    from facultativo.sync.ledger.store import problem

    path = tmp_path / "facultativo.db"
    Ledger(path).close()
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as raised:
        db.execute("CREATE TABLE x (y)")
    line = problem("escribir en", path, raised.value)
    assert "(es de solo lectura para este usuario); revisa dueño y permisos" in line, line
