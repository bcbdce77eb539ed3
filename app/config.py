"""facultativo.toml: campuses and limits, checked with one clear message per problem.

Every problem names the key and the fix, because the person reading it is the
office's IT person, not a Python developer.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .validators import Limits, Policy
from .validators.model import DEFAULT_TIMEZONE


class ConfigError(Exception):
    """One or more problems in the configuration file; `problems` lists them all."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Campus:
    name: str
    policy: Policy


@dataclass(frozen=True)
class Config:
    campuses: tuple[Campus, ...] = ()
    limits: Limits = field(default_factory=Limits)
    path: Path | None = None

    def campus(self, name: str | None) -> Campus | None:
        """The named campus; the only one when no name is given."""
        if name is None:
            return self.campuses[0] if len(self.campuses) == 1 else None
        key = name.casefold()
        return next((c for c in self.campuses if c.name.casefold() == key), None)


def load(path: Path) -> Config:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: el archivo no existe."]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: no se pudo leer ({exc})."]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: no es TOML válido: {exc}."]) from None
    problems: list[str] = []
    limits = _limits(raw.get("limits", {}), problems)
    campuses = tuple(_campuses(raw.get("campus"), problems))
    if problems:
        raise ConfigError([f"{path}: {p}" for p in problems])
    return Config(campuses, limits, path)


def _limits(raw: Any, problems: list[str]) -> Limits:
    if not isinstance(raw, dict):
        problems.append("[limits] debe ser una tabla.")
        return Limits()
    default = Limits()
    values = {
        "max_file_mb": (default.max_bytes // 2**20, 1, 100),
        "max_pages": (default.max_pages, 1, 100),
        "timeout_seconds": (default.timeout_seconds, 1, 300),
        "memory_mb": (default.memory_mb, 128, 16384),
    }
    got = {}
    for key, (fallback, low, high) in values.items():
        value = raw.get(key, fallback)
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not low <= value <= high
        ):
            problems.append(f"limits.{key} = {value!r}: usa un número entre {low} y {high}.")
            value = fallback
        got[key] = value
    return Limits(
        max_bytes=int(got["max_file_mb"] * 2**20),
        max_pages=int(got["max_pages"]),
        timeout_seconds=float(got["timeout_seconds"]),
        memory_mb=int(got["memory_mb"]),
    )


def _campuses(raw: Any, problems: list[str]) -> list[Campus]:
    if raw is None:
        problems.append("falta al menos un [[campus]] con name e institution_names.")
        return []
    if not isinstance(raw, list):
        problems.append("campus debe escribirse como [[campus]] (una tabla por campus).")
        return []
    return [c for i, item in enumerate(raw) if (c := _campus(i, item, problems))]


def _campus(i: int, raw: Any, problems: list[str]) -> Campus | None:
    where = f"campus[{i}]"
    if not isinstance(raw, dict):
        problems.append(f"{where} debe ser una tabla.")
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f'{where}.name falta: escribe un nombre corto, p. ej. name = "queretaro".')
        name = f"campus{i}"
    where = f"campus «{name}»"
    institutions = _strings(raw, "institution_names", where, problems)
    registros = _strings(raw, "registros_patronales", where, problems)
    for rp in registros:
        clean = rp.replace("-", "").replace(" ", "").upper()
        if len(clean) not in (10, 11) or not clean[:1].isalpha() or not clean[1:].isdigit():
            problems.append(
                f"{where}.registros_patronales: «{rp}» no parece un registro patronal "
                "(11 caracteres, p. ej. Y6012345321)."
            )
    if not institutions and not registros:
        problems.append(
            f"{where}: escribe institution_names o registros_patronales para reconocer "
            "a la escuela en las constancias."
        )
    tz = raw.get("timezone", DEFAULT_TIMEZONE)
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f'{where}.timezone = {tz!r}: usa una zona IANA, p. ej. "{DEFAULT_TIMEZONE}".'
        )
        tz = DEFAULT_TIMEZONE
    tolerance = raw.get("date_tolerance_days", 0)
    if not isinstance(tolerance, int) or isinstance(tolerance, bool) or not 0 <= tolerance <= 30:
        problems.append(f"{where}.date_tolerance_days = {tolerance!r}: usa un entero de 0 a 30.")
        tolerance = 0
    policy = Policy(tuple(institutions), tuple(registros), tolerance, str(tz))
    return Campus(name.strip(), policy)


def _strings(raw: dict, key: str, where: str, problems: list[str]) -> list[str]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f'{where}.{key} debe ser una lista de textos, p. ej. ["..."].')
        return []
    return [v.strip() for v in value if v.strip()]
