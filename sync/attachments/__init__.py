"""Attachment stores: the bytes behind the references in a response's upload cell."""

from .base import AttachmentStore, Fetched, FetchFailure, Refused

__all__ = ["AttachmentStore", "FetchFailure", "Fetched", "Refused"]
