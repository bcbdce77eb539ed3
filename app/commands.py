"""The demo, sync and check commands (validate lives in cli.py with its contract)."""

from __future__ import annotations

import argparse
import logging
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from facultativo.sync.attachments.base import AttachmentStore
from facultativo.sync.attachments.folder import FolderStore, is_drive_link
from facultativo.sync.columns import MissingColumns, map_columns
from facultativo.sync.cycle import Report, Runtime, run_cycle
from facultativo.sync.ledger import LedgerError
from facultativo.sync.lock import CampusBusy, campus_lock
from facultativo.sync.progress import terminal_progress
from facultativo.sync.sources.base import SourceError, Table
from facultativo.validators import ValidatorPool, WorkerUnavailable
from facultativo.validators.text import os_error

from . import demo as demo_mod
from .config import Campus, Config, load
from .wiring import build_source, build_store, open_runtime

# Failures a person can fix, reported as one line without a traceback.
OperationalError = (SourceError, MissingColumns, LedgerError, CampusBusy, WorkerUnavailable)
log = logging.getLogger("facultativo")


def setup_logging(level: int = logging.INFO, fmt: str = "text") -> None:
    from .logs import setup

    setup(fmt, level)


def demo(args: argparse.Namespace) -> int:
    setup_logging(logging.WARNING, args.log_format)
    result = demo_mod.run(args.dir)
    print(demo_mod.summary(result))
    return 0


def _campuses(config: Config, name: str | None) -> list[Campus]:
    if name is None:
        return list(config.campuses)
    campus = config.campus(name)
    if campus is None:
        names = ", ".join(c.name for c in config.campuses)
        raise SourceError(f"no hay campus «{name}» en {config.path} (hay: {names}).")
    return [campus]


def sync(args: argparse.Namespace) -> int:
    """One cycle (--once), a dry run, or the scheduled service (same as `run`)."""
    setup_logging(fmt=args.log_format)
    config = load(args.config)
    campuses = _campuses(config, args.campus)
    if not (args.once or args.dry_run):
        from .service import Service

        return Service(config, campuses).run()
    with ExitStack() as locks, ValidatorPool(limits=config.limits) as pool:
        if not args.dry_run:
            for campus in campuses:
                locks.enter_context(campus_lock(config.ledger, campus.name))
        failed = _one_round(config, campuses, pool, args.dry_run)
        return 1 if failed else 0


def run(args: argparse.Namespace) -> int:
    """The service: startup checks the configuration, then cycles until SIGTERM."""
    from .service import Service

    setup_logging(fmt=args.log_format)
    config = load(args.config)
    return Service(config, _campuses(config, args.campus)).run()


def _one_round(config: Config, campuses: list[Campus], pool: ValidatorPool, dry: bool) -> bool:
    failed = False
    for campus in campuses:
        try:
            with open_runtime(config, campus, pool, dry_run=dry, locked=True) as rt:
                rt.hooks.progress = terminal_progress(sys.stderr)
                report = run_cycle(rt, dry_run=dry)
                if not dry:
                    _digest_if_due(rt, campus)
            print(_dry_run_text(report) if dry else report_line(report))
        except OperationalError as exc:
            log.error("campus %s: %s", campus.name, exc)
            failed = True
    return failed


def _digest_if_due(rt: Runtime, campus: Campus) -> None:
    from facultativo.notifiers import SendError
    from facultativo.sync import digest as staff_digest

    d = campus.digest
    now = rt.hooks.clock()
    last = rt.ports.ledger.last_digest(campus.name)
    if d.recipients and staff_digest.due(now, campus.policy.timezone, d.time, d.days, last):
        try:
            staff_digest.send(rt, d.recipients, now)
            log.info("campus %s: resumen diario enviado", campus.name)
        except SendError as exc:
            log.warning(
                "campus %s: el resumen diario no salió (%s); se reintentará", campus.name, exc
            )


