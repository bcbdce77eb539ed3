"""Which text on a page a person can see.

A forger can put a second text layer where nobody sees it, and a reader that trusts the
text layer reads the forgery: «Servicio médico: NO» drawn invisible above the real «SI»,
or a student's data over a picture of someone else's constancia. IMSS's generator draws
every letter it writes, so text nobody sees is left out of the reading and is a sign of
editing (validators/integrity.py).

Pure: the backend lists what the page paints, in painting order, in the reading frame.
Not judged (known gaps): text the same colour as a coloured shape, a shading or a
picture under it.
"""

from __future__ import annotations

from typing import NamedTuple

Box = tuple[float, float, float, float]  # x0, top, x1, bottom
RGBA = tuple[int, int, int, int]

PALE = 240  # every channel at least this: as good as white on paper
FAINT = 13  # alpha below this (5 %): as good as transparent
_INVISIBLE_MODES = (3, 7)  # neither fill nor stroke; clip only
_STROKE_ONLY_MODES = (1, 5)


class Paint(NamedTuple):
    """One thing the page paints. `color` is what shows: a text object's fill (its stroke
    in stroke-only modes), a path's fill; None for pictures and shadings."""

    kind: str  # "text", "fill" (a filled or thick stroked path), "image", "shading"
    box: Box
    color: RGBA | None = None
    mode: int = 0  # a text object's render mode
    key: int = 0  # a text object's handle, to find its characters again
    clip: Box | None = None  # the box of the clipping path it is drawn through, if any


def hidden_texts(paints: list[Paint], width: float, height: float) -> tuple[set[int], set[int]]:
    """The keys of the text objects nobody sees, in two sets:
    - unseen: invisible or transparent, wholly off the page, or pale on the pale page:
      left out of the reading;
    - covered: under something opaque painted after them. Kept in the reading (the
      other backend cannot tell paint order, and an edit's covered old value is already
      caught as overlapping text), but a sign all the same."""
    unseen, covered = set(), set()
    # what can cover text, with where it is in the painting order: few on a page
    covers = [(i, p) for i, p in enumerate(paints) if _opaque(p)]
    for i, paint in enumerate(paints):
        if paint.kind != "text":
            continue
        if _unseen(paint, paints, i, width, height):
            unseen.add(paint.key)
        elif any(j > i and _contains(p.box, paint.box) for j, p in covers):
            covered.add(paint.key)
    return unseen, covered


def _unseen(text: Paint, paints: list[Paint], i: int, width: float, height: float) -> bool:
    if text.mode in _INVISIBLE_MODES or text.color is None or text.color[3] < FAINT:
        return True
    if off_page(text.box, width, height) or _clipped_away(text):
        return True
    return _pale(text.color) and not any(_shows_under(p, text.box) for p in paints[:i])


def _clipped_away(text: Paint) -> bool:
    """Drawn through a clipping path that lets (almost) none of it show."""
    if text.clip is None:
        return False
    x0, top, x1, bottom = text.box
    cx0, ctop, cx1, cbottom = text.clip
    shown = max(0.0, min(x1, cx1) - max(x0, cx0)) * max(0.0, min(bottom, cbottom) - max(top, ctop))
    return shown < 0.2 * max((x1 - x0) * (bottom - top), 1e-6)


def off_page(box: Box, width: float, height: float) -> bool:
    x0, top, x1, bottom = box
    return x1 <= 0 or x0 >= width or bottom <= 0 or top >= height


def on_bare_page(box: Box, backgrounds: list[Box]) -> bool:
    """Whether white text at `box` sits on the page's white: no coloured shape or picture
    under it (for a backend that only knows where those are, not their paint order)."""
    return not any(_center_inside(box, outer) for outer in backgrounds)


def _pale(color: RGBA) -> bool:
    return min(color[:3]) >= PALE


def _shows_under(paint: Paint, box: Box) -> bool:
    """Something under pale text that is not the page's white: it makes the text seen."""
    if paint.kind in ("image", "shading"):
        return _center_inside(box, paint.box)
    if paint.kind == "fill" and paint.color is not None:
        return paint.color[3] >= 128 and not _pale(paint.color) and _center_inside(box, paint.box)
    return False


def _opaque(paint: Paint) -> bool:
    """A picture, or a shape filled without transparency: what hides text painted before."""
    return paint.kind == "image" or (
        paint.kind == "fill" and paint.color is not None and paint.color[3] >= 250
    )


def _contains(outer: Box, box: Box) -> bool:
    x0, top, x1, bottom = outer
    return x0 <= box[0] + 1 and top <= box[1] + 1 and x1 >= box[2] - 1 and bottom >= box[3] - 1


def _center_inside(box: Box, outer: Box) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3]
