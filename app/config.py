"""facultativo.toml: campuses and limits, checked with one clear message per problem.

Every problem names the key and the fix, because the person reading it is the
office's IT person, not a Python developer.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from facultativo.errors import ConfigError
from facultativo.errors.system import os_error
from facultativo.google_api.account import Account
from facultativo.settings import Backend, Table, shown
from facultativo.sync.block import PREFIX
from facultativo.validators import Limits, Policy
from facultativo.validators.model import DEFAULT_TIMEZONE, Reimpresion
from facultativo.validators.text import fold

LEDGER = "facultativo.db"  # beside the configuration file unless [ledger] path says otherwise
DAILY_CAP = 1500  # emails a campus may send a day: below Google Workspace's 2,000
BUSINESS_DAYS = (0, 1, 2, 3, 4)  # when the staff digest goes out by default (Monday=0)


@dataclass(frozen=True)
class Contact:
    """What students see at the foot of every email."""

    office: str = "Servicios Escolares"
    email: str = ""
    address: str = ""
    hours: str = ""


@dataclass(frozen=True)
class Mail:
    """[campus.mail]: how students' emails leave. The sender's own settings (host, port,
    mailbox...) belong to its module in notifiers/; secrets come from the environment
    or a file, never from facultativo.toml."""

    sender: Backend = field(default_factory=lambda: Backend("outbox", _outbox()))
    from_address: str = ""
    daily_cap: int = DAILY_CAP
    templates: Path | None = None  # a folder whose templates replace the bundled ones
    # "sombra": decide and write verdicts, mail no student (the first weeks, to gain trust)
    modo: str = "normal"
    # a staff decision is mailed once it has stood this long, so a slip can still be fixed
    espera_decision_minutos: float = 10
    # students decided in shadow mode, or before `desde`, hear staff's decisions and
    # follow-ups too (by default they never hear from facultativo)
    avisar_anteriores: bool = False


def _outbox() -> Any:
    from facultativo.notifiers.outbox import Settings

    return Settings(Path("outbox"))


@dataclass(frozen=True)
class Digest:
    """[campus.digest]: the daily summary for staff."""

    recipients: tuple[str, ...] = ()
    time: str = "08:00"
    days: tuple[int, ...] = BUSINESS_DAYS  # Monday=0


@dataclass(frozen=True)
class Lote:
    """[campus.lote]: the file `facultativo lote` makes for registering accepted students
    in IMSS's system (sync/lote/)."""

    # its columns, in order (sync/lote/batch.py COLUMNS); () is DEFAULT_COLUMNS there.
    # «id» always follows them, last.
    columnas: tuple[str, ...] = ()
    # the school's registro patronal in the file ("": the first of registros_patronales)
    registro_patronal: str = ""


@dataclass(frozen=True)
class Web:
    """[web]: the students' pre-check page (`facultativo web`). A campus's Wi-Fi shows
    many students as one address, so the office may need to raise the per-address limit."""

    checks_per_address: int = 10
    window_minutes: float = 10.0
    # checks at once, each holding its upload in memory; more get «la página está ocupada»
    max_concurrent: int = 8
    upload_seconds: float = 120.0  # to receive one upload: a 10 MB file on a slow phone
    # a check that waits this long for a free reader gets «ocupada»: well before nginx
    # gives up on the page (proxy_read_timeout 60s in deploy/nginx-facultativo.conf)
    wait_seconds: float = 30.0


@dataclass(frozen=True)
class Campus:
    name: str
    policy: Policy
    contact: Contact = field(default_factory=Contact)
    source: Backend | None = None  # sync/sources/<kind>.py and its Settings
    store: Backend | None = None  # sync/attachments/<kind>.py: where the uploads are
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mail: Mail = field(default_factory=Mail)
    google: Account | None = None  # [campus.google]: the key for every Google backend
    digest: Digest = field(default_factory=Digest)
    max_attempts: int = 5
    retry_minutes: float = 5.0
    # Responses from before this moment (campus time) were handled by hand: never
    # validated nor mailed, marked ANTERIOR.
    desde: datetime | None = None
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
    ledger: Path = Path(LEDGER)
    interval_minutes: float = 5.0  # the safety net: a full cycle at least this often
    watch_seconds: float = 20.0  # how often the service looks for changes (0: never)
    web: Web = field(default_factory=Web)

    def campus(self, name: str | None) -> Campus | None:
        """The named campus; the only one when no name is given."""
        if name is None:
            return self.campuses[0] if len(self.campuses) == 1 else None
        key = name.casefold()
        return next((c for c in self.campuses if c.name.casefold() == key), None)