def report_line(r: Report) -> str:
    from facultativo.sync.wording import EMAIL_COUNTS, estados_text

    estados = estados_text(r.estados)
    emails = ", ".join(f"{EMAIL_COUNTS.get(k, k)} {v}" for k, v in sorted(r.emails.items()))
    line = (
        f"campus {r.campus}: {r.rows} filas, {r.processed} procesadas en {r.seconds:.1f} s; "
        f"estados: {estados}; correos: {emails or 'ninguno'}"
    )
    if r.restored:
        line += (
            f"; {r.restored} filas restauradas desde la bitácora (el bloque «Validación» faltaba)"
        )
    return line


def _dry_run_text(r: Report) -> str:
    from facultativo.sync.privacy import mask_email

    lines = [
        f"campus {r.campus} (simulación: no se escribió ni envió nada)",
        f"  {len(r.planned_cells)} celdas por escribir:",
    ]
    for cell in r.planned_cells[:200]:
        lines.append(f"    fila {cell.row}, columna {cell.col + 1}: {cell.value[:80]}")
    if r.restored:
        lines.append(
            f"  {r.restored} filas se escribirían de nuevo desde la bitácora (el bloque "
            "«Validación» no está o se vació), sin validar ni enviar correos otra vez"
        )
    lines.append(f"  {len(r.planned_emails)} correos por enviar:")
    for due in r.planned_emails[:200]:
        to = mask_email(due.row.email) if due.row.email else "nadie: dirección no válida"
        lines.append(f"    fila {due.row.number}: {due.kind} ({due.estado}) a {to}")
    return "\n".join(lines)


def check(args: argparse.Namespace) -> int:
    """Every problem on its own line with the fix; exit 0 only when all is well."""
    config = load(args.config)
    problems = 0
    ok, message = _check_ledger(config.ledger)
    problems += not ok
    print(f"{'ok   ' if ok else 'ERROR'} {message}")
    for campus in _campuses(config, args.campus):
        for ok, message in _check_campus(campus, config.ledger):
            problems += not ok
            print(f"{'ok   ' if ok else 'ERROR'} campus {campus.name}: {message}")
    print("Todo en orden." if not problems else f"{problems} problema(s) por corregir.")
    return 0 if not problems else 1


