"""The outbox sender: one .eml file per message in a folder (demo and dry runs).

A message sent twice is written twice (name.eml, name.2.eml), as a mail
server would deliver it twice, so duplicates stay visible.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import ClassVar

from facultativo.settings import Deps, Table
from facultativo.validators.text import os_error

from .base import Sender, SendError


class OutboxSender(Sender):
    name = "outbox"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def open(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SendError(f"no se pudo crear la carpeta {self.folder}: {os_error(exc)}") from None

    def send(self, message: EmailMessage) -> None:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", str(message["Message-ID"]).strip("<>"))[:120]
        target = self.folder / f"{stem}.eml"
        n = 1
        while target.exists():
            n += 1
            target = self.folder / f"{stem}.{n}.eml"
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".sending-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(message.as_bytes())
            os.replace(tmp, target)
        except OSError as exc:
            raise SendError(f"no se pudo escribir en {self.folder}: {os_error(exc)}") from None


KIND = "outbox"
TABLE = "mail"


@dataclass(frozen=True)
class Settings:
    """[campus.mail] sender = "outbox": a folder of .eml files (the demo, trials)."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"outbox"})

    folder: Path

    @classmethod
    def from_table(cls, t: Table) -> Settings:
        folder = t.path("outbox", "outbox") or t.base / "outbox"
        if folder.exists() and not folder.is_dir():  # «correos.txt»: every send would fail
            t.problem(f"{t.where}.outbox = «{folder}» es un archivo; escribe una carpeta.")
        return cls(folder)

    def describe(self) -> str:
        return f"se escriben en la carpeta {self.folder} (no se envían)"


def build(settings: Settings, deps: Deps) -> OutboxSender:
    return OutboxSender(settings.folder)