def load(path: Path) -> Config:
    try:
        # utf-8-sig: Windows Notepad starts the file with a BOM that TOML does not allow.
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: el archivo no existe."]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: no está en UTF-8; guárdalo como UTF-8."]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: no se pudo leer ({os_error(exc)})."]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: {_toml_error(exc)}"]) from None
    return parse(raw, path)


def _toml_error(exc: tomllib.TOMLDecodeError) -> str:
    """tomllib explains in English; staff get the place and the usual fixes in Spanish."""
    where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
    place = f"línea {where.group(1)}, columna {where.group(2)}" if where else "posición desconocida"
    return (
        f"no es TOML válido ({place}): revisa que los textos vayan entre comillas, que cada "
        "tabla [..] se escriba una sola vez y que no falten «=», «]» ni comas en las listas."
    )


# Every key each table may hold: a misspelled one ([campus.mial], recipents) is an error
# naming the closest valid key, never silently ignored. A backend's keys come from its own
# Settings (notifiers/, sync/sources/, sync/attachments/).
CAMPUS_KEYS = frozenset(
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
        "contact",
        "source",
        "google",
        "digest",
        "columns",
        "mail",
        "web",
        "policy",
        "lote",
    }
)
LOTE_KEYS = frozenset({"columnas", "registro_patronal"})
MAIL_KEYS = frozenset(
    {
        "sender",
        "from",
        "daily_cap",
        "templates",
        "modo",
        "espera_decision_minutos",
        "avisar_anteriores",
    }
)


@functools.cache
def known() -> dict[str, frozenset[str]]:
    from facultativo.notifiers import SENDERS
    from facultativo.sync.attachments import STORES
    from facultativo.sync.sources import SOURCES

    def backends(table: str) -> frozenset[str]:
        return SOURCES.keys_in(table) | STORES.keys_in(table) | SENDERS.keys_in(table)

    return {
        "": frozenset({"limits", "campus", "service", "ledger", "web"}),
        "limits": frozenset({"max_file_mb", "max_pages", "timeout_seconds", "memory_mb"}),
        "service": frozenset({"interval_minutes", "watch_seconds"}),
        "ledger": frozenset({"path"}),
        "web": frozenset(
            {
                "checks_per_address",
                "window_minutes",
                "max_concurrent",
                "upload_seconds",
                "wait_seconds",
            }
        ),
        "campus": CAMPUS_KEYS,
        "campus.contact": frozenset({"office", "email", "address", "hours"}),
        "campus.source": frozenset({"kind"}) | backends("source"),
        "campus.google": Account.KEYS | backends("google"),
        "campus.mail": MAIL_KEYS | backends("mail"),
        "campus.digest": frozenset({"recipients", "time", "days"}),
        "campus.web": frozenset({"url"}),
        "campus.policy": frozenset({"reimpresion"}),
        "campus.lote": LOTE_KEYS,
    }


# A key's old place, still read (see _links) but never suggested for a misspelled key.
OLD_KEYS = {"campus.web": frozenset({"form_url"})}


def _table(raw: dict[str, Any], name: str, problems: list[str]) -> dict[str, Any]:
    value = raw.get(name, {})
    if isinstance(value, dict):
        return value
    problems.append(
        f"«{name} = {_shown(value)}»: {name} es una tabla; escribe [{name}] en su propia línea y "
        f'debajo sus opciones (p. ej. [ledger] y path = "facultativo.db").'
    )
    return {}


