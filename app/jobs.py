"""One campus's work, shared by `sync --once` and the service: a cycle, then the staff
digest if its time has come. There is one digest scheduler, and it is this one."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from facultativo.config import Campus, Config
from facultativo.notifiers import SendError
from facultativo.sync import digest as staff_digest
from facultativo.sync.cycle import Report, Runtime, run_cycle
from facultativo.sync.wording import EMAIL_COUNTS, estados_text
from facultativo.validators import ValidatorPool
from facultativo.wiring import open_runtime

log = logging.getLogger("facultativo")


def sync_campus(
    config: Config,
    campus: Campus,
    pool: ValidatorPool,
    *,
    dry_run: bool = False,
    stop: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
    after: Callable[[Runtime], None] | None = None,
    replay: bool = False,
) -> Report:
    """One cycle (the caller holds the campus lock), then the digest when due; `after`
    runs with the runtime still open (the service records its heartbeat there)."""
    with open_runtime(config, campus, pool, dry_run=dry_run, locked=True) as rt:
        if stop is not None:
            rt.hooks.stop = stop
        rt.hooks.progress = progress
        rt.hooks.replay = replay
        report = run_cycle(rt, dry_run=dry_run)
        if not dry_run:
            digest_if_due(rt, campus)
        if after is not None:
            after(rt)
        return report


def digest_if_due(rt: Runtime, campus: Campus) -> None:
    """Send the staff digest when a chosen weekday's time has passed and it has not gone
    out today; a mail failure is retried on the next cycle."""
    d = campus.digest
    now = rt.hooks.clock()
    last = rt.ports.ledger.last_digest(campus.name)
    if not d.recipients or not staff_digest.due(now, campus.policy.timezone, d.time, d.days, last):
        return
    try:
        staff_digest.send(rt, d.recipients, now)
        log.info("campus %s: resumen diario enviado", campus.name)
    except SendError as exc:
        log.warning("campus %s: el resumen diario no salió (%s); se reintentará", campus.name, exc)


def report_line(r: Report) -> str:
    """A cycle in one line, in the words `status` and the digest use."""
    estados = estados_text(r.estados)
    emails = ", ".join(f"{EMAIL_COUNTS.get(k, k)} {v}" for k, v in sorted(r.emails.items()))
    line = (
        f"campus {r.campus}: {r.rows} filas, {r.processed} procesadas en {r.seconds:.1f} s; "
        f"estados: {estados}; correos: {emails or 'ninguno'}"
    )
    if r.restored:
        line += (
            f"; {r.restored} filas restauradas desde la bitácora (el bloque «{r.block}» faltaba)"
        )
    return line
