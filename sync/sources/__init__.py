"""Response sources: where form responses are read and status cells written."""

from .base import CellWrite, ResponseSource, SourceError, Table

__all__ = ["CellWrite", "ResponseSource", "SourceError", "Table"]