def unknown_keys(raw: dict[str, Any]) -> list[str]:
    """One line per key no table knows, with the closest valid key as the likely fix."""
    problems = _unknown(raw, "")
    campuses = raw.get("campus")
    for i, campus in enumerate(campuses if isinstance(campuses, list) else []):
        if not isinstance(campus, dict):
            continue
        name = campus.get("name", i)
        problems += _unknown(campus, "campus", f"[[campus]] «{name}»")
        for sub in ("contact", "source", "google", "mail", "digest", "web", "policy", "lote"):
            if isinstance(campus.get(sub), dict):
                problems += _unknown(campus[sub], f"campus.{sub}", f"[campus.{sub}] de «{name}»")
        columns = campus.get("columns")
        if isinstance(columns, dict):
            from facultativo.sync.columns import FIELDS, TIPO_OPTIONS

            names = frozenset(FIELDS) | frozenset(TIPO_OPTIONS) | {"prefijo"}
            for key in columns:
                if key not in names:
                    problems.append(_unknown_line(key, names, f"[campus.columns] de «{name}»"))
    for table in ("limits", "service", "ledger", "web"):
        if isinstance(raw.get(table), dict):
            problems += _unknown(raw[table], table, f"[{table}]")
    return problems


def _unknown(table: dict[str, Any], kind: str, where: str = "el archivo") -> list[str]:
    valid = known()[kind] | OLD_KEYS.get(kind, frozenset())
    return [_unknown_line(k, known()[kind], where) for k in table if k not in valid]


def _unknown_line(key: str, valid: frozenset[str], where: str) -> str:
    close = difflib.get_close_matches(key, sorted(valid), n=1, cutoff=0.6)
    if close:
        hint = f"¿quisiste decir «{close[0]}»?"
    else:
        # inside a campus table, another campus table first: `path` in [campus.google]
        # means [campus.source], not [ledger]
        inside = where.startswith("[campus.")
        tables = sorted(known().items(), key=lambda kv: inside and not kv[0].startswith("campus."))
        elsewhere = [
            (match, table)
            for table, keys in tables
            for match in difflib.get_close_matches(key, sorted(keys), n=1, cutoff=0.75)
        ]
        if elsewhere:
            match, table = elsewhere[0]
            home = {"": "el inicio del archivo", "campus": "[[campus]]"}.get(table, f"[{table}]")
            order = "" if table.startswith("campus.") else ", antes de las tablas [campus.…]"
            hint = f"¿quisiste decir «{match}»? (va en {home}{order})"
        else:
            hint = "válidas: " + ", ".join(sorted(valid))
    return f"{where}: «{key}» no es una opción conocida; {hint}"


def parse(raw: dict[str, Any], path: Path) -> Config:
    """Check every key; report all problems at once, each with its fix."""
    base = path.resolve().parent
    problems: list[str] = unknown_keys(raw)
    limits = _limits(raw.get("limits", {}), problems)
    campuses = tuple(_campuses(raw.get("campus"), base, problems))
    problems += _shared(campuses)
    service = _table(raw, "service", problems)
    interval = _number(service, "interval_minutes", 5.0, 0.01, 1440, "service", problems)
    watch = _number(service, "watch_seconds", 20.0, 0, 3600, "service", problems)
    if 0 < watch < 1:  # a look many times a second costs CPU and floods the log
        problems.append(
            f"[service] watch_seconds = {_shown(watch)}: usa 0 (no mirar) o de 1 a 3600 segundos."
        )
        watch = 20.0
    ledger = base / str(_table(raw, "ledger", problems).get("path", LEDGER))
    web = _web(_table(raw, "web", problems), problems)
    if problems:  # one line each, even when two backends read the same table
        raise ConfigError([f"{path}: {p}" for p in dict.fromkeys(problems)])
    return Config(campuses, limits, path, ledger, interval, watch, web)


