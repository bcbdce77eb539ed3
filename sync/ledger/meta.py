"""The ledger's own identity: an id, and the install (host and path) that created it.

A sheet is worked by one ledger (sync/ownership.py): the sheet carries this id. A ledger
file copied to a second machine or folder keeps the id, so its recorded install tells the
copy from the original, and the copy asks to be adopted deliberately.
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

from facultativo.sync.block import PREFIX
from facultativo.sync.ledger.store import Store


def install_here(path: Path) -> str:
    """This machine and this ledger file, as one line: what a copy cannot share."""
    machine = ""
    for source in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            machine = Path(source).read_text("ascii").strip()[:12]
            break
        except OSError:
            continue
    host = socket.gethostname() or "?"
    return f"{host}{'/' + machine if machine else ''}:{os.path.abspath(path)}"


class Meta(Store):
    def _meta(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def _set_meta(self, values: dict[str, str]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO meta (name, value) VALUES (?, ?)"
                " ON CONFLICT DO UPDATE SET value = excluded.value",
                list(values.items()),
            )

    def ledger_id(self) -> str:
        """Created on first use (and for a ledger older than ids), with the install."""
        found = self._meta("ledger_id")
        if found is None:
            found = uuid.uuid4().hex[:16]
            self._set_meta({"ledger_id": found, "install": install_here(self.path)})
        return found

    def id_prefix(self) -> str:
        """What the ids this ledger gives start with: two ledgers never give one answer
        the same id, so a sheet worked by another is seen row by row too."""
        return self.ledger_id()[:6] + "-"

    def block_of(self, campus: str) -> str:
        """The status block this ledger last wrote for the campus ([campus.columns] prefijo):
        after the prefijo changes, the cells of a block found under the new name are older
        than the ledger, never staff's. Ledgers from before the prefijo wrote the default."""
        return self._meta(f"block:{campus}") or PREFIX

    def wrote_block(self, campus: str, prefix: str) -> None:
        if self._meta(f"block:{campus}") != prefix:
            self._set_meta({f"block:{campus}": prefix})

    def install(self) -> str:
        self.ledger_id()
        return self._meta("install") or ""

    def moved(self) -> str | None:
        """Where the ledger was created, when that is not here (copied or moved), else None."""
        recorded = self.install()
        return recorded if recorded != install_here(self.path) else None

    def adopt_here(self) -> str:
        """A new id for this ledger, made here: the sheet is marked with it, and any other
        copy of the old ledger then finds the sheet marked by another."""
        new = uuid.uuid4().hex[:16]
        self._set_meta({"ledger_id": new, "install": install_here(self.path)})
        return new
