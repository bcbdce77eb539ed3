"""Who each row is: its id in «<prefijo>: id», checked against the ledger; rows without
an id yet are matched by their answers against the ledger, never against other rows.

The id travels with the row when staff sort, filter or insert rows, and stays when a
student edits the Form response or staff fix an address: the person stays the same.
An id cell beside answers the ledger knows as another response's (staff sorted only
some columns, or pasted a block) is that other response's block, misplaced. An id the
ledger never gave belongs to another install: that row is left alone and flagged.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

from facultativo.sync.model import Entry
from facultativo.sync.rows import Row, Who

# What a ledger writes in «<prefijo>: id»: its prefix (sync/ledger/meta.py) and the first
# answers' fingerprint, or the fingerprint alone (ids given before prefixes).
_ID = re.compile(r"(?:[0-9a-f]{6}-)?[0-9a-f]{20}")
_RANK = {Who.KNOWN: 0, Who.EDITED: 1, Who.MOVED: 2, Who.FOREIGN: 3, Who.NEW: 4}


def identify(
    rows: list[Row], entries: Mapping[str, Entry], prefix: str = "", ours: bool | None = False
) -> None:
    """Set each row's `key` (the response's id), `who` and `changed`; a second row of a
    response already on another row becomes a COPY. `prefix`: the ledger's own mark on the
    ids it gives, so that two ledgers never give one answer the same id. `ours`: the sheet
    carries this ledger's mark (None: no mark, as after a fresh export), so a response that
    lost its id may be recognised by half of its answers: on our sheet, or on an unmarked one
    where the ledger knows other rows whole; never on a sheet that may be another's."""
    by_content = _unique((e.content_key or _unprefixed(k, prefix), k) for k, e in entries.items())
    by_loose = _unique((e.loose_key, k) for k, e in entries.items())
    for row in rows:
        row.key, row.who = _who(row, entries, by_content, by_loose, prefix)
    if ours or (ours is None and any(r.who is Who.KNOWN for r in rows)):
        _edited_without_id(rows, entries)
    for row in rows:
        entry = entries.get(row.key)
        if entry is not None and row.who is not Who.MOVED:
            row.changed = _changed(row, entry)
    _copies(rows, prefix)


def _unprefixed(key: str, prefix: str) -> str:
    return key[len(prefix) :] if prefix and key.startswith(prefix) else key


def _unique(pairs: Iterable[tuple[str | None, str]]) -> dict[str, str]:
    """Fingerprint → the one response that has it (a fingerprint two share proves nothing)."""
    found: dict[str, str | None] = {}
    for print_, key in pairs:
        if print_:
            found[print_] = None if found.get(print_, key) != key else key
    return {k: v for k, v in found.items() if v is not None}


def _edited_without_id(rows: list[Row], entries: Mapping[str, Entry]) -> None:
    """A response whose id is gone (its block deleted) and whose answers or address changed
    since is found by what did not change: its answers (an address corrected) or its address
    (an answer edited), among the responses no row of the sheet is any more. Two such, or
    none, and it is new."""
    claimed = {r.key for r in rows if r.who is not Who.NEW}
    absent = {k: e for k, e in entries.items() if k not in claimed}
    fresh = [r for r in rows if r.who is Who.NEW and not r.estado_cell.strip()]
    for field in ("input_key", "email_key"):
        owners = _unique((getattr(e, field), k) for k, e in absent.items())
        wanted = Counter(getattr(r, field) for r in fresh)
        for row in fresh:
            owner = owners.get(getattr(row, field))
            if row.who is Who.NEW and owner in absent and wanted[getattr(row, field)] == 1:
                row.key, row.who = owner, Who.EDITED
                del absent[owner]


def _who(
    row: Row,
    entries: Mapping[str, Entry],
    by_content: dict[str, str],
    by_loose: dict[str, str],
    prefix: str,
) -> tuple[str, Who]:
    own = by_content.get(row.content_key)
    cell = row.id_cell
    if cell and cell in entries:
        entry = entries[cell]
        if row.content_key == (entry.content_key or _unprefixed(cell, prefix)):
            return cell, Who.KNOWN
        if own and own != cell:
            return own, Who.MOVED
        if row.loose_key and row.loose_key == entry.loose_key:
            return cell, Who.KNOWN  # read in another time zone
        return cell, Who.EDITED
    if cell and _ID.fullmatch(cell):  # an id another ledger gave: its row, not ours
        return cell, Who.FOREIGN
    if own:  # no id, or text in the id cell that no ledger writes: its answers say who
        return own, Who.KNOWN
    loose = by_loose.get(row.loose_key or "")
    if loose:  # no id yet, read in another time zone (a new export, a corrected setting)
        return loose, Who.KNOWN
    return prefix + row.content_key, Who.NEW


def _changed(row: Row, entry: Entry) -> frozenset[str]:
    """What differs from the answers the ledger last saw (nothing when it never saw them)."""
    changed = set()
    if entry.input_key and row.input_key and entry.input_key != row.input_key:
        changed.add("answers")
    if entry.email_key and row.email_key and entry.email_key != row.email_key:
        changed.add("address")
    return frozenset(changed)


def _copies(rows: list[Row], prefix: str) -> None:
    """One response on several rows (a row staff copied or pasted): the one that is it
    most surely keeps the id, the others are copies, never decided nor mailed again.
    A second row with other answers that carries the same id is a block pasted on it."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(row.key, []).append(row)
    for key, group in groups.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda r: (_RANK[r.who], not r.estado_cell.strip(), r.index))
        first = group[0]
        n = 0
        for row in group[1:]:
            if row.content_key == first.content_key:
                n += 1
                row.key, row.who, row.copy_of = f"{key}.{n}", Who.COPY, first.number
            else:
                row.key, row.who, row.changed = prefix + row.content_key, Who.MOVED, frozenset()
