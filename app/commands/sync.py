"""`facultativo sync --once` / `--dry-run`: one cycle per campus, now. Without either it
is the service (`facultativo run`)."""

from __future__ import annotations

import argparse
import logging
import sys
from contextlib import ExitStack

from facultativo.commands import campuses, setup_logging
from facultativo.commands import run as service
from facultativo.config import Campus, Config, load
from facultativo.errors import OperationalError
from facultativo.jobs import report_line, sync_campus
from facultativo.sync.cycle import Report
from facultativo.sync.lock import campus_lock
from facultativo.sync.progress import terminal_progress
from facultativo.validators import ValidatorPool

log = logging.getLogger("facultativo")


def run(args: argparse.Namespace) -> int:
    if args.reintentar and not args.once:
        args.once = True  # «reintenta ahora» is one cycle, never the service
    if not (args.once or args.dry_run):
        return service.run(args)
    setup_logging(fmt=args.log_format)
    config = load(args.config)
    chosen = campuses(config, args.campus)
    with ExitStack() as locks, ValidatorPool(limits=config.limits) as pool:
        if not args.dry_run:
            for campus in chosen:
                locks.enter_context(campus_lock(config.ledger, campus.name))
        failed = _one_round(config, chosen, pool, args.dry_run, args.reintentar)
        return 1 if failed else 0


def _one_round(
    config: Config, chosen: list[Campus], pool: ValidatorPool, dry: bool, replay: bool = False
) -> bool:
    """`replay`: the emails waiting for their next try go now (IT fixed the relay)."""
    failed = False
    for campus in chosen:
        try:
            progress = terminal_progress(sys.stderr)
            report = sync_campus(
                config, campus, pool, dry_run=dry, progress=progress, replay=replay
            )
            print(_dry_run_text(report) if dry else report_line(report))
        except OperationalError as exc:
            log.error("campus %s: %s", campus.name, exc)
            failed = True
    return failed


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
            f"«{r.block}» no está o se vació), sin validar ni enviar correos otra vez"
        )
    lines.append(f"  {len(r.planned_emails)} correos por enviar:")
    for due in r.planned_emails[:200]:
        to = mask_email(due.row.email) if due.row.email else "nadie: dirección no válida"
        lines.append(f"    fila {due.row.number}: {due.kind} ({due.estado}) a {to}")
    return "\n".join(lines)