def _web(raw: dict[str, Any], problems: list[str]) -> Web:
    t, d = Table(raw, "web", problems=problems), Web()
    return Web(
        checks_per_address=int(
            t.number("checks_per_address", d.checks_per_address, 1, 10**6, True)
        ),
        window_minutes=t.number("window_minutes", d.window_minutes, 0.1, 1440),
        max_concurrent=int(t.number("max_concurrent", d.max_concurrent, 1, 100, True)),
        upload_seconds=t.number("upload_seconds", d.upload_seconds, 1, 3600),
        wait_seconds=t.number("wait_seconds", d.wait_seconds, 1, 300),
    )


# An address a student opens: http(s), a host, nothing a link could break on.
URL = re.compile(r"https?://[^\s/?#<>\"']+(?:[/?#][^\s<>\"']*)?", re.IGNORECASE)
FORM_EXAMPLE = "https://forms.gle/AbCdEf123"
PAGE_EXAMPLE = "https://facultativo.escuela.mx"


def _links(raw: dict, where: str, problems: list[str]) -> tuple[str, str]:
    """[campus] form_url and [campus.web] url: the Form and the pre-check page, as the
    emails and the page link to them. form_url's old place, [campus.web] form_url, is
    still read; both places with different addresses is an error naming both."""
    web = raw.get("web", {})
    if not isinstance(web, dict):
        problems.append(f"{where}.web debe ser una tabla [campus.web].")
        web = {}
    form = _url(raw, "form_url", where, "del formulario", FORM_EXAMPLE, problems)
    old = _url(web, "form_url", where + ".web", "del formulario", FORM_EXAMPLE, problems)
    if form and old and form != old:
        problems.append(
            f"{where}: form_url = {_shown(form)} y [campus.web] form_url = {_shown(old)} son "
            "formularios distintos; deja solo form_url (en [[campus]]) y borra el de "
            "[campus.web]."
        )
    page = _url(web, "url", where + ".web", "de la página", PAGE_EXAMPLE, problems)
    return form or old, page


def _url(raw: dict, key: str, where: str, what: str, example: str, problems: list[str]) -> str:
    url = Table(raw, where, problems=problems).text(key)
    if url and not URL.fullmatch(url):
        problems.append(
            f"{where}.{key} = {_shown(url)}: escribe la dirección completa {what}, "
            f'p. ej. "{example}".'
        )
        return ""
    return url


def _shared(campuses: tuple[Campus, ...]) -> list[str]:
    """Two campuses must not share a ledger key, nor a place their source writes to (each
    source's Settings.clashes says what that is): their cycles would overwrite each
    other's results. One line per pair, with the fix."""
    problems = []
    for i, a in enumerate(campuses):
        for b in campuses[i + 1 :]:
            pair = f"campus «{a.name}» y campus «{b.name}»"
            if _ledger_key(a) == _ledger_key(b):
                problems.append(
                    f"{pair} compartirían la bitácora (mismo name): cambia el name de uno de ellos."
                )
            elif a.source and b.source and a.source.kind == b.source.kind:
                clash = a.source.settings.clashes(b.source.settings)
                if clash:
                    problems.append(f"{pair} {clash}")
    return problems


def _ledger_key(campus: Campus) -> str:
    """Ledger rows and the lock file are keyed by the name (the lock file keeps only
    letters, digits, - and _; lookups ignore case)."""
    from facultativo.sync.lock import _safe

    return _safe(campus.name).casefold()


def _number(
    raw: dict,
    key: str,
    default: float,
    low: float,
    high: float,
    where: str,
    problems: list[str],
    whole: bool = False,
) -> float:
    return Table(raw, where, problems=problems).number(key, default, low, high, whole)


_shown = shown


def _limits(raw: Any, problems: list[str]) -> Limits:
    if not isinstance(raw, dict):
        problems.append("[limits] debe ser una tabla.")
        return Limits()
    d = Limits()
    return Limits(
        max_bytes=int(
            _number(raw, "max_file_mb", d.max_bytes / 2**20, 1, 100, "limits", problems) * 2**20
        ),
        max_pages=int(
            _number(raw, "max_pages", d.max_pages, 1, 100, "limits", problems, whole=True)
        ),
        timeout_seconds=_number(
            raw, "timeout_seconds", d.timeout_seconds, 1, 300, "limits", problems
        ),
        memory_mb=int(
            _number(raw, "memory_mb", d.memory_mb, 128, 16384, "limits", problems, whole=True)
        ),
    )


