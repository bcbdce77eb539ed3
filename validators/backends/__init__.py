"""Text-extraction backends: PDF bytes → PdfText, one module per library.

The default reads with pypdfium2 (fast) and falls back to pdfplumber when pdfium
cannot open a file; both feed the same layout builder and parser.
"""

from facultativo.validators.backends.base import Backend, PageText, PdfText
from facultativo.validators.backends.chain import FirstThatReads
from facultativo.validators.backends.pdfium import PdfiumBackend
from facultativo.validators.backends.plumber import PdfplumberBackend

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
