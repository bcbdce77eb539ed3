"""Text-extraction backends: PDF bytes → PdfText, one module per library.

The default reads with pypdfium2 (fast) and falls back to pdfplumber when pdfium
cannot open a file; both feed the same layout builder and parser.
"""

from .base import Backend, PageText, PdfText
from .chain import FirstThatReads
from .pdfium import PdfiumBackend
from .plumber import PdfplumberBackend

BACKENDS: dict[str, Backend] = {"pdfium": PdfiumBackend(), "pdfplumber": PdfplumberBackend()}
DEFAULT_BACKEND: Backend = FirstThatReads([BACKENDS["pdfium"], BACKENDS["pdfplumber"]])

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "Backend",
    "FirstThatReads",
    "PageText",
    "PdfText",
    "PdfiumBackend",
    "PdfplumberBackend",
]
