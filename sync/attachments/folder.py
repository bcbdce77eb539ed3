"""A local folder as the attachment store: upload cells hold paths relative to it.

A cell can never make us read outside the folder (`../../etc/passwd`, absolute
paths, links pointing out), nor open anything but a regular file: opening a
FIFO blocks until someone writes to it, and a device or socket is no constancia.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from facultativo.errors.system import os_error
from facultativo.settings import Deps
from facultativo.settings import Table as TomlTable
from facultativo.sync.attachments.base import AttachmentStore, Fetched, FetchFailure

_SEPARATORS = re.compile(r"[\n;,]+")


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except (OSError, ValueError):
        return False


# What a Google Form's file-upload answer holds: links to the files in Drive.
_DRIVE_LINK = re.compile(r"https?://(drive|docs)\.google\.com/", re.IGNORECASE)
_NOT_REGULAR = "el adjunto no es un archivo normal (tubería, dispositivo o socket)"


def is_drive_link(ref: str) -> bool:
    return bool(_DRIVE_LINK.match(ref.strip()))


class FolderStore(AttachmentStore):
    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()

    def refs(self, cell: object) -> list[str]:
        """File names in a cell; one name may itself hold a comma («Vigencia, Lucía.pdf»)."""
        if cell is None:
            return []
        whole = str(cell).strip()
        if whole and "\n" not in whole and _is_file(self.folder / whole):
            return [whole]
        return [r.strip() for r in _SEPARATORS.split(str(cell)) if r.strip()]

    def drive_hint(self) -> str:
        """What to do when the workbook holds the Form's Drive links instead of file names."""
        return (
            "el archivo es un enlace de Google Drive: en modo libro local descarga los adjuntos "
            f"a la carpeta {self.folder} o configura [campus.google]"
        )

    def elsewhere(self, ref: str) -> str | None:
        return self.drive_hint() if is_drive_link(ref) else None

    def fetch(self, ref: str, max_bytes: int) -> Fetched | FetchFailure:
        path = (self.folder / ref).resolve()
        if not path.is_relative_to(self.folder):
            return FetchFailure(f"ruta fuera de la carpeta de constancias: «{ref[:60]}»", False)
        try:
            mode = path.stat().st_mode  # before any open(): a FIFO would block it
            if stat.S_ISDIR(mode):
                raise IsADirectoryError
            if not stat.S_ISREG(mode):
                return FetchFailure(f"«{ref[:60]}»: {_NOT_REGULAR}")
            # O_NONBLOCK: should the path turn into a FIFO after the stat, open() still returns.
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
            with open(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    return FetchFailure(f"«{ref[:60]}»: {_NOT_REGULAR}")
                return Fetched(fh.read(max_bytes + 1), path.name)
        except FileNotFoundError:
            if is_drive_link(ref):
                return FetchFailure(self.drive_hint())
            # Usually a file still syncing into the folder: try again later.
            return FetchFailure(f"no se encontró el archivo «{ref[:60]}»")
        except IsADirectoryError:
            return FetchFailure(f"«{ref[:60]}» es una carpeta, no un archivo", False)
        except OSError as exc:
            return FetchFailure(f"no se pudo leer «{ref[:60]}»: {os_error(exc)}")


KIND = "folder"
TABLE = "source"


@dataclass(frozen=True)
class Settings:
    """[campus.source] attachments: the folder the upload cells' file names are in."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"attachments"})

    folder: Path

    @classmethod
    def from_table(cls, t: TomlTable) -> Settings:
        return cls(t.path("attachments", ".") or t.base)


def build(settings: Settings, deps: Deps) -> FolderStore:
    return FolderStore(settings.folder)
