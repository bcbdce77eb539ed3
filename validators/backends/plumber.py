"""pdfplumber backend: the design card's extraction library."""

from __future__ import annotations

import io
import logging

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

from facultativo.validators.backends.base import Backend, PageText, PdfText, too_many_pages
from facultativo.validators.layout import Box, Glyph, build_lines, count_overlaps
from facultativo.validators.model import Limits, Problem
from facultativo.validators.motivos import Motivo
from facultativo.validators.visibility import off_page, on_bare_page

logging.getLogger("pdfminer").setLevel(logging.ERROR)


class PdfplumberBackend(Backend):
    name = "pdfplumber"

    def read(self, data: bytes, limits: Limits) -> PdfText | Problem:
        try:
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                if len(pdf.pages) > limits.max_pages:
                    return too_many_pages(len(pdf.pages), limits)
                pages = tuple(_page_text(page) for page in pdf.pages)
                meta = pdf.metadata or {}
        except (PDFPasswordIncorrect, PDFEncryptionError):
            return Problem(Motivo.ARCHIVO_ILEGIBLE, "El PDF está protegido con contraseña.")
        except Exception:  # the parser's failures are the file's fault, not ours
            return Problem(
                Motivo.ARCHIVO_ILEGIBLE, "El PDF está dañado: no se pudo leer su contenido."
            )
        return PdfText(pages, _meta(meta, "Producer"), _meta(meta, "Creator"))


def _page_text(page: pdfplumber.page.Page) -> PageText:
    backgrounds = _coloured_boxes(page)
    width, height = float(page.width), float(page.height)
    chars = [
        (c, Glyph(c["text"], float(c["x0"]), float(c["x1"]), float(c["top"]), float(c["bottom"])))
        for c in page.chars
    ]
    # a line that runs over the page's edge is seen where it starts: only lines wholly
    # off the page are hidden (pdfium judges the whole text object the same way)
    seen_rows = {round(g.top) for _, g in chars if not off_page(_box(g), width, height)}
    glyphs, hidden = [], 0
    for c, g in chars:
        if g.text.strip() and _hidden(g, c, (width, height), seen_rows, backgrounds):
            hidden += 1
        else:
            glyphs.append(g)
    return PageText(
        lines=tuple(build_lines(glyphs)),
        chars=sum(1 for g in glyphs if g.text.strip()),
        images=len(page.images),
        overlaps=count_overlaps(glyphs, _white_boxes(page)),
        hidden=hidden,
    )


def _hidden(
    g: Glyph, char: dict, size: tuple[float, float], seen_rows: set[int], backgrounds: list[Box]
) -> bool:
    """Off the page, or white on the white page. (pdfminer does not report the text
    render mode, so invisible text is left to the pdfium backend.)"""
    box = _box(g)
    if off_page(box, *size) and not {round(g.top) - 1, round(g.top), round(g.top) + 1} & seen_rows:
        return True
    return is_white(char.get("non_stroking_color")) and on_bare_page(box, backgrounds)


def _box(g: Glyph) -> Box:
    return (g.x0, g.top, g.x1, g.bottom)


def _coloured_boxes(page: pdfplumber.page.Page) -> list[Box]:
    """Filled shapes that are not white, and pictures: what white text may sit on."""
    shapes = [
        r
        for r in (*page.rects, *page.curves)
        if r.get("fill") and not is_white(r.get("non_stroking_color"))
    ]
    return [
        (float(o["x0"]), float(o["top"]), float(o["x1"]), float(o["bottom"]))
        for o in (*shapes, *page.images)
    ]


def _white_boxes(page: pdfplumber.page.Page) -> list[tuple[float, float, float, float]]:
    return [
        (float(r["x0"]), float(r["top"]), float(r["x1"]), float(r["bottom"]))
        for r in page.rects
        if r.get("fill") and is_white(r.get("non_stroking_color"))
    ]


def is_white(color: object) -> bool:
    """White in gray, RGB or CMYK, as pdfminer reports fill colours."""
    if isinstance(color, int | float):
        color = (color,)
    if not isinstance(color, tuple | list) or not color:
        return False
    try:
        values = [float(v) for v in color]
    except (TypeError, ValueError):
        return False
    if len(values) == 4:
        return all(v <= 0.02 for v in values)
    return all(v >= 0.98 for v in values)


def _meta(meta: dict, key: str) -> str:
    value = meta.get(key, "")
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    return str(value)
