"""pdfplumber backend: the design card's extraction library."""

from __future__ import annotations

import io
import logging

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

from ..layout import Glyph, build_lines, count_overlaps
from ..model import Limits, Problem
from ..motivos import Motivo
from .base import Backend, PageText, PdfText, too_many_pages

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
    glyphs = [
        Glyph(c["text"], float(c["x0"]), float(c["x1"]), float(c["top"]), float(c["bottom"]))
        for c in page.chars
    ]
    return PageText(
        lines=tuple(build_lines(glyphs)),
        chars=sum(1 for g in glyphs if g.text.strip()),
        images=len(page.images),
        overlaps=count_overlaps(glyphs, _white_boxes(page)),
    )


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
