"""The outbox sender: one .eml file per message in a folder (demo and dry runs).

Each file is named by when the message was sent (campus time, as its Date says), the
sheet row it is about, the address as the logs mask it (the cycle hands it over masked:
the whole address is never in a name) and what it is:
`20261116-110305_fila17_an___@alumnos.example.mx_resultado.eml`; the digest, about no
row, `20261116-080000_je___@demo.example.mx_resumen.eml`.

A name already taken (the same row mailed twice in one second, or a message sent twice)
gets .2, .3… before .eml, so nothing is overwritten and duplicates stay visible.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import ClassVar

from facultativo.errors.system import os_error
from facultativo.notifiers.base import Sender, SendError
from facultativo.settings import Deps, Table

# What every file system takes in a name (Windows forbids <>:"/\|?* and control
# characters): anything else, the masking stars included, becomes "_".
_UNSAFE = re.compile(r"[^A-Za-z0-9@.+-]")


def file_name(message: EmailMessage, row: int | None = None, masked_to: str = "") -> str:
    """The stem of a message's file: time, row, masked address and kind, safe anywhere."""
    stamp = _sent_at(message).strftime("%Y%m%d-%H%M%S")
    # The Message-ID says what the message is: <resultado.0.…@…>, <resumen.…@…>
    kind = str(message.get("Message-ID", "")).strip().strip("<>").split(".", 1)[0]
    parts = [stamp, f"fila{row}" if row is not None else "", masked_to, kind or "correo"]
    safe = [_UNSAFE.sub("_", p)[:60].strip("._") for p in parts]
    return "_".join(p for p in safe if p)


def _sent_at(message: EmailMessage) -> datetime:
    try:
        return parsedate_to_datetime(str(message["Date"]))
    except (TypeError, ValueError):  # no Date header, or one nobody can read
        return datetime.now()


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
        self.deliver(message)

    def deliver(self, message: EmailMessage, row: int | None = None, masked_to: str = "") -> None:
        stem = file_name(message, row, masked_to)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".sending-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(message.as_bytes())
            _claim(Path(tmp), self.folder, stem)
        except OSError as exc:
            raise SendError(f"no se pudo escribir en {self.folder}: {os_error(exc)}") from None
        finally:
            Path(tmp).unlink(missing_ok=True)


def _claim(tmp: Path, folder: Path, stem: str) -> Path:
    """Give the written file the first free name: stem.eml, stem.2.eml… Linking fails when
    the name is taken, so two campuses writing to one folder at once never share a name;
    where hard links are not possible, the name is checked first."""
    n = 1
    while True:
        target = folder / (f"{stem}.eml" if n == 1 else f"{stem}.{n}.eml")
        try:
            os.link(tmp, target)
            return target
        except FileExistsError:
            n += 1
        except OSError:  # a file system without hard links (FAT, some shares)
            if not target.exists():
                os.replace(tmp, target)
                return target
            n += 1


KIND = "outbox"
TABLE = "mail"


@dataclass(frozen=True)
class Settings:
    """[campus.mail] sender = "outbox": a folder of .eml files (the demo, trials)."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"outbox"})
    can_probe: ClassVar[bool] = False  # a folder: nothing to log in to (`check --probar-correo`)

    folder: Path

    @classmethod
    def from_table(cls, t: Table) -> Settings:
        folder = t.path("outbox", "outbox") or t.base / "outbox"
        if folder.exists() and not folder.is_dir():  # «correos.txt»: every send would fail
            t.problem(f"{t.where}.outbox = «{folder}» es un archivo; escribe una carpeta.")
        return cls(folder)

    def secret_problem(self) -> str | None:
        return None  # no secret

    def describe(self) -> str:
        return f"se escriben en la carpeta {self.folder} (no se envían)"


def build(settings: Settings, deps: Deps) -> OutboxSender:
    return OutboxSender(settings.folder)
