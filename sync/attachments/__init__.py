"""Attachment stores: the bytes behind the references in a response's upload cell.

One module per store, registered here; a source names the store its upload cells
point to (`STORE`)."""

from facultativo.settings.registry import Registry
from facultativo.sync.attachments.base import AttachmentStore, Fetched, FetchFailure, Refused

STORES = Registry(
    "store",
    {
        "folder": "facultativo.sync.attachments.folder",
        "google": "facultativo.sync.attachments.google_drive",
    },
)

__all__ = ["STORES", "AttachmentStore", "FetchFailure", "Fetched", "Refused"]
