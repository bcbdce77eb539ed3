"""Response sources: where form responses are read and status cells written.

One module per source, registered here by the `kind` of [campus.source]."""

from facultativo.settings.registry import Registry
from facultativo.sync.sources.base import CellWrite, ResponseSource, SourceError, Table

SOURCES = Registry(
    "source",
    {
        "xlsx": "facultativo.sync.sources.xlsx",
        "google": "facultativo.sync.sources.google_sheets",
    },
)

__all__ = ["SOURCES", "CellWrite", "ResponseSource", "SourceError", "Table"]
