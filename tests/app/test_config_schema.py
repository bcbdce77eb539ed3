"""facultativo.example.toml keeps step with what facultativo reads: every key a table's
Settings declares (config/schema.py walks them, backends' included) is in the example under
its table, written or commented out (`# key = …`), and every key the example writes is one
facultativo knows. A key added without a line in the example fails here."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import replace

import pytest

from facultativo.config import Digest
from facultativo.config.schema import Place, places
from tests.support import ROOT

EXAMPLE = ROOT / "facultativo.example.toml"
HEADER = re.compile(r"\[\[?\s*([\w.]+)\s*\]\]?\s*(#.*)?")
LONGEST_VALUE = 6  # lines a commented-out list may take


def _bare(line: str) -> str:
    """The line as it would be with its leading «#» taken away."""
    return re.sub(r"^\s*#\s?", "", line)


def _setting(lines: list[str], i: int) -> str | None:
    """The key a (commented-out) setting starting at line i writes; None for prose."""
    for end in range(i + 1, min(i + 1 + LONGEST_VALUE, len(lines) + 1)):
        try:
            parsed = tomllib.loads("\n".join(_bare(line) for line in lines[i:end]))
        except tomllib.TOMLDecodeError:
            continue
        return next(iter(parsed)) if len(parsed) == 1 else None
    return None


def _headers(table: str) -> Iterator[tuple[str, str]]:
    """[campus.mail] writes the key «campus» at the top and «mail» in [[campus]]."""
    parts = table.split(".")
    for depth, part in enumerate(parts):
        yield ".".join(parts[:depth]), part


def documented(text: str) -> dict[str, set[str]]:
    """Each table's keys as the example writes them, commented out or not."""
    found: dict[str, set[str]] = {"": set()}
    table = ""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        header = HEADER.fullmatch(_bare(line).strip())
        if header:
            table = header.group(1)
            for parent, key in _headers(table):
                found.setdefault(parent, set()).add(key)
            found.setdefault(table, set())
        elif (key := _setting(lines, i)) is not None:
            found.setdefault(table, set()).add(key)
    return found


def undocumented(tables: dict[str, Place], text: str) -> dict[str, list[str]]:
    written = documented(text)
    missing = {name: sorted(p.keys - written.get(name, set())) for name, p in tables.items()}
    return {name: keys for name, keys in missing.items() if keys}


def unknown(tables: dict[str, Place], text: str) -> dict[str, list[str]]:
    known = {name: p.keys | p.old for name, p in tables.items()}
    extra = {name: sorted(keys - known.get(name, set())) for name, keys in documented(text).items()}
    return {name: keys for name, keys in extra.items() if keys}


@pytest.fixture
def fresh_tables():
    """The walk is cached: read the Settings again, before and after a test changes one."""
    places.cache_clear()
    yield
    places.cache_clear()


def test_every_key_facultativo_reads_is_in_the_example():
    assert undocumented(places(), EXAMPLE.read_text(encoding="utf-8")) == {}


def test_every_key_the_example_writes_is_one_facultativo_reads():
    assert unknown(places(), EXAMPLE.read_text(encoding="utf-8")) == {}


def test_the_example_is_read_as_written_and_commented_out_settings():
    text = EXAMPLE.read_text(encoding="utf-8")
    found = documented(text)
    written = tomllib.loads(text)
    assert set(written) <= found[""]
    assert set(written["campus"][0]["mail"]) <= found["campus.mail"]
    assert {"host", "password_env", "espera_decision_minutos"} <= found["campus.mail"]
    assert {"credentials", "spreadsheet"} <= found["campus.google"]  # all commented out
    assert "sender" not in found["campus.columns"]  # «#   sender = "outbox": archivos…» is prose
    assert "columnas" in found["campus.lote"]  # a commented-out list over two lines


def test_a_key_added_without_its_line_in_the_example_fails(monkeypatch, fresh_tables):
    monkeypatch.setattr(Digest, "KEYS", Digest.KEYS | {"zona"})
    assert undocumented(places(), EXAMPLE.read_text(encoding="utf-8")) == {
        "campus.digest": ["zona"]
    }


def test_a_key_only_the_example_knows_fails():
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "[campus.digest]\n", "[campus.digest]\n# zona = 1   # no existe\n"
    )
    assert unknown(places(), text) == {"campus.digest": ["zona"]}


def test_an_old_place_is_read_but_never_asked_of_the_example():
    tables = places()
    assert tables["campus.web"].old == {"form_url"}
    old_only = replace(tables["campus.web"], keys=frozenset({"url"}))
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "campus.web" not in undocumented({**tables, "campus.web": old_only}, text)
