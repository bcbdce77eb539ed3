"""A campus and the whole configuration, as the rest of facultativo reads them; and
[[campus]]'s own keys (its sub-tables are Settings of their own, config/schema.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from facultativo.config.common import FORM_EXAMPLE, NOT_A_REGISTRO, registro_valido, web_address
from facultativo.config.lote import Lote
from facultativo.config.mail import Mail
from facultativo.config.tables import Contact, Digest, Ledger, Service, Web
from facultativo.google_api.account import Account
from facultativo.settings import Backend, Table, shown
from facultativo.sync.block import PREFIX
from facultativo.sync.process import Retry
from facultativo.validators import Limits, Policy
from facultativo.validators.model import Reimpresion


@dataclass(frozen=True)
class CampusCore:
    """[[campus]]'s own keys: what the campus is called, how its school is recognised, its
    retries, its first day and its Form."""

    KEYS: ClassVar[frozenset[str]] = frozenset(
        {
            "name",
            "institution_names",
            "registros_patronales",
            "timezone",
            "desde",
            "form_url",
            "date_tolerance_days",
            "max_attempts",
            "retry_minutes",
        }
    )

    institutions: tuple[str, ...] = ()
    registros: tuple[str, ...] = ()
    timezone: str = Policy.timezone
    date_tolerance_days: int = Policy.tolerance_days
    max_attempts: int = Retry.max_attempts  # ERROR TEMPORAL retries before REVISIÓN MANUAL
    retry_minutes: float = Retry.minutes  # the first wait; it doubles
    # Responses from before this moment (campus time) were handled by hand: never
    # validated nor mailed, marked ANTERIOR.
    desde: datetime | None = None
    form_url: str = ""

    @staticmethod
    def name_of(raw: dict[str, Any], i: int, problems: list[str]) -> str:
        """The name, read first: every other problem of the campus is told by it."""
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(
                f'campus[{i}].name falta: escribe un nombre corto, p. ej. name = "queretaro".'
            )
            return f"campus{i}"
        return name

    @classmethod
    def from_table(cls, t: Table) -> CampusCore:
        institutions = t.strings("institution_names")
        registros = t.strings("registros_patronales")
        for rp in registros:
            if not registro_valido(rp):
                t.problem(f"{t.where}.registros_patronales: «{rp}» {NOT_A_REGISTRO}")
        if not institutions and not registros:
            t.problem(
                f"{t.where}: escribe institution_names o registros_patronales para reconocer "
                "a la escuela en las constancias."
            )
        tz = _timezone(t)
        return cls(
            tuple(institutions),
            tuple(registros),
            tz,
            int(t.number("date_tolerance_days", cls.date_tolerance_days, 0, 30, whole=True)),
            int(t.number("max_attempts", cls.max_attempts, 1, 50, whole=True)),
            t.number("retry_minutes", cls.retry_minutes, 0, 1440),
            _desde(t, tz),
            web_address(t, "form_url", "del formulario", FORM_EXAMPLE),
        )

    def policy(self, reimpresion: Reimpresion) -> Policy:
        """The rules the verdicts follow, with [campus.policy]'s reimpresion."""
        return Policy(
            self.institutions,
            self.registros,
            self.date_tolerance_days,
            self.timezone,
            reimpresion,
        )


def _timezone(t: Table) -> str:
    tz = t.raw.get("timezone", CampusCore.timezone)
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        t.problem(
            f'{t.where}.timezone = {shown(tz)}: usa una zona IANA, p. ej. "{CampusCore.timezone}".'
        )
        return CampusCore.timezone
    return str(tz)


def _desde(t: Table, tz: str) -> datetime | None:
    """`desde = "2026-11-23T00:00"`: the campus's first day, in its own time zone."""
    value = t.raw.get("desde")
    if value is None:
        return None
    if isinstance(value, datetime | date):
        moment = (
            value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        )
    else:
        try:
            if not isinstance(value, str) or not re.match(r"\s*\d{4}-\d{2}-\d{2}", value):
                raise ValueError  # 20261123 is a number, not a day
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            t.problem(
                f"{t.where}.desde = {shown(value)}: escribe la fecha y hora de inicio como "
                '"2026-11-23T00:00".'
            )
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(tz))


@dataclass(frozen=True)
class Campus:
    """One campus put together from [[campus]] and its tables, as the cycle, the commands
    and the page read it."""

    name: str
    policy: Policy
    contact: Contact = field(default_factory=Contact)
    source: Backend | None = None  # sync/sources/<kind>.py and its Settings
    store: Backend | None = None  # sync/attachments/<kind>.py: where the uploads are
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mail: Mail = field(default_factory=Mail)
    google: Account | None = None  # [campus.google]: the key for every Google backend
    digest: Digest = field(default_factory=Digest)
    max_attempts: int = CampusCore.max_attempts
    retry_minutes: float = CampusCore.retry_minutes
    desde: datetime | None = None  # earlier responses are ANTERIOR (CampusCore.desde)
    # [campus] form_url: the Form students send. Emails that ask for it again link to it,
    # and so does the pre-check page for a constancia in order.
    form_url: str = ""
    # [campus.web] url: the pre-check page's public address; those emails invite the
    # student to check the new constancia there first.
    web_url: str = ""
    lote: Lote = field(default_factory=Lote)
    # [campus.columns] prefijo: the status block's headers read «<prefijo>: estado»…
    prefijo: str = PREFIX

    @property
    def registro(self) -> str:
        """The registro patronal the batch for IMSS carries."""
        chosen = self.lote.registro_patronal
        registros = self.policy.registros_patronales
        return chosen or (registros[0] if registros else "")


@dataclass(frozen=True)
class Config:
    campuses: tuple[Campus, ...] = ()
    limits: Limits = field(default_factory=Limits)
    path: Path | None = None
    ledger: Path = Ledger.path
    interval_minutes: float = Service.interval_minutes
    watch_seconds: float = Service.watch_seconds
    web: Web = field(default_factory=Web)

    def campus(self, name: str | None) -> Campus | None:
        """The named campus; the only one when no name is given."""
        if name is None:
            return self.campuses[0] if len(self.campuses) == 1 else None
        key = name.casefold()
        return next((c for c in self.campuses if c.name.casefold() == key), None)
