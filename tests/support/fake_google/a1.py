"""A1 notation, as much as the fake server needs: 'Tab'!A1:C7, Tab!B2, 'Tab', A:C."""

from __future__ import annotations

import re

_CELL = re.compile(r"([A-Z]*)(\d*)")


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def parse_range(a1: str) -> tuple[str | None, tuple[int, int, int | None, int | None]]:
    """(tab title, (row0, col0, row1, col1)) with 0-based inclusive ends, None = open."""
    title, _, cells = a1.rpartition("!")
    if not title:
        title, cells = (
            (cells, "") if not re.fullmatch(r"[A-Z]*\d*(:[A-Z]*\d*)?", cells) else ("", cells)
        )
    title = title[1:-1].replace("''", "'") if title.startswith("'") else title
    if not cells:
        return title or None, (0, 0, None, None)
    start, _, end = cells.partition(":")
    r0, c0 = _corner(start, 0)
    if not end:
        return title or None, (r0, c0, r0, c0)
    r1, c1 = _corner(end, None)
    return title or None, (r0, c0, r1, c1)


def _corner(ref: str, default: int | None) -> tuple[int | None, int | None]:
    m = _CELL.fullmatch(ref)
    assert m, ref
    col = column_index(m.group(1)) if m.group(1) else default
    row = int(m.group(2)) - 1 if m.group(2) else default
    return row, col  # type: ignore[return-value]