def _campuses(raw: Any, base: Path, problems: list[str]) -> list[Campus]:
    if raw is None:
        problems.append("falta al menos un [[campus]] con name e institution_names.")
        return []
    if not isinstance(raw, list):
        problems.append("campus debe escribirse como [[campus]] (una tabla por campus).")
        return []
    return [c for i, item in enumerate(raw) if (c := _campus(i, item, base, problems))]


def _desde(raw: dict, where: str, problems: list[str]) -> datetime | None:
    """`desde = "2026-11-23T00:00"`: the campus's first day, in its own time zone."""
    value = raw.get("desde")
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
            problems.append(
                f"{where}.desde = {_shown(value)}: escribe la fecha y hora de inicio como "
                '"2026-11-23T00:00".'
            )
            return None
    if moment.tzinfo is None:
        tz = raw.get("timezone", DEFAULT_TIMEZONE)
        try:
            moment = moment.replace(tzinfo=ZoneInfo(str(tz)))
        except (ZoneInfoNotFoundError, ValueError):
            moment = moment.replace(tzinfo=ZoneInfo(DEFAULT_TIMEZONE))
    return moment


def _campus(i: int, raw: Any, base: Path, problems: list[str]) -> Campus | None:
    where = f"campus[{i}]"
    if not isinstance(raw, dict):
        problems.append(f"{where} debe ser una tabla.")
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f'{where}.name falta: escribe un nombre corto, p. ej. name = "queretaro".')
        name = f"campus{i}"
    where = f"campus «{name}»"
    form_url, web_url = _links(raw, where, problems)
    campus = Campus(
        name=name.strip(),
        policy=_policy(raw, where, problems),
        contact=_contact(raw.get("contact", {}), where, problems),
        **_backends(raw, base, where, problems),
        digest=_digest(raw.get("digest", {}), where, problems),
        columns=_columns(raw.get("columns", {}), where, problems),
        prefijo=_prefijo(raw.get("columns", {}), where, problems),
        mail=_mail(raw.get("mail", {}), base, where, problems),
        max_attempts=int(_number(raw, "max_attempts", 5, 1, 50, where, problems, whole=True)),
        retry_minutes=_number(raw, "retry_minutes", 5.0, 0, 1440, where, problems),
        desde=_desde(raw, where, problems),
        form_url=form_url,
        web_url=web_url,
        lote=_lote(raw.get("lote", {}), where, problems),
    )
    if getattr(campus.mail.sender.settings, "needs_google", False) and campus.google is None:
        problems.append(
            f'{where}.mail: sender = "{campus.mail.sender.kind}" envía con la llave de Google: '
            "agrega la tabla [campus.google] con credentials."
        )
    return campus


def registro_valido(rp: str) -> bool:
    """A registro patronal as staff type it: 10 or 11 characters, a letter then digits."""
    clean = rp.replace("-", "").replace(" ", "").upper()
    return len(clean) in (10, 11) and clean[:1].isalpha() and clean[1:].isdigit()


def _policy(raw: dict, where: str, problems: list[str]) -> Policy:
    institutions = _strings(raw, "institution_names", where, problems)
    registros = _strings(raw, "registros_patronales", where, problems)
    for rp in registros:
        if not registro_valido(rp):
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
            f'{where}.timezone = {_shown(tz)}: usa una zona IANA, p. ej. "{DEFAULT_TIMEZONE}".'
        )
        tz = DEFAULT_TIMEZONE
    tolerance = int(_number(raw, "date_tolerance_days", 0, 0, 30, where, problems, whole=True))
    reimpresion = _reimpresion(raw.get("policy", {}), where, problems)
    return Policy(tuple(institutions), tuple(registros), tolerance, str(tz), reimpresion)


