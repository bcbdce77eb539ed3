"""The interface an attachment store implements (local folder, Google Drive)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class Fetched:
    data: bytes
    name: str


@dataclass(frozen=True)
class FetchFailure:
    """Why a file could not be had. `transient`: try again next cycle (the row
    shows ERROR TEMPORAL); otherwise the detail says what a person must fix."""

    detail: str
    transient: bool = True
    # The store itself could not be reached (network, proxy, the key refused): nothing is
    # known about this file, so the try does not count towards giving up on it.
    unreachable: bool = False


@dataclass(frozen=True)
class Refused:
    """The store knows, without handing over the bytes, that this cannot be a
    constancia (an image, a Google Doc, too big): a verdict on the file."""

    detail: str


class AttachmentStore(ABC):
    @abstractmethod
    def refs(self, cell: object) -> list[str]:
        """Every file reference in an upload cell, in order; [] when empty."""

    @abstractmethod
    def fetch(self, ref: str, max_bytes: int) -> Fetched | FetchFailure | Refused:
        """The file's bytes (at most max_bytes + 1, so screening can see it is too big)."""

    def elsewhere(self, ref: str) -> str | None:
        """Why `ref` cannot be in this store at all, with the fix (a Drive link in a local
        folder's workbook), for `check`; None when it may be."""
        return None

    def probe(self, ref: str) -> FetchFailure | None:
        """Whether a file could be read, without reading it (for `facultativo check`)."""
        got = self.fetch(ref, 0)
        return got if isinstance(got, FetchFailure) else None
