"""Every table facultativo.toml may hold, and the keys each one knows, found by walking the
tables' Settings: a misspelled key ([campus.mial], recipents) is an error naming the closest
valid one, never silently ignored. A table a backend reads also knows that backend's keys
(notifiers/, sync/sources/, sync/attachments/ registries)."""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from typing import Any

from facultativo.config.lote import Lote
from facultativo.config.mail import Mail
from facultativo.config.model import CampusCore
from facultativo.config.tables import (
    CampusPolicy,
    CampusWeb,
    Columns,
    Contact,
    Digest,
    Ledger,
    LimitsSettings,
    Service,
    Source,
    Web,
)
from facultativo.google_api.account import Account
from facultativo.notifiers import SENDERS
from facultativo.sync.attachments import STORES
from facultativo.sync.sources import SOURCES

CAMPUS = "campus"  # the one array of tables, [[campus]]: each campus's own tables hang from it
# Every table of the file by its dotted name, with the Settings that reads it; a key written in
# the wrong table looks for its home in this order. [campus.source], [campus.google] and
# [campus.mail] also hold the keys of the backends that read them (their registries).
TABLES: dict[str, Any] = {
    "limits": LimitsSettings,
    "service": Service,
    "ledger": Ledger,
    "web": Web,
    CAMPUS: CampusCore,
    "campus.contact": Contact,
    "campus.source": Source,
    "campus.google": Account,
    "campus.mail": Mail,
    "campus.digest": Digest,
    "campus.web": CampusWeb,
    "campus.policy": CampusPolicy,
    "campus.lote": Lote,
    "campus.columns": Columns,
}


@dataclass(frozen=True)
class Place:
    """One table as the unknown-key check sees it."""

    keys: frozenset[str]  # what it may hold
    old: frozenset[str] = frozenset()  # old places of keys: still read, never suggested
    # the keys a key written in another table may be pointed to (None: all of `keys`)
    suggested: frozenset[str] | None = None


def subtables(table: str) -> list[str]:
    """The tables written inside `table` ("" is the top of the file), by their own name."""
    return [name.rpartition(".")[2] for name in TABLES if name.rpartition(".")[0] == table]


@functools.cache
def places() -> dict[str, Place]:
    """Every table by name ("" is the top of the file, "campus.mail" [campus.mail])."""
    found = {"": Place(frozenset(subtables("")))}
    for name, settings in TABLES.items():
        parent, _, own = name.rpartition(".")
        keys = settings.KEYS | frozenset(subtables(name))
        if parent == CAMPUS:
            keys |= SOURCES.keys_in(own) | STORES.keys_in(own) | SENDERS.keys_in(own)
        found[name] = _place(settings, keys)
    return found


def _place(settings: Any, keys: frozenset[str]) -> Place:
    old: frozenset[str] = getattr(settings, "OLD_KEYS", frozenset())
    return Place(keys, old, getattr(settings, "SUGGESTED", None))


def known() -> dict[str, frozenset[str]]:
    """Every table's valid keys, by table name."""
    return {name: place.keys for name, place in places().items()}


def unknown_keys(raw: dict[str, Any]) -> list[str]:
    """One line per key no table knows, with the closest valid key as the likely fix."""
    problems = _unknown(raw, "")
    campuses = raw.get(CAMPUS)
    for i, campus in enumerate(campuses if isinstance(campuses, list) else []):
        if not isinstance(campus, dict):
            continue
        name = campus.get("name", i)
        problems += _unknown(campus, CAMPUS, f"[[campus]] «{name}»")
        for sub in subtables(CAMPUS):
            if isinstance(campus.get(sub), dict):
                problems += _unknown(campus[sub], f"campus.{sub}", f"[campus.{sub}] de «{name}»")
    for table in subtables(""):
        if table != CAMPUS and isinstance(raw.get(table), dict):
            problems += _unknown(raw[table], table, f"[{table}]")
    return problems


def _unknown(table: dict[str, Any], kind: str, where: str = "el archivo") -> list[str]:
    place = places()[kind]
    read = place.keys | place.old
    return [_unknown_line(k, place.keys, where) for k in table if k not in read]


def _unknown_line(key: str, valid: frozenset[str], where: str) -> str:
    close = difflib.get_close_matches(key, sorted(valid), n=1, cutoff=0.6)
    if close:
        hint = f"¿quisiste decir «{close[0]}»?"
    else:
        elsewhere = _elsewhere(key, inside=where.startswith("[campus."))
        hint = elsewhere or "válidas: " + ", ".join(sorted(valid))
    return f"{where}: «{key}» no es una opción conocida; {hint}"


def _elsewhere(key: str, inside: bool) -> str:
    """The key's likely home in another table; inside a campus table, another campus table
    first: `path` in [campus.google] means [campus.source], not [ledger]."""
    tables = sorted(
        places().items(),
        key=lambda kv: inside and not kv[0].startswith("campus."),
    )
    for table, place in tables:
        keys = place.keys if place.suggested is None else place.suggested
        for match in difflib.get_close_matches(key, sorted(keys), n=1, cutoff=0.75):
            home = {"": "el inicio del archivo", CAMPUS: "[[campus]]"}.get(table, f"[{table}]")
            order = "" if table.startswith("campus.") else ", antes de las tablas [campus.…]"
            return f"¿quisiste decir «{match}»? (va en {home}{order})"
    return ""
