"""Reading one table of facultativo.toml: typed values, each problem one Spanish line.

Every backend (senders in notifiers/, sources and attachment stores in sync/) declares
its own `Settings.from_table(table)`, and so does every other table of the file (app/config/);
`app/config/reader.py` hands each one a `Table` and collects the problems of all of them,
so the office sees every mistake at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def shown(value: Any) -> str:
    """A value as it is written in the TOML file (true, "texto"), not as Python prints it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    return str(value)


def _plain(number: float) -> str:
    """1000000, not 1e+06: the person reading it types it into the file."""
    return str(int(number)) if float(number).is_integer() else f"{number}"


@dataclass
class Table:
    """One TOML table (`raw`), named `where` in messages, with paths relative to `base`."""

    raw: dict[str, Any]
    where: str
    base: Path = Path(".")
    problems: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def has(self, key: str) -> bool:
        return key in self.raw

    def text(self, key: str, default: str = "") -> str:
        value = self.raw.get(key, default)
        if not isinstance(value, str):
            self.problem(
                f'{self.where}.{key} debe ser un texto entre comillas, p. ej. {key} = "...".'
            )
            return default
        return value.strip()

    def path(self, key: str, default: str = "") -> Path | None:
        """A path relative to the configuration file's folder; None when not given."""
        value = self.text(key, default)
        return self.base / value if value else None

    def number(
        self, key: str, default: float, low: float, high: float, whole: bool = False
    ) -> float:
        """A number in range; `whole` ones refuse 2.5 instead of silently using 2."""
        value = self.raw.get(key, default)
        kinds = int if whole else int | float
        if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
            what = "un número entero" if whole else "un número"
            self.problem(
                f"{self.where}.{key} = {shown(value)}: usa {what} entre {_plain(low)} y "
                f"{_plain(high)}."
            )
            return default
        return value

    def flag(self, key: str, default: bool) -> bool:
        """true or false, nothing else: «"no"» is a text, and a text would read as true."""
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            self.problem(f"{self.where}.{key} = {shown(value)}: usa true o false.")
            return default
        return value

    def strings(self, key: str) -> list[str]:
        """A list of texts; one text alone is a list of one."""
        value = self.raw.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(f'{self.where}.{key} debe ser una lista de textos, p. ej. ["..."].')
            return []
        return [v.strip() for v in value if v.strip()]

    def choice(self, key: str, options: Iterable[str], default: str, why: str = "") -> str:
        allowed = list(options)
        raw = self.raw.get(key, default)
        value = raw.strip() if isinstance(raw, str) else raw
        if value not in allowed:
            self.problem(
                f"{self.where}.{key} = {shown(value)}: usa uno de {', '.join(allowed)}"
                + (f" ({why})." if why else ".")
            )
            return default
        return value


@dataclass(frozen=True)
class Deps:
    """What a backend may need besides its own settings: the campus's name and its
    [campus.google] account (a google_api.Account), for senders that go through Google."""

    campus: str = ""
    google: Any = None


from facultativo.settings.registry import Backend  # noqa: E402  (re-exported: config names a backend)

__all__ = ["Backend", "Deps", "Table", "shown"]
