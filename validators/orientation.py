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
    """The quarter turn (0, 90, 180, 270) the page is read at, from sampled glyph angles
    (radians, as pdfium reports them). Upright text wins whenever there is a fair share of
    it: a diagonal or sideways watermark with more letters than the body («DOCUMENTO
    INFORMATIVO» repeated across the page) must not turn the body sideways."""
    turns = Counter(t for t in (turn_of(a) for a in angles) if t is not None)
    if not turns or turns[0] >= UPRIGHT_SHARE * len(angles):
        return 0
    return turns.most_common(1)[0][0]


def turn_of(angle: float) -> int | None:
    """The quarter turn a glyph is drawn at, None when it is drawn at a slant."""
    degrees = math.degrees(angle) % 360
    turn = round(degrees / 90) % 4 * 90
    off = min(abs(degrees - turn), 360 - abs(degrees - turn))
    return turn if off <= SLANT_DEGREES else None


UPRIGHT_SHARE = 0.25
SLANT_DEGREES = 10  # a scan a few degrees crooked is still upright


@dataclass(frozen=True)
class Upright:
    """User space (x right, y up, inside the crop box) → the reading frame."""

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
