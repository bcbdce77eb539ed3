"""A local folder as the attachment store: upload cells hold paths relative to it.

A cell can never make us read outside the folder (`../../etc/passwd`, absolute
paths, links pointing out).
"""

from __future__ import annotations

import re
from pathlib import Path

from .base import AttachmentStore, Fetched, FetchFailure

_SEPARATORS = re.compile(r"[\n;,]+")


class FolderStore(AttachmentStore):
    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()

    def refs(self, cell: object) -> list[str]:
        if cell is None:
            return []
        return [r.strip() for r in _SEPARATORS.split(str(cell)) if r.strip()]

    def fetch(self, ref: str, max_bytes: int) -> Fetched | FetchFailure:
        path = (self.folder / ref).resolve()
        if not path.is_relative_to(self.folder):
            return FetchFailure(f"ruta fuera de la carpeta de constancias: «{ref[:60]}»", False)
        try:
            with path.open("rb") as fh:
                return Fetched(fh.read(max_bytes + 1), path.name)
        except FileNotFoundError:
            # Usually a file still syncing into the folder: try again later.
            return FetchFailure(f"no se encontró el archivo «{ref[:60]}»")
        except IsADirectoryError:
            return FetchFailure(f"«{ref[:60]}» es una carpeta, no un archivo", False)
        except OSError as exc:
            return FetchFailure(f"no se pudo leer «{ref[:60]}»: {exc.strerror}")
