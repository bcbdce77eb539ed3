"""Text-extraction backends: PDF bytes → PdfText, one module per library."""

from .base import Backend, PageText, PdfText
from .plumber import PdfplumberBackend

DEFAULT_BACKEND: Backend = PdfplumberBackend()

__all__ = ["DEFAULT_BACKEND", "Backend", "PageText", "PdfText", "PdfplumberBackend"]