def _check_ledger(path: Path) -> tuple[bool, str]:
    """The ledger must be writable before the first email: it is what remembers them."""
    import os

    from facultativo.sync.ledger import Ledger

    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            return False, f"bitácora {path}: sin permiso de lectura y escritura"
        try:
            Ledger.snapshot(path).close()
        except LedgerError as exc:
            return False, str(exc)
        return True, f"bitácora {path}: se puede leer y escribir"
    folder = next((p for p in path.parents if p.exists()), Path("."))
    probe = folder / f".facultativo-prueba-{os.getpid()}"
    try:  # a real probe: root passes os.access everywhere, even on /proc
        os.close(os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as exc:
        return False, f"bitácora {path}: no se puede crear en {folder} ({os_error(exc)})"
    return True, f"bitácora {path}: se creará en el primer ciclo"


def _check_campus(campus: Campus, ledger: Path) -> list[tuple[bool, str]]:
    """Credentials, sheet, headers, write access, one attachment, what the next cycle
    would do: each its own line."""
    results: list[tuple[bool, str]] = []
    try:
        source, store = build_source(campus), build_store(campus)
        table = source.read()
        results.append((True, f"{source.describe()}: {len(table.rows)} filas leídas"))
        cols = map_columns(table.header, campus.columns, table.rows)
        tz = table.timezone or campus.policy.timezone
        found = ", ".join(
            f"{k}→«{table.header[c]}»{_sample(table, c, tz if k == 'timestamp' else None)}"
            for k, c in cols.fields.items()
        )
        results.append((True, f"columnas: {found}"))
        missing = cols.missing_status()
        problem = source.cannot_write()
        note = "se crearán: " + ", ".join(missing) if missing else "presentes"
        results.append((problem is None, problem or f"columnas de validación {note}"))
        results.append(_check_attachment(store, table, cols.fields["archivo"]))
        results.append(_next_cycle(campus, ledger, table, cols, store, bool(missing)))
        results += _unknown_estados(table, cols, campus, store)
    except (SourceError, MissingColumns, LedgerError) as exc:
        results.append((False, str(exc)))
    return results


def _sample(table: Table, col: int, tz: str | None = None) -> str:
    """One answer of the column, masked, so staff see the right question was found; a
    timestamp (a serial number in Google's unformatted values) as the date it is."""
    from facultativo.sync import values
    from facultativo.sync.privacy import scrub

    value = next((r[col] for r in table.rows if col < len(r) and r[col] not in (None, "")), None)
    if value is None:
        return ""
    if tz is not None:
        try:
            moment = values.timestamp(value, tz)
            value = moment.strftime("%d/%m/%Y %H:%M:%S") if moment else value
        except values.RowProblem:
            pass
    return f" (p. ej. «{scrub(str(value))[:30]}»)"


def _next_cycle(
    campus: Campus, ledger: Path, table: Table, cols: Any, store: Any, no_block: bool
) -> tuple[bool, str]:
    """How many responses the next cycle would decide and mail, before it runs."""
    from facultativo.sync.ledger import Ledger
    from facultativo.sync.rows import read_rows

    rows = read_rows(table, cols, table.timezone or campus.policy.timezone, store.refs)
    snapshot = Ledger.snapshot(ledger)
    try:
        known = snapshot.entries(campus.name)
    finally:
        snapshot.close()
    desde = campus.desde
    before = [
        r for r in rows if desde and r.timestamp and r.timestamp < desde and r.key not in known
    ]
    new = [
        r
        for r in rows
        if r not in before and r.key not in known and not r.estado_cell.strip() and not r.copy_of
    ]
    if desde is None and rows and not known and no_block:
        return False, (
            f"primera ejecución: la hoja ya tiene {len(rows)} respuestas y ninguna procesada; "
            'pon en [[campus]] desde = "AAAA-MM-DDTHH:MM" (el día en que empieza facultativo) '
            "o el primer ciclo no se ejecuta"
        )
    mails = f"hasta {len(new)} correos"
    if campus.mail.modo == "sombra":
        mails = "ningún correo: modo sombra"
    text = f"siguiente ciclo: {len(new)} respuestas por validar ({mails})"
    if before:
        text += f"; {len(before)} anteriores a «desde» quedan como ANTERIOR, sin correo"
    if desde and desde > datetime.now(UTC):
        text += f"; «desde» ({desde:%d/%m/%Y %H:%M}) aún no llega: hasta entonces nada se valida"
    return True, text


def _unknown_estados(table: Table, cols: Any, campus: Campus, store: Any) -> list[tuple[bool, str]]:
    """An estado staff mistyped is read by nobody: no email goes out and the row is
    counted apart; each one on the line, with the label meant."""
    from facultativo.sync.rows import read_rows
    from facultativo.sync.wording import unknown_estado, unknown_text

    rows = read_rows(table, cols, table.timezone or campus.policy.timezone, store.refs)
    found = []
    for row in rows:
        meant = unknown_estado(row.estado_cell)
        if meant is not None:
            found.append(unknown_text(row.number, row.estado_cell, meant))
    if not found:
        return []
    shown = "; ".join(found[:10]) + ("…" if len(found) > 10 else "")
    return [(False, f"{len(found)} estados que facultativo no reconoce: {shown}")]


def _check_attachment(store: AttachmentStore, table: Table, col: int) -> tuple[bool, str]:
    cells = [store.refs(row[col]) for row in table.rows if col < len(row)]
    if isinstance(store, FolderStore):
        drive = sum(1 for refs in cells if any(is_drive_link(r) for r in refs))
        if drive:
            many = f"{drive} respuesta{'s' if drive > 1 else ''}"
            return False, f"archivo adjunto ({many}): {store.drive_hint()}"
    refs = next((r for r in cells if r), [])
    if not refs:
        return True, "ninguna respuesta tiene archivo todavía"
    failure = store.probe(refs[0])
    if failure is not None:
        return False, f"archivo adjunto: {failure.detail}"
    return True, "se puede leer un archivo adjunto de ejemplo"


def auth(args: argparse.Namespace) -> int:
    """The installed-app OAuth flow, once, for offices without a service account."""
    from facultativo.google_api.auth import AuthError, run_installed_flow

    config = load(args.config)
    campus = _campuses(config, args.campus)[0]
    if campus.google is None:
        raise SourceError(f"campus «{campus.name}»: falta la tabla [campus.google].")
    token = campus.google.token or campus.google.credentials.with_name("token.json")
    try:
        saved = run_installed_flow(campus.google.credentials, token, not args.no_browser)
    except AuthError as exc:
        raise SourceError(str(exc)) from None
    print(f"Autorizado. Token guardado en {saved} (solo tu usuario puede leerlo).")
    return 0


def preview_emails(args: argparse.Namespace) -> int:
    """Every email with sample data, as .html and .txt files for staff to review."""
    from facultativo.notifiers import preview

    from .wiring import mail_context

    campus_contact, env = None, None
    if args.config:
        config = load(args.config)
        campus = _campuses(config, args.campus)[0]
        mail = mail_context(campus)
        campus_contact, env = {k: v for k, v in mail.contact.items() if v}, mail.env
    if env is None:
        from facultativo.notifiers.compose import environment

        env = environment()
    written = preview.write(args.dir, preview.samples(env, campus_contact))
    print(f"{len(written)} correos en {args.dir} (ábrelos desde {args.dir / 'index.html'}).")
    return 0


def digest(args: argparse.Namespace) -> int:
    """Send the staff digest now (the service sends it on its own schedule)."""
    from facultativo.notifiers import SendError
    from facultativo.sync import digest as staff_digest

    setup_logging(fmt=args.log_format)
    config = load(args.config)
    with ValidatorPool(workers=1, limits=config.limits) as pool:
        for campus in _campuses(config, args.campus):
            if not campus.digest.recipients:  # optional: nothing to do is not a failure
                print(
                    f"campus {campus.name}: sin resumen configurado; para recibirlo agrega "
                    '[campus.digest] con recipients = ["correo@escuela.mx"].'
                )
                continue
            with open_runtime(config, campus, pool, locked=False) as rt:
                try:
                    email = staff_digest.send(rt, campus.digest.recipients, rt.hooks.clock())
                except SendError as exc:
                    raise SourceError(f"campus {campus.name}: el resumen no salió: {exc}") from None
            print(f"campus {campus.name}: resumen enviado ({email.subject}).")
    return 0


def status(args: argparse.Namespace) -> int:
    """Last cycle, backlog and next run per campus, from the ledger (for people or monitors)."""
    import json

    from .status import campus_status, render

    config = load(args.config)
    states = [campus_status(config, c) for c in _campuses(config, args.campus)]
    print(json.dumps(states, ensure_ascii=False, indent=2) if args.json else render(states))
    return 0


def informe(args: argparse.Namespace) -> int:
    """facultativo's verdicts against staff's decisions; reads only, changes nothing."""
    import json
    from zoneinfo import ZoneInfo

    from . import informe as report

    config = load(args.config)
    out = []
    for campus in _campuses(config, args.campus):
        desde = args.desde
        if desde is not None and desde.tzinfo is None:
            desde = desde.replace(tzinfo=ZoneInfo(campus.policy.timezone))
        shown = args.desde.strftime("%d/%m/%Y %H:%M").removesuffix(" 00:00") if desde else None
        found = report.gather(campus, config.ledger, desde, args.anteriores)
        if args.json:
            out.append(report.as_json(campus.name, found))
        else:
            print(report.text(campus.name, found, shown))
        if args.html:
            path = args.html
            if len(config.campuses) > 1 and args.campus is None:
                path = path.with_name(f"{path.stem}-{campus.name}{path.suffix}")
            try:
                path.write_text(report.html(campus.name, found, shown), encoding="utf-8")
            except OSError as exc:
                raise SourceError(f"no se pudo escribir {path}: {os_error(exc)}.") from None
            if not args.json:
                print(f"Informe HTML en {path}")
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0
