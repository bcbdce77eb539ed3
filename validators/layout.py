"""Glyphs with positions → lines of cells, the one text shape parsing reads.

Backends differ in how they hand out characters; from here on every backend
looks the same. A *cell* is a run of words separated from the next run by a
wide gap (a table column, a label/value column), so that "label  value" in a
grid and "label: value" in running text both come out as something parseable.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

WORD_GAP = 0.12  # of the font size: wider than this is a space between words
CELL_GAP = 1.1  # of the font size: wider than this starts a new cell


class Glyph(NamedTuple):
    """One character (a tuple: a page makes thousands, and a frozen dataclass costs
    several times as much to build)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def size(self) -> float:
        return max(self.bottom - self.top, 1.0)


@dataclass(frozen=True)
class Cell:
    text: str
    x0: float
    x1: float
    top: float


Line = tuple[Cell, ...]
_TOP_X0 = itemgetter(3, 1)  # a Glyph's (top, x0): reading order, sorted in C
_X0 = itemgetter(1)


def build_lines(glyphs: list[Glyph]) -> list[Line]:
    """Group glyphs into visual lines (top to bottom) of cells (left to right).

    A glyph joins the current row when its middle lies within the row's first glyph
    (half a point of slack) and its top is within 0.6 of that glyph's height."""
    rows: list[list[Glyph]] = []
    row: list[Glyph] = []
    low = high = top = limit = 0.0
    for g in sorted((g for g in glyphs if g.text and not g.text.isspace()), key=_TOP_X0):
        mid = (g.top + g.bottom) / 2
        if row and low <= mid <= high and abs(g.top - top) < limit:
            row.append(g)
            continue
        row = [g]
        rows.append(row)
        low, high, top = g.top - 0.5, g.bottom + 0.5, g.top
        limit = 0.6 * max(g.bottom - g.top, 1.0)
    return [_cells(sorted(row, key=_X0)) for row in rows]


def _cells(row: list[Glyph]) -> Line:
    cells: list[Cell] = []
    parts: list[str] = []
    start = prev = row[0]
    prev_size = max(prev.bottom - prev.top, 1.0)
    for g in row[1:]:
        gap = g.x0 - prev.x1
        g_size = max(g.bottom - g.top, 1.0)
        size = prev_size if prev_size > g_size else g_size
        parts.append(prev.text)
        if gap > CELL_GAP * size:
            cells.append(Cell("".join(parts), start.x0, prev.x1, start.top))
            parts, start = [], g
        elif gap > WORD_GAP * size:
            parts.append(" ")
        prev, prev_size = g, g_size
    parts.append(prev.text)
    cells.append(Cell("".join(parts), start.x0, prev.x1, start.top))
    return tuple(cells)


Box = tuple[float, float, float, float]  # x0, top, x1, bottom


def count_overlaps(glyphs: list[Glyph], white_boxes: list[Box]) -> int:
    """Glyphs drawn over a different glyph inside a white box: the trace of a value
    painted out and typed again. Text that merely spills into the next table
    cell overlaps too, but never under a white box."""
    if not white_boxes:
        return 0
    # the white boxes' extent first: most glyphs are nowhere near one
    x_lo, top_lo = min(b[0] for b in white_boxes), min(b[1] for b in white_boxes)
    x_hi, top_hi = max(b[2] for b in white_boxes), max(b[3] for b in white_boxes)
    grid: dict[tuple[int, int], list[Glyph]] = {}
    hits = 0
    for g in glyphs:
        if g.x1 < x_lo or g.x0 > x_hi or g.bottom < top_lo or g.top > top_hi:
            continue
        if not g.text or g.text.isspace() or not _inside_any(g, white_boxes):
            continue
        key = (int(g.x0 // 8), int(g.top // 8))
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for other in grid.get((key[0] + dx, key[1] + dy), ()):
                    if other.text != g.text and _overlap_ratio(g, other) > 0.5:
                        hits += 1
        grid.setdefault(key, []).append(g)
    return hits


def _overlap_ratio(a: Glyph, b: Glyph) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.bottom, b.bottom) - max(a.top, b.top)
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a.x1 - a.x0) * (a.bottom - a.top), (b.x1 - b.x0) * (b.bottom - b.top))
    return (w * h) / smaller if smaller > 0 else 0.0


def _inside_any(g: Glyph, boxes: list[Box]) -> bool:
    cx, cy = (g.x0 + g.x1) / 2, (g.top + g.bottom) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)