def _reimpresion(raw: Any, where: str, problems: list[str]) -> Reimpresion:
    """[campus.policy] reimpresion: what a constancia re-printed through a browser, a phone
    or a PDF printer gets (docs/CONSTANCIA.md §8)."""
    if not isinstance(raw, dict):
        problems.append(f"{where}.policy debe ser una tabla [campus.policy].")
        return Reimpresion.REVISION
    value = raw.get("reimpresion", Reimpresion.REVISION.value)
    folded = fold(value).lower() if isinstance(value, str) else None
    if folded in {r.value for r in Reimpresion}:
        return Reimpresion(folded)
    problems.append(
        f'{where}.policy.reimpresion = {_shown(value)}: usa "revision" (una constancia '
        'reimpresa va a REVISIÓN MANUAL, como una editada) o "aceptar" (la decide su '
        "contenido y el motivo solo anota que es reimpresa)."
    )
    return Reimpresion.REVISION


def _lote(raw: Any, where: str, problems: list[str]) -> Lote:
    """[campus.lote]: the batch's columns (each known, once, with those --aplicar checks)
    and which registro patronal it carries."""
    from facultativo.sync.lote.batch import COLUMNS, DEFAULT_COLUMNS, ID, REQUIRED

    here = where + ".lote"
    if not isinstance(raw, dict):
        problems.append(f"{where}.lote debe ser una tabla [campus.lote].")
        return Lote()
    t = Table(raw, here, problems=problems)
    registro = t.text("registro_patronal")
    if registro and not registro_valido(registro):
        problems.append(
            f"{here}.registro_patronal = {_shown(registro)}: no parece un registro patronal "
            "(11 caracteres, p. ej. Y6012345321)."
        )
        registro = ""
    if not t.has("columnas"):
        return Lote(DEFAULT_COLUMNS, registro)
    before = len(problems)
    columnas = t.strings("columnas")
    if len(problems) > before:
        return Lote(DEFAULT_COLUMNS, registro)
    valid = ", ".join(COLUMNS)
    if not columnas:
        problems.append(
            f"{here}.columnas está vacía: escribe las columnas del lote en orden (válidas: "
            f"{valid}) o quita columnas para usar el orden de omisión."
        )
        return Lote(DEFAULT_COLUMNS, registro)
    wrong = False
    for name in dict.fromkeys(columnas):
        if name.lower() == ID:
            problems.append(
                f"{here}.columnas: «{name}» no se escribe aquí: el lote la lleva siempre como "
                "última columna, para que --aplicar sepa qué respuesta es cada fila."
            )
            wrong = True
        elif name not in COLUMNS:
            close = difflib.get_close_matches(name.lower(), list(COLUMNS), n=1, cutoff=0.6)
            hint = f"¿quisiste decir «{close[0]}»? " if close else ""
            problems.append(
                f"{here}.columnas: «{name}» no es una columna del lote; {hint}(válidas: {valid})."
            )
            wrong = True
        elif columnas.count(name) > 1:
            problems.append(f"{here}.columnas: «{name}» está dos veces; déjala una sola vez.")
            wrong = True
    missing = [c for c in REQUIRED if c not in columnas]
    if missing:
        names = ", ".join(f"«{c}»" for c in missing)
        problems.append(
            f"{here}.columnas: falta {names}: --aplicar compara NSS, CURP y tipo con la hoja "
            "antes de marcar cada fila."
        )
        wrong = True
    return Lote(DEFAULT_COLUMNS if wrong else tuple(columnas), registro)


def _contact(raw: Any, where: str, problems: list[str]) -> Contact:
    if not isinstance(raw, dict):
        problems.append(f"{where}.contact debe ser una tabla [campus.contact].")
        return Contact()
    values = {
        k: _text(raw, k, where + ".contact", problems)
        for k in ("office", "email", "address", "hours")
    }
    email = values["email"]
    if email and not EMAIL.fullmatch(email):
        problems.append(f"{where}.contact.email = {_shown(email)}: no parece un correo.")
    return Contact(**{k: v for k, v in values.items() if v})


