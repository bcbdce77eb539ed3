"""Reading facultativo.toml: every table through its Settings, every problem collected, so
the office sees all its mistakes at once, each with its fix."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from facultativo.config.lote import Lote
from facultativo.config.mail import Mail
from facultativo.config.model import Campus, CampusCore, Config
from facultativo.config.schema import CAMPUS, unknown_keys
from facultativo.config.tables import (
    LEDGER,
    CampusPolicy,
    CampusWeb,
    Columns,
    Contact,
    Digest,
    Ledger,
    LimitsSettings,
    Service,
    Source,
    Web,
)
from facultativo.errors import ConfigError
from facultativo.errors.system import os_error
from facultativo.google_api.account import Account
from facultativo.settings import Backend, Table, shown
from facultativo.sync.attachments import STORES
from facultativo.sync.lock import _safe
from facultativo.sync.sources import SOURCES


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


def parse(raw: dict[str, Any], path: Path) -> Config:
    """Check every key; report all problems at once, each with its fix."""
    base = path.resolve().parent
    problems: list[str] = unknown_keys(raw)
    limits = LimitsSettings.from_table(_top(raw, "limits", base, problems))
    campuses = tuple(_campuses(raw.get(CAMPUS), base, problems))
    problems += _shared(campuses)
    service = Service.from_table(_top(raw, "service", base, problems))
    ledger = Ledger.from_table(_top(raw, "ledger", base, problems))
    web = Web.from_table(_top(raw, "web", base, problems))
    if problems:  # one line each, even when two backends read the same table
        raise ConfigError([f"{path}: {p}" for p in dict.fromkeys(problems)])
    return Config(
        campuses, limits, path, ledger.path, service.interval_minutes, service.watch_seconds, web
    )


def _top(raw: dict[str, Any], name: str, base: Path, problems: list[str]) -> Table:
    """A table at the top of the file; written as a value it is one problem, read as empty."""
    value = raw.get(name, {})
    if not isinstance(value, dict):
        problems.append(
            "[limits] debe ser una tabla."  # its line from before the others had an example
            if name == "limits"
            else f"«{name} = {shown(value)}»: {name} es una tabla; escribe [{name}] en su propia "
            f'línea y debajo sus opciones (p. ej. [ledger] y path = "{LEDGER}").'
        )
        value = {}
    return Table(value, name, base, problems)


def _sub(campus: Table, name: str) -> Table:
    """[campus.<name>] as its Settings reads it; written as a value it is one problem, and
    the Settings reads it as empty."""
    value = campus.raw.get(name, {})
    if not isinstance(value, dict):
        campus.problem(f"{campus.where}.{name} debe ser una tabla [campus.{name}].")
        value = {}
    return Table(value, f"{campus.where}.{name}", campus.base, campus.problems)


def _campuses(raw: Any, base: Path, problems: list[str]) -> list[Campus]:
    if raw is None:
        problems.append("falta al menos un [[campus]] con name e institution_names.")
        return []
    if not isinstance(raw, list):
        problems.append("campus debe escribirse como [[campus]] (una tabla por campus).")
        return []
    return [c for i, item in enumerate(raw) if (c := _campus(i, item, base, problems))]


def _campus(i: int, raw: Any, base: Path, problems: list[str]) -> Campus | None:
    if not isinstance(raw, dict):
        problems.append(f"campus[{i}] debe ser una tabla.")
        return None
    name = CampusCore.name_of(raw, i, problems)
    t = Table(raw, f"campus «{name}»", base, problems)
    core = CampusCore.from_table(t)
    form_url, web_url = _links(t, core)
    policy = core.policy(CampusPolicy.from_table(_sub(t, "policy")).reimpresion)
    contact = Contact.from_table(_sub(t, "contact"))
    backends = _backends(t)
    digest = Digest.from_table(_sub(t, "digest"))
    columns = Columns.from_table(_sub(t, "columns"))
    mail = Mail.from_table(_sub(t, "mail"))
    campus = Campus(
        name=name.strip(),
        policy=policy,
        contact=contact,
        **backends,
        digest=digest,
        columns=columns.texts,
        prefijo=columns.prefijo,
        mail=mail,
        max_attempts=core.max_attempts,
        retry_minutes=core.retry_minutes,
        desde=core.desde,
        form_url=form_url,
        web_url=web_url,
        lote=Lote.from_table(_sub(t, "lote")),
    )
    if getattr(campus.mail.sender.settings, "needs_google", False) and campus.google is None:
        t.problem(
            f'{t.where}.mail: sender = "{campus.mail.sender.kind}" envía con la llave de Google: '
            "agrega la tabla [campus.google] con credentials."
        )
    return campus


def _links(t: Table, core: CampusCore) -> tuple[str, str]:
    """[[campus]] form_url and [campus.web] url: the Form and the pre-check page, as the
    emails and the page link to them. form_url's old place, [campus.web] form_url, is
    still read; both places with different addresses is an error naming both."""
    web = CampusWeb.from_table(_sub(t, "web"))
    if core.form_url and web.form_url and core.form_url != web.form_url:
        t.problem(
            f"{t.where}: form_url = {shown(core.form_url)} y [campus.web] form_url = "
            f"{shown(web.form_url)} son formularios distintos; deja solo form_url (en "
            "[[campus]]) y borra el de [campus.web]."
        )
    return core.form_url or web.form_url, web.url


def _backends(campus: Table) -> dict[str, Any]:
    """The source, its attachment store and the Google account, each parsed by its own
    module's Settings from the table its keys live in."""
    raw, where = campus.raw, campus.where
    for name in ("source", "google"):
        if not isinstance(raw.get(name, {}), dict):
            _sub(campus, name)  # says it must be a table
            return {"google": None}
    has_google = "google" in raw
    if "source" not in raw and not has_google:  # `validate` needs no sheet; `sync` says so
        return {"google": None}
    kind = Source.from_table(_sub(campus, "source")).kind or ("google" if has_google else "xlsx")
    source = SOURCES[kind]
    if source.TABLE == "google" and not has_google:
        campus.problem(f'{where}: source.kind = "google" necesita una tabla [campus.google].')
        return {"google": None}
    campus.problems.extend(_second_source(raw, kind, where))
    store = STORES[source.STORE]
    return {
        "source": Backend(kind, source.Settings.from_table(_sub(campus, source.TABLE))),
        "store": Backend(source.STORE, store.Settings.from_table(_sub(campus, store.TABLE))),
        "google": Account.from_table(_sub(campus, "google")) if has_google else None,
    }


def _second_source(raw: dict[str, Any], kind: str, where: str) -> list[str]:
    """Settings of another source beside the chosen one: the README's [campus.google] added
    while the example's [campus.source] kind = "xlsx" stays would otherwise be ignored,
    and `check` would complain about a workbook nobody meant."""
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
    return _safe(campus.name).casefold()
