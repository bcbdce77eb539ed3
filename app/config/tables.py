"""The small tables of facultativo.toml, each a frozen Settings with its `KEYS` and
`from_table(table)`, as the backends' are (settings/registry.py): the keys a table may hold
are written once, in its Settings, and config/schema.py walks them for the unknown-key
check. A default is stated once too: in the field, or in the lower layer that owns it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import ClassVar

from facultativo.config.common import EMAIL, FORM_EXAMPLE, PAGE_EXAMPLE, web_address
from facultativo.settings import Table, shown
from facultativo.sync.block import PREFIX
from facultativo.sync.columns import FIELDS, TIPO_OPTIONS
from facultativo.sync.sources import SOURCES
from facultativo.validators import Limits, Policy
from facultativo.validators.model import Reimpresion
from facultativo.validators.text import fold

LEDGER = "facultativo.db"  # beside the configuration file unless [ledger] path says otherwise
MB = 2**20


@dataclass(frozen=True)
class Contact:
    """[campus.contact]: what students see at the foot of every email."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"office", "email", "address", "hours"})

    office: str = "Servicios Escolares"
    email: str = ""
    address: str = ""
    hours: str = ""

    @classmethod
    def from_table(cls, t: Table) -> Contact:
        values = {f.name: t.text(f.name) for f in fields(cls)}
        email = values["email"]
        if email and not EMAIL.fullmatch(email):
            t.problem(f"{t.where}.email = {shown(email)}: no parece un correo.")
        return cls(**{k: v for k, v in values.items() if v})  # "" keeps the default


_DAYS = {"lun": 0, "mar": 1, "mie": 2, "jue": 3, "vie": 4, "sab": 5, "dom": 6}
_DAY_NAMES = {number: name for name, number in _DAYS.items()}
_HH_MM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


@dataclass(frozen=True)
class Digest:
    """[campus.digest]: the daily summary for staff."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"recipients", "time", "days"})

    recipients: tuple[str, ...] = ()
    time: str = "08:00"
    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday=0: business days

    @classmethod
    def from_table(cls, t: Table) -> Digest:
        recipients = t.strings("recipients")
        for r in recipients:
            if not EMAIL.fullmatch(r):
                t.problem(f"{t.where}.recipients: «{r}» no parece un correo.")
        time_ = t.text("time") or cls.time
        if not _HH_MM.fullmatch(time_):
            t.problem(
                f'{t.where}.time = {shown(time_)}: usa HH:MM en 24 horas, p. ej. "{cls.time}".'
            )
            time_ = cls.time
        days = []
        for name in t.strings("days") or [_DAY_NAMES[d] for d in cls.days]:
            key = fold(name)[:3].lower()
            if key not in _DAYS:
                t.problem(
                    f"{t.where}.days: «{name}» no es un día (lun, mar, mie, jue, vie, sab, dom)."
                )
            else:
                days.append(_DAYS[key])
        return cls(tuple(recipients), time_, tuple(sorted(set(days))))


@dataclass(frozen=True)
class CampusWeb:
    """[campus.web]: the pre-check page's public address; the emails that ask for the Form
    again invite the student to check the new constancia there first."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"url"})
    # [[campus]] form_url's old place: still read (installations have it), never suggested
    OLD_KEYS: ClassVar[frozenset[str]] = frozenset({"form_url"})

    url: str = ""
    form_url: str = ""  # as written in the old place

    @classmethod
    def from_table(cls, t: Table) -> CampusWeb:
        old = web_address(t, "form_url", "del formulario", FORM_EXAMPLE)
        return cls(web_address(t, "url", "de la página", PAGE_EXAMPLE), old)


@dataclass(frozen=True)
class CampusPolicy:
    """[campus.policy] reimpresion: what a constancia re-printed through a browser, a phone
    or a PDF printer gets (docs/CONSTANCIA.md §8). The rest of the campus's Policy comes
    from [[campus]]'s own keys (config/model.py CampusCore)."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"reimpresion"})

    reimpresion: Reimpresion = Policy.reimpresion

    @classmethod
    def from_table(cls, t: Table) -> CampusPolicy:
        value = t.raw.get("reimpresion", cls.reimpresion.value)
        folded = fold(value).lower() if isinstance(value, str) else None
        if folded in {r.value for r in Reimpresion}:
            return cls(Reimpresion(folded))
        t.problem(
            f'{t.where}.reimpresion = {shown(value)}: usa "revision" (una constancia '
            'reimpresa va a REVISIÓN MANUAL, como una editada) o "aceptar" (la decide su '
            "contenido y el motivo solo anota que es reimpresa)."
        )
        return cls()


@dataclass(frozen=True)
class Columns:
    """[campus.columns]: the Form's own question texts by field (sync/columns.py FIELDS),
    its own texts for each tipo option, and the name of facultativo's block of columns."""

    KEYS: ClassVar[frozenset[str]] = frozenset(FIELDS) | frozenset(TIPO_OPTIONS) | {"prefijo"}
    # Its keys are the Form's field names (email, nombre…), not settings: a key misplaced in
    # another table is pointed here only when it is the block's name.
    SUGGESTED: ClassVar[frozenset[str]] = frozenset({"prefijo"})

    texts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    prefijo: str = PREFIX  # the status block's headers read «<prefijo>: estado»…

    @classmethod
    def from_table(cls, t: Table) -> Columns:
        texts = {k: tuple(t.strings(k)) for k in t.raw if k in cls.KEYS and k != "prefijo"}
        both = {" ".join(x.casefold().split()) for x in texts.get("alta", ())} & {
            " ".join(x.casefold().split()) for x in texts.get("baja", ())
        }
        for text in sorted(both):
            t.problem(
                f"{t.where}: «{text}» está en alta y en baja; déjalo solo en la que corresponde."
            )
        return cls(texts, _prefijo(t))