def _backends(raw: dict, base: Path, where: str, problems: list[str]) -> dict[str, Any]:
    """The source, its attachment store and the Google account, each parsed by its own
    module's Settings from the table its keys live in."""
    from facultativo.sync.attachments import STORES
    from facultativo.sync.sources import SOURCES

    def table(name: str) -> Table:
        value = raw.get(name)
        if value is not None and not isinstance(value, dict):
            problems.append(f"{where}.{name} debe ser una tabla [campus.{name}].")
            value = None
        return Table(value or {}, f"{where}.{name}", base, problems)

    for name in ("source", "google"):
        if name in raw and not isinstance(raw[name], dict):
            problems.append(f"{where}.{name} debe ser una tabla [campus.{name}].")
            return {"google": None}
    has_google = "google" in raw
    if "source" not in raw and not has_google:  # `validate` needs no sheet; `sync` says so
        return {"google": None}
    source_table = table("source")
    kind = source_table.choice("kind", SOURCES.kinds(), "google" if has_google else "xlsx")
    source = SOURCES[kind]
    if source.TABLE == "google" and not has_google:
        problems.append(f'{where}: source.kind = "google" necesita una tabla [campus.google].')
        return {"google": None}
    problems += _second_source(raw, kind, where)
    store = STORES[source.STORE]
    return {
        "source": Backend(kind, source.Settings.from_table(table(source.TABLE))),
        "store": Backend(source.STORE, store.Settings.from_table(table(store.TABLE))),
        "google": Account.from_table(table("google")) if has_google else None,
    }


def _second_source(raw: dict, kind: str, where: str) -> list[str]:
    """Settings of another source beside the chosen one: the README's [campus.google] added
    while the example's [campus.source] kind = "xlsx" stays would otherwise be ignored,
    and `check` would complain about a workbook nobody meant."""
    from facultativo.sync.sources import SOURCES

    chosen = SOURCES[kind].Settings.KEYS
    found = []
    for other_kind in SOURCES.kinds():
        other = SOURCES[other_kind]
        table = raw.get(other.TABLE)
        if other_kind == kind or not isinstance(table, dict):
            continue
        theirs = sorted((set(table) & other.Settings.KEYS) - Account.KEYS - chosen)
        if theirs:
            keys = ", ".join(f"{other.TABLE}.{k}" for k in theirs)
            hint = (
                'para leer de Google, quita [campus.source] o pon kind = "google"'
                if other_kind == "google"
                else f"quita {keys}"
            )
            found.append(
                f'{where}: hay dos fuentes de respuestas, source.kind = "{kind}" y {keys} '
                f'(de kind = "{other_kind}"); se leería solo la primera. Deja una: {hint}.'
            )
    return found


def _prefijo(raw: Any, where: str, problems: list[str]) -> str:
    """The status block's name: one short line of text, the same on every header."""
    if not isinstance(raw, dict) or "prefijo" not in raw:
        return PREFIX
    here = where + ".columns"
    value = Table(raw, here, problems=problems).text("prefijo", PREFIX)
    if not value or len(value) > 40 or not value.isprintable():
        problems.append(
            f"{here}.prefijo = {_shown(raw['prefijo'])}: escribe un nombre corto para el bloque "
            f'de columnas de facultativo (hasta 40 caracteres, una línea), p. ej. "{PREFIX}".'
        )
        return PREFIX
    return value


def _columns(raw: Any, where: str, problems: list[str]) -> dict[str, tuple[str, ...]]:
    from facultativo.sync.columns import FIELDS, TIPO_OPTIONS

    if not isinstance(raw, dict):
        problems.append(f"{where}.columns debe ser una tabla [campus.columns].")
        return {}
    out = {}
    for key in raw:
        if key not in FIELDS and key not in TIPO_OPTIONS:  # named by the unknown-key check
            continue
        out[key] = tuple(_strings(raw, key, where + ".columns", problems))
    both = {" ".join(t.casefold().split()) for t in out.get("alta", ())} & {
        " ".join(t.casefold().split()) for t in out.get("baja", ())
    }
    for text in sorted(both):
        problems.append(
            f"{where}.columns: «{text}» está en alta y en baja; déjalo solo en la que corresponde."
        )
    return out


