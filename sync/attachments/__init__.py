"""Attachment stores: the bytes behind the references in a response's upload cell."""

from .base import AttachmentStore, Fetched, FetchFailure

__all__ = ["AttachmentStore", "FetchFailure", "Fetched"]
