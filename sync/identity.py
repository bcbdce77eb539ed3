"""Who each row is: its id in «Validación: id», checked against the ledger; rows without
an id yet are matched by their answers against the ledger, never against other rows.

The id travels with the row when staff sort, filter or insert rows, and stays when a
student edits the Form response or staff fix an address: the person stays the same.
An id cell beside answers the ledger knows as another response's (staff sorted only
some columns, or pasted a block) is that other response's block, misplaced. An id the
ledger never gave belongs to another install: that row is left alone and flagged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from .model import Entry
from .rows import Row, Who

_RANK = {Who.KNOWN: 0, Who.EDITED: 1, Who.MOVED: 2, Who.FOREIGN: 3, Who.NEW: 4}


def identify(rows: list[Row], entries: Mapping[str, Entry]) -> None:
    """Set each row's `key` (the response's id), `who` and `changed`; a second row of a
    response already on another row becomes a COPY."""
    by_content = _owners({e.content_key or k: k for k, e in entries.items()}, entries, "content")
    by_loose = _owners({}, entries, "loose")
    for row in rows:
        row.key, row.who = _who(row, entries, by_content, by_loose)
    _edited_without_id(rows, entries)
    for row in rows:
        entry = entries.get(row.key)
        if entry is not None and row.who is not Who.MOVED:
            row.changed = _changed(row, entry)
    _copies(rows)


def _edited_without_id(rows: list[Row], entries: Mapping[str, Entry]) -> None:
    """A response whose id is gone (its block deleted) and whose answers changed since (an
    edit gives a new timestamp) is found by its address: the one response of that address
    that no row of the sheet is any more. Two such, or none, and it is new."""
    claimed = {r.key for r in rows if r.who is not Who.NEW}
    absent: dict[str, str | None] = {}
    for key, entry in entries.items():
        if key not in claimed and entry.email_key:
            absent[entry.email_key] = None if entry.email_key in absent else key
    fresh = [r for r in rows if r.who is Who.NEW and not r.estado_cell.strip()]
    wanted = Counter(r.email_key for r in fresh)
    for row in fresh:
        owner = absent.get(row.email_key)
        if owner and wanted[row.email_key] == 1:
            row.key, row.who = owner, Who.EDITED


def _owners(seed: dict[str, str], entries: Mapping[str, Entry], kind: str) -> dict[str, str]:
    """Fingerprint → the one response that has it (a fingerprint two share proves nothing)."""
    if kind == "content":
        return seed
    found: dict[str, str | None] = {}
    for key, entry in entries.items():
        if entry.loose_key:
            found[entry.loose_key] = None if entry.loose_key in found else key
    return {k: v for k, v in found.items() if v is not None}


def _who(
    row: Row, entries: Mapping[str, Entry], by_content: dict[str, str], by_loose: dict[str, str]
) -> tuple[str, Who]:
    own = by_content.get(row.content_key)
    cell = row.id_cell
    if cell and cell in entries:
        entry = entries[cell]
        if row.content_key == (entry.content_key or cell):
            return cell, Who.KNOWN
        if own and own != cell:
            return own, Who.MOVED
        if row.loose_key and row.loose_key == entry.loose_key:
            return cell, Who.KNOWN  # read in another time zone
        return cell, Who.EDITED
    if cell:
        return (own, Who.MOVED) if own else (cell, Who.FOREIGN)
    if own:
        return own, Who.KNOWN
    loose = by_loose.get(row.loose_key or "")
    if loose:  # no id yet, read in another time zone (a new export, a corrected setting)
        return loose, Who.KNOWN
    return row.content_key, Who.NEW


def _changed(row: Row, entry: Entry) -> frozenset[str]:
    """What differs from the answers the ledger last saw (nothing when it never saw them)."""
    changed = set()
    if entry.input_key and row.input_key and entry.input_key != row.input_key:
        changed.add("answers")
    if entry.email_key and row.email_key and entry.email_key != row.email_key:
        changed.add("address")
    return frozenset(changed)


def _copies(rows: list[Row]) -> None:
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
                row.key, row.who, row.changed = row.content_key, Who.MOVED, frozenset()
