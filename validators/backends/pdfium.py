"""pypdfium2 backend: the fast text path (about 2 ms a page against pdfplumber's 15-60).

It hands the same glyphs-with-boxes to the layout builder as the pdfplumber
backend, so everything after extraction is shared. Loose character boxes (font
ascent to descent) keep line heights steady for the gap rules in layout.py.
"""

from __future__ import annotations

import ctypes
from collections.abc import Set as AbstractSet
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from facultativo.validators.backends.base import Backend, PageText, PdfText, too_many_pages
from facultativo.validators.layout import Glyph, build_lines, count_overlaps
from facultativo.validators.model import Limits, Problem
from facultativo.validators.motivos import Motivo
from facultativo.validators.orientation import Upright, quadrant, turn_of
from facultativo.validators.visibility import Paint, hidden_texts


class PdfiumBackend(Backend):
    name = "pdfium"

    def read(self, data: bytes, limits: Limits) -> PdfText | Problem:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                return Problem(Motivo.ARCHIVO_ILEGIBLE, "El PDF está protegido con contraseña.")
            return Problem(Motivo.ARCHIVO_ILEGIBLE, "El PDF está dañado (pdfium).")
        try:
            if len(pdf) > limits.max_pages:
                return too_many_pages(len(pdf), limits)
            pages = tuple(_page_text(pdf[i]) for i in range(len(pdf)))
            producer, creator = (pdf.get_metadata_value(k) for k in ("Producer", "Creator"))
        except pdfium.PdfiumError:  # a page or object pdfium cannot load: let the next try
            return Problem(Motivo.ARCHIVO_ILEGIBLE, "El PDF está dañado (pdfium).")
        finally:
            pdf.close()
        return PdfText(pages, producer or "", creator or "")


def _page_text(page: pdfium.PdfPage) -> PageText:
    textpage = page.get_textpage()
    try:
        frame, slanted = _frame(page, textpage)
        paints = [_paint(obj, frame) for obj in page.get_objects(max_depth=2)]
        painted = [p for p in paints if p is not None]
        unseen, covered = hidden_texts(painted, *frame.size)
        turn = frame.turn if slanted else None
        glyphs, dropped = _glyphs(textpage, frame, unseen | covered, covered, turn)
    finally:
        textpage.close()
        page.close()
    white = [p.box for p in painted if p.kind == "fill" and p.color and min(p.color[:3]) >= 250]
    return PageText(
        lines=tuple(build_lines(glyphs)),
        chars=len(glyphs),
        images=sum(1 for p in painted if p.kind == "image"),
        overlaps=count_overlaps(glyphs, white),
        hidden=dropped,
    )


def _frame(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> tuple[Upright, bool]:
    """The reading frame (the crop box, turned as the page's text is drawn), and whether
    some glyphs are drawn at another angle (a watermark), to be left out of the reading."""
    count = textpage.count_chars()
    step = max(count // 40, 1)
    angles = [raw.FPDFText_GetCharAngle(textpage, i) for i in range(0, count, step)]
    angles = [a for a in angles if a >= 0]
    turn = quadrant(angles)
    slanted = any(turn_of(a) != turn for a in angles)
    return Upright(turn, *page.get_cropbox()), slanted


_FILL_MODES = (0, 2, 4, 6)  # text render modes that fill the letters


def _paint(obj: pdfium.PdfObject, frame: Upright) -> Paint | None:
    """What one page object paints, for visibility.hidden_texts."""
    kind = obj.type
    if kind not in (
        raw.FPDF_PAGEOBJ_TEXT,
        raw.FPDF_PAGEOBJ_PATH,
        raw.FPDF_PAGEOBJ_IMAGE,
        raw.FPDF_PAGEOBJ_SHADING,
    ):
        return None
    if kind == raw.FPDF_PAGEOBJ_PATH:  # most are thin table rules: no box needed for those
        return _path_paint(obj, frame)
    box = frame.box(*obj.get_bounds())
    if kind == raw.FPDF_PAGEOBJ_TEXT:
        mode = raw.FPDFTextObj_GetTextRenderMode(obj.raw)
        color = _rgba(obj, stroke=mode not in _FILL_MODES)
        return Paint("text", box, color, mode, _address_of(obj.raw), _clip_box(obj, frame))
    if kind == raw.FPDF_PAGEOBJ_IMAGE:
        return Paint("image", box)
    return Paint("shading", box)


def _clip_box(obj: pdfium.PdfObject, frame: Upright) -> tuple[float, float, float, float] | None:
    """The box around the clipping path the object is drawn through (most have none)."""
    clip = raw.FPDFPageObj_GetClipPath(obj.raw)
    if not clip:
        return None
    x, y = ctypes.c_float(), ctypes.c_float()
    xs, ys = [], []
    for i in range(raw.FPDFClipPath_CountPaths(clip)):
        for j in range(raw.FPDFClipPath_CountPathSegments(clip, i)):
            segment = raw.FPDFClipPath_GetPathSegment(clip, i, j)
            if raw.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y)):
                xs.append(x.value)
                ys.append(y.value)
    return frame.box(min(xs), min(ys), max(xs), max(ys)) if xs else None


