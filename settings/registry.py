"""A family of backends by kind, imported only when asked for.

Each backend is one module exporting `KIND`, `TABLE` (the [campus.TABLE] its keys
live in), a frozen `Settings` with `KEYS` and `from_table(table)`, and
`build(settings, deps)`. Adding a backend means adding one module and one line in
its family's registry (notifiers/, sync/sources/, sync/attachments/). Each family asks a
little more of its Settings:

- a sender: `describe()` (where the emails go, for `check`), `secret_problem()` (a password
  the environment or a file must hold and does not), `can_probe` (whether `check
  --probar-correo` can try it without sending: its Sender's `probe`), and `needs_google`
  when [campus.google]'s key sends;
- a source: `clashes(other)` (why two campuses must not share it, or None), the
  module's `STORE`, the store kind its upload cells point to, and a third argument to
  `build`: the campus's status block (sync/block.py), the words it writes in the sheet.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any


class Registry:
    def __init__(self, family: str, modules: dict[str, str]) -> None:
        self.family = family
        self.modules = modules  # kind -> module path

    def kinds(self) -> list[str]:
        return list(self.modules)

    def __contains__(self, kind: object) -> bool:
        return kind in self.modules

    def __getitem__(self, kind: str) -> ModuleType:
        return importlib.import_module(self.modules[kind])

    def __iter__(self) -> Iterator[ModuleType]:
        return (self[kind] for kind in self.modules)

    def keys_in(self, table: str) -> frozenset[str]:
        """Every key any backend of the family reads from [campus.`table`]."""
        found: set[str] = set()
        for module in self:
            if table == module.TABLE:
                found |= module.Settings.KEYS
        return frozenset(found)


@dataclass(frozen=True)
class Backend:
    """A backend chosen in the configuration: its registry kind and its own settings."""

    kind: str
    settings: Any
