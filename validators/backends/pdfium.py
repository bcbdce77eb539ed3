"""pypdfium2 backend: the fast text path (about 2 ms a page against pdfplumber's 15-60).

It hands the same glyphs-with-boxes to the layout builder as the pdfplumber
backend, so everything after extraction is shared. Loose character boxes (font
ascent to descent) keep line heights steady for the gap rules in layout.py.
"""

from __future__ import annotations

import ctypes
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from ..layout import Glyph, build_lines, count_overlaps, off_page, on_white
from ..model import Limits, Problem
from ..motivos import Motivo
from ..orientation import Upright, quadrant
from .base import Backend, PageText, PdfText, too_many_pages


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
        frame = _frame(page, textpage)
        images, white, backgrounds, texts = 0, [], [], []
        for obj in page.get_objects(max_depth=2):
            if obj.type == raw.FPDF_PAGEOBJ_TEXT:
                texts.append(obj)
                continue
            box = frame.box(*obj.get_bounds())
            if obj.type == raw.FPDF_PAGEOBJ_IMAGE:
                images += 1
                backgrounds.append(box)
            elif obj.type == raw.FPDF_PAGEOBJ_PATH:
                fill = _fill(obj)
                if fill is not None and min(fill) >= 250:
                    white.append(box)
                elif fill is not None:
                    backgrounds.append(box)
        hidden = {_address(t) for t in texts if _hidden(t, frame, backgrounds)}
        glyphs, dropped = _glyphs(textpage, frame, hidden)
    finally:
        textpage.close()
        page.close()
    return PageText(
        lines=tuple(build_lines(glyphs)),
        chars=len(glyphs),
        images=images,
        overlaps=count_overlaps(glyphs, white),
        hidden=dropped,
    )


def _frame(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> Upright:
    """The reading frame: the media box, turned as most of the page's glyphs are."""
    count = textpage.count_chars()
    step = max(count // 40, 1)
    angles = [raw.FPDFText_GetCharAngle(textpage, i) for i in range(0, count, step)]
    return Upright(quadrant([a for a in angles if a >= 0]), *page.get_mediabox())


def _glyphs(
    textpage: pdfium.PdfTextPage, frame: Upright, hidden: set[int]
) -> tuple[list[Glyph], int]:
    """Visible characters with their loose boxes, and how many hidden ones were left out
    (asked of each character's text object, only when the page has some). Spaces are
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
        if hidden and _address_of(raw.FPDFText_GetTextObject(textpage, i)) in hidden:
            dropped += 1
            continue
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


_INVISIBLE = (3, 7)  # text render modes «neither fill nor stroke» and «clip only»


def _hidden(obj: pdfium.PdfObject, frame: Upright, backgrounds: list) -> bool:
    """Text a person cannot see: invisible, off the page, or white on the white page."""
    if raw.FPDFTextObj_GetTextRenderMode(obj.raw) in _INVISIBLE:
        return True
    box = frame.box(*obj.get_bounds())
    if off_page(box, *frame.size):
        return True
    fill = _fill(obj)
    return fill is not None and min(fill) >= 250 and on_white(box, backgrounds)


def _address(obj: pdfium.PdfObject) -> int:
    return _address_of(obj.raw)


def _address_of(handle: Any) -> int:
    return ctypes.cast(handle, ctypes.c_void_p).value or 0


def _fill(obj: pdfium.PdfObject) -> tuple[int, int, int] | None:
    """The fill colour of a filled, visible path or text object (None when it has none)."""
    if obj.type == raw.FPDF_PAGEOBJ_PATH:
        mode, stroke = ctypes.c_int(), ctypes.c_int()
        if not raw.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(mode), ctypes.byref(stroke)):
            return None
        if mode.value == raw.FPDF_FILLMODE_NONE:
            return None
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not raw.FPDFPageObj_GetFillColor(obj.raw, *(ctypes.byref(c) for c in (r, g, b, a))):
        return None
    return (r.value, g.value, b.value) if a.value > 0 else None
