"""Pages whose text is drawn a quarter or half turn round, to be read upright.

A landscape scan, or a page printed sideways and turned with /Rotate, draws its text
rotated so that it shows upright on screen. The layout builder reads lines left to
right and top to bottom, so every box is first turned into the reading frame: the one
where the page's dominant text direction runs left to right.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in the reading frame


def quadrant(angles: list[float]) -> int:
    """The quarter turn (0, 90, 180, 270) most of the sampled glyph angles (radians,
    as pdfium reports them) are drawn at."""
    if not angles:
        return 0
    turns = Counter(round(math.degrees(a) / 90) % 4 * 90 for a in angles)
    return turns.most_common(1)[0][0]


@dataclass(frozen=True)
class Upright:
    """User space (x right, y up, inside the media box) → the reading frame."""

    turn: int
    left: float
    bottom: float
    right: float
    top: float

    def box(self, x0: float, y0: float, x1: float, y1: float) -> Box:
        """A box given as left, bottom, right, top in user space."""
        if self.turn == 90:  # pdfium measures angles clockwise
            return (self.top - y1, self.right - x1, self.top - y0, self.right - x0)
        if self.turn == 270:
            return (y0 - self.bottom, x0 - self.left, y1 - self.bottom, x1 - self.left)
        if self.turn == 180:
            return (self.right - x1, y0 - self.bottom, self.right - x0, y1 - self.bottom)
        return (x0, self.top - y1, x1, self.top - y0)

    @property
    def size(self) -> tuple[float, float]:
        """Width and height of the page in the reading frame."""
        w, h = self.right - self.left, self.top - self.bottom
        return (h, w) if self.turn in (90, 270) else (w, h)