_DAYS = {"lun": 0, "mar": 1, "mie": 2, "jue": 3, "vie": 4, "sab": 5, "dom": 6}
_DAY_NAMES = {number: name for name, number in _DAYS.items()}


def _modo(raw: dict, where: str, problems: list[str]) -> str:
    modo = str(raw.get("modo", "normal")).strip().lower()
    if modo not in ("normal", "sombra"):
        problems.append(
            f'{where}.modo = {_shown(raw.get("modo"))}: usa "normal" o "sombra" (sombra: decide y '
            "escribe en la hoja, pero no envía correos a los estudiantes)."
        )
        return "normal"
    return modo


def _mail(raw: Any, base: Path, where: str, problems: list[str]) -> Mail:
    from facultativo.notifiers import SENDERS

    here = where + ".mail"
    if not isinstance(raw, dict):
        problems.append(f"{where}.mail debe ser una tabla [campus.mail].")
        return Mail()
    t = Table(raw, here, base, problems)
    kind = t.choice("sender", SENDERS.kinds(), "outbox")
    if kind == "outbox":
        _outbox_with_a_server(raw, here, problems)
    templates = t.path("templates")
    if templates is not None and not templates.is_dir():
        problems.append(f"{here}.templates: no existe la carpeta {templates}.")
    return Mail(
        sender=Backend(kind, SENDERS[kind].Settings.from_table(t)),
        from_address=t.text("from"),
        daily_cap=int(t.number("daily_cap", DAILY_CAP, 1, 100000, whole=True)),
        templates=templates,
        modo=_modo(raw, here, problems),
        espera_decision_minutos=t.number("espera_decision_minutos", 10, 0, 7 * 24 * 60),
        avisar_anteriores=t.flag("avisar_anteriores", False),
    )


def _outbox_with_a_server(raw: dict, here: str, problems: list[str]) -> None:
    """A server's keys under sender = "outbox" (the default): someone set up smtp or gmail
    and forgot the sender, and every student's email would stay in a folder."""
    from facultativo.notifiers import SENDERS

    outbox = SENDERS["outbox"].Settings.KEYS
    for kind in SENDERS.kinds():
        theirs = sorted((set(raw) & SENDERS[kind].Settings.KEYS) - outbox)
        if kind != "outbox" and theirs:
            problems.append(
                f'{here}: sender = "outbox" solo escribe los correos en una carpeta, pero '
                f'{", ".join(theirs)} son de sender = "{kind}": ¿falta sender = "{kind}"?'
            )
            return


def _digest(raw: Any, where: str, problems: list[str]) -> Digest:
    here = where + ".digest"
    if not isinstance(raw, dict):
        problems.append(f"{here} debe ser una tabla [campus.digest].")
        return Digest()
    recipients = _strings(raw, "recipients", here, problems)
    for r in recipients:
        if not EMAIL.fullmatch(r):
            problems.append(f"{here}.recipients: «{r}» no parece un correo.")
    time_ = _text(raw, "time", here, problems) or "08:00"
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", time_):
        problems.append(f'{here}.time = {_shown(time_)}: usa HH:MM en 24 horas, p. ej. "08:00".')
        time_ = "08:00"
    names = _strings(raw, "days", here, problems) or [_DAY_NAMES[d] for d in BUSINESS_DAYS]
    days = []
    for name in names:
        key = fold(name)[:3].lower()
        if key not in _DAYS:
            problems.append(
                f"{here}.days: «{name}» no es un día (lun, mar, mie, jue, vie, sab, dom)."
            )
        else:
            days.append(_DAYS[key])
    return Digest(tuple(recipients), time_, tuple(sorted(set(days))))


EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")


def _text(raw: dict, key: str, where: str, problems: list[str]) -> str:
    return Table(raw, where, problems=problems).text(key)


def _strings(raw: dict, key: str, where: str, problems: list[str]) -> list[str]:
    return Table(raw, where, problems=problems).strings(key)