def _prefijo(t: Table) -> str:
    """The status block's name: one short line of text, the same on every header."""
    if not t.has("prefijo"):
        return Columns.prefijo
    value = t.text("prefijo", Columns.prefijo)
    if not value or len(value) > 40 or not value.isprintable() or ":" in value:
        raw = t.raw["prefijo"]
        written = (
            shown(" ".join(raw.split())[:40] + ("…" if len(raw) > 40 else ""))
            if isinstance(raw, str)
            else shown(raw)
        )
        t.problem(
            f"{t.where}.prefijo = {written}: escribe un nombre corto para el bloque de "
            "columnas de facultativo (hasta 40 caracteres, una línea, sin «:»), p. ej. "
            f'"{Columns.prefijo}".'
        )
        return Columns.prefijo
    return value


@dataclass(frozen=True)
class Source:
    """[campus.source] kind: which sync/sources/ module reads the responses. The table's
    other keys belong to that module's Settings and to its attachment store's."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"kind"})

    kind: str = ""  # "" when not written (or refused): the campus's tables decide

    @classmethod
    def from_table(cls, t: Table) -> Source:
        return cls(t.choice("kind", SOURCES.kinds(), "") if t.has("kind") else "")


@dataclass(frozen=True)
class LimitsSettings:
    """[limits]: guards against hostile files. validators/ reads no settings, so the table
    is read here into a validators `Limits`, whose defaults are the only ones."""

    KEYS: ClassVar[frozenset[str]] = frozenset(
        {"max_file_mb", "max_pages", "timeout_seconds", "memory_mb"}
    )

    @classmethod
    def from_table(cls, t: Table) -> Limits:
        d = Limits()
        return Limits(
            max_bytes=int(t.number("max_file_mb", d.max_bytes / MB, 1, 100) * MB),
            max_pages=int(t.number("max_pages", d.max_pages, 1, 100, whole=True)),
            timeout_seconds=t.number("timeout_seconds", d.timeout_seconds, 1, 300),
            memory_mb=int(t.number("memory_mb", d.memory_mb, 128, 16384, whole=True)),
        )


@dataclass(frozen=True)
class Service:
    """[service]: how often `facultativo run` looks at each campus."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"interval_minutes", "watch_seconds"})

    interval_minutes: float = 5.0  # the safety net: a full cycle at least this often
    watch_seconds: float = 20.0  # how often the service looks for changes (0: never)

    @classmethod
    def from_table(cls, t: Table) -> Service:
        interval = t.number("interval_minutes", cls.interval_minutes, 0.01, 1440)
        watch = t.number("watch_seconds", cls.watch_seconds, 0, 3600)
        if 0 < watch < 1:  # a look many times a second costs CPU and floods the log
            t.problem(
                f"[{t.where}] watch_seconds = {shown(watch)}: usa 0 (no mirar) o de 1 a 3600 "
                "segundos."
            )
            watch = cls.watch_seconds
        return cls(interval, watch)


@dataclass(frozen=True)
class Ledger:
    """[ledger]: the file of what was processed and sent, one per installation."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"path"})

    path: Path = Path(LEDGER)  # relative to the configuration file's folder

    @classmethod
    def from_table(cls, t: Table) -> Ledger:
        return cls(t.base / str(t.raw.get("path", LEDGER)))


@dataclass(frozen=True)
class Web:
    """[web]: the students' pre-check page (`facultativo web`). A campus's Wi-Fi shows
    many students as one address, so the office may need to raise the per-address limit."""

    KEYS: ClassVar[frozenset[str]] = frozenset(
        {"checks_per_address", "window_minutes", "max_concurrent", "upload_seconds", "wait_seconds"}
    )

    checks_per_address: int = 10
    window_minutes: float = 10.0
    # checks at once, each holding its upload in memory; more get «la página está ocupada»
    max_concurrent: int = 8
    upload_seconds: float = 120.0  # to receive one upload: a 10 MB file on a slow phone
    # a check that waits this long for a free reader gets «ocupada»: well before nginx
    # gives up on the page (proxy_read_timeout 60s in deploy/nginx-facultativo.conf)
    wait_seconds: float = 30.0

    @classmethod
    def from_table(cls, t: Table) -> Web:
        return cls(
            checks_per_address=int(
                t.number("checks_per_address", cls.checks_per_address, 1, 10**6, True)
            ),
            window_minutes=t.number("window_minutes", cls.window_minutes, 0.1, 1440),
            max_concurrent=int(t.number("max_concurrent", cls.max_concurrent, 1, 100, True)),
            upload_seconds=t.number("upload_seconds", cls.upload_seconds, 1, 3600),
            wait_seconds=t.number("wait_seconds", cls.wait_seconds, 1, 300),
        )