def _path_paint(obj: pdfium.PdfObject, frame: Upright) -> Paint | None:
    """A filled path, or a stroke thick enough to be a band of colour."""
    mode, stroke = ctypes.c_int(), ctypes.c_int()
    if not raw.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(mode), ctypes.byref(stroke)):
        return None
    if mode.value != raw.FPDF_FILLMODE_NONE:
        return Paint("fill", frame.box(*obj.get_bounds()), _rgba(obj))
    width = ctypes.c_float()
    thick = raw.FPDFPageObj_GetStrokeWidth(obj.raw, ctypes.byref(width)) and width.value >= 4
    if not (stroke.value and thick):
        return None
    return Paint("fill", frame.box(*obj.get_bounds()), _rgba(obj, stroke=True))


def _rgba(obj: pdfium.PdfObject, stroke: bool = False) -> tuple[int, int, int, int] | None:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    get = raw.FPDFPageObj_GetStrokeColor if stroke else raw.FPDFPageObj_GetFillColor
    if not get(obj.raw, *(ctypes.byref(c) for c in (r, g, b, a))):
        return None
    return (r.value, g.value, b.value, a.value)


def _glyphs(
    textpage: pdfium.PdfTextPage,
    frame: Upright,
    hidden: set[int],
    kept: AbstractSet[int] = frozenset(),
    turn: int | None = None,
) -> tuple[list[Glyph], int]:
    """Visible characters with their loose boxes, and how many hidden ones there were
    (asked of each character's text object, only when the page has some): left out,
    except the `kept` ones; glyphs at another angle than `turn` (a watermark) are left
    out too. Spaces are
    skipped: the layout measures gaps. The letters come from one call for the whole page
    when they line up with pdfium's indices (none beyond the BMP), and one rectangle is
    reused for every box: pdfium is asked once per letter, the least it can be."""
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count)
    if len(text) != count:
        text = "".join(chr(raw.FPDFText_GetUnicode(textpage, i) or 0xFFFE) for i in range(count))
    rect = raw.FS_RECTF()
    box = ctypes.byref(rect)
    charbox = raw.FPDFText_GetLooseCharBox
    upright = frame.turn == 0
    glyphs, dropped = [], 0
    for i, ch in enumerate(text):
        if ch <= " " or ch in _NOT_PRINTED:
            continue
        if hidden and (key := _address_of(raw.FPDFText_GetTextObject(textpage, i))) in hidden:
            dropped += 1
            if key not in kept:  # covered text stays in the reading, as a sign only
                continue
        if turn is not None and turn_of(raw.FPDFText_GetCharAngle(textpage, i)) != turn:
            continue  # a watermark across the page: not part of the reading, not hidden
        charbox(textpage, i, box)
        if upright:  # the usual page: no turn to apply
            glyphs.append(
                Glyph(ch, rect.left, rect.right, frame.top - rect.top, frame.top - rect.bottom)
            )
        else:
            x0, top, x1, bottom = frame.box(rect.left, rect.bottom, rect.right, rect.top)
            glyphs.append(Glyph(ch, x0, x1, top, bottom))
    return glyphs, dropped


_NOT_PRINTED = frozenset("\u00a0\ufffe\uffff")


def _address_of(handle: Any) -> int:
    return ctypes.cast(handle, ctypes.c_void_p).value or 0
