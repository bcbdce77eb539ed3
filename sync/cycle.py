"""One cycle for one campus (README, "For developers"), crash-safe at every step.

1. read the header and every row (one call to the source);
2. validate the new rows (attachments fetched and parsed concurrently, isolated);
3. record the verdicts in the ledger, then write all status cells in one batch;
4. send the emails that are due, recording intent before and result after each;
5. write the "notificada el" cells in one batch.

After a crash anywhere, the next cycle finds in the ledger and the sheet what
was left unfinished: verdicts recorded but not written are written (not
recomputed); emails intended but not confirmed are sent again (one duplicate
at most); nothing is lost.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from facultativo.notifiers.base import Sender
from facultativo.validators import Estado, Limits, Policy, ValidatorPool

from .attachments import AttachmentStore
from .columns import STATUS_HEADERS, ColumnMap, map_columns
from .duplicates import mark_duplicates
from .ledger import Entry, Ledger
from .notify import Due, MailContext, is_pending, notice_cells, send_due
from .plan import Action, Step, plan
from .process import Outcome, Retry, process_row
from .rows import Row, read_rows
from .sources import CellWrite, ResponseSource

log = logging.getLogger("facultativo.sync")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _nothing(step: str) -> None:
    return None


@dataclass
class Runtime:
    """Everything one campus's cycle talks to; tests swap any part."""

    name: str
    policy: Policy
    source: ResponseSource
    store: AttachmentStore
    ledger: Ledger
    pool: ValidatorPool
    sender: Sender
    mail: MailContext
    limits: Limits = field(default_factory=Limits)
    retry: Retry = field(default_factory=Retry)
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    clock: Callable[[], datetime] = _utcnow
    checkpoint: Callable[[str], None] = _nothing  # tests inject crashes here
    progress: Callable[[int, int], None] | None = None
    stop: threading.Event = field(default_factory=threading.Event)  # set on SIGTERM


@dataclass
class Report:
    campus: str
    rows: int = 0
    processed: int = 0
    estados: Counter[str] = field(default_factory=Counter)
    emails: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    planned_cells: list[CellWrite] = field(default_factory=list)
    planned_emails: list[Due] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "rows": self.rows,
            "processed": self.processed,
            "estados": dict(self.estados),
            "emails": dict(self.emails),
        }


def run_cycle(rt: Runtime, dry_run: bool = False) -> Report:
    """One cycle; a failure is recorded for `facultativo status`, then raised."""
    started, now = time.monotonic(), rt.clock()
    report = Report(rt.name)
    cycle_id = None if dry_run else rt.ledger.cycle_started(rt.name, now)
    try:
        return _cycle(rt, report, dry_run, now, started, cycle_id)
    except Exception as exc:
        if cycle_id is not None:
            summary = {**report.summary(), "error": str(exc)[:300]}
            rt.ledger.cycle_finished(cycle_id, rt.clock(), time.monotonic() - started, summary)
        raise


def _cycle(
    rt: Runtime, report: Report, dry_run: bool, now: datetime, started: float, cycle_id: int | None
) -> Report:
    table = rt.source.read()
    rt.checkpoint("read")
    cols = map_columns(table.header, rt.columns)
    tz = table.timezone or rt.policy.timezone
    rows = read_rows(table, cols, tz, rt.store.refs)
    steps = plan(rows, rt.ledger.entries(rt.name), now)
    if not dry_run:
        _note_staff_and_reruns(rt, steps)
    outcomes = _validate(rt, [s for s in steps if s.action in (Action.VALIDATE, Action.RERUN)], now)
    outcomes = mark_duplicates(rows, outcomes, rt.policy, now)
    rt.checkpoint("validated")
    pending = _pending_cells(steps, outcomes)
    cells = _header_cells(table.header, cols) + _status_cells(rows, cols, pending)
    report.rows, report.processed = len(rows), len(outcomes)
    report.estados = Counter(_estado_of(s, pending) for s in steps)
    if dry_run:
        report.planned_cells = cells
        notices = rt.ledger.notices(rt.name)  # the snapshot knows what was already sent
        report.planned_emails = _dues(steps, outcomes, rt.ledger.entries(rt.name), notices, pending)
        report.seconds = time.monotonic() - started
        return report
    _record_and_write(rt, outcomes, cells, pending)
    entries, notices = rt.ledger.entries(rt.name), rt.ledger.notices(rt.name)
    dues = _dues(steps, outcomes, entries, notices, pending)
    report.emails = send_due(
        dues, rt.sender, rt.ledger, rt.mail, rt.clock, rt.checkpoint, rt.stop.is_set
    )
    _write_notice_cells(rt, rows, cols, tz)
    report.seconds = time.monotonic() - started
    rt.ledger.cycle_finished(cycle_id or 0, rt.clock(), report.seconds, report.summary())
    return report


def _note_staff_and_reruns(rt: Runtime, steps: list[Step]) -> None:
    reruns, staff = [], {}
    for step in steps:
        if step.action is Action.RERUN:
            reruns.append(step.row.key)
        elif step.action in (Action.STAFF, Action.APLICADA):
            label = step.row.estado_cell.strip()
            if step.entry is None or step.entry.staff_label != label:
                staff[step.row.key] = label
    if reruns:
        rt.ledger.rerun(rt.name, reruns)
    if staff:
        rt.ledger.note_staff(rt.name, staff)


def _validate(rt: Runtime, work: list[Step], now: datetime) -> dict[str, Outcome]:
    def one(step: Step) -> Outcome | None:
        if rt.stop.is_set():  # shutting down: leave the rest for the next start
            return None
        entry = None if step.action is Action.RERUN else step.entry
        return process_row(step.row, entry, rt.store, rt.pool, rt.policy, rt.limits, rt.retry, now)

    outcomes: dict[str, Outcome] = {}
    # Four downloads per parsing worker: at 50 ms a call, fetching is what waits.
    with ThreadPoolExecutor(max_workers=max(4, 4 * rt.pool.size)) as threads:
        for done, (step, outcome) in enumerate(zip(work, threads.map(one, work), strict=True), 1):
            if outcome is None:
                continue
            outcomes[step.row.key] = outcome
            if rt.progress:
                rt.progress(done, len(work))
            log.info(
                "fila %d: %s %s", step.row.number, outcome.decision.estado, outcome.decision.motivos
            )
    return outcomes


def _pending_cells(steps: list[Step], outcomes: dict[str, Outcome]) -> dict[str, dict[str, str]]:
    pending = {k: o.decision.cells for k, o in outcomes.items()}
    for step in steps:
        if step.action is Action.WRITE_PENDING and step.entry and step.entry.pending_cells:
            pending[step.row.key] = step.entry.pending_cells
    return pending


def _header_cells(header: list[str], cols: ColumnMap) -> list[CellWrite]:
    present = {str(h or "").strip() for h in header}
    return [
        CellWrite(1, cols.status[k], title)
        for k, title in STATUS_HEADERS.items()
        if title not in present
    ]


def _status_cells(rows: list[Row], cols: ColumnMap, pending: dict) -> list[CellWrite]:
    cells = []
    for row in rows:
        for key, value in pending.get(row.key, {}).items():
            cells.append(CellWrite(row.number, cols.status[key], value))
    return cells


def _record_and_write(
    rt: Runtime,
    outcomes: dict[str, Outcome],
    cells: list[CellWrite],
    pending: dict[str, dict[str, str]],
) -> None:
    rt.ledger.record(rt.name, [o.decision for o in outcomes.values()], rt.clock())
    rt.checkpoint("recorded")
    rt.source.write(cells)
    rt.checkpoint("written")
    rt.ledger.mark_written(rt.name, {k: c["estado"] for k, c in pending.items()}, rt.clock())
    rt.checkpoint("marked")


def _dues(
    steps: list[Step],
    outcomes: dict[str, Outcome],
    entries: dict[str, Entry],
    notices: dict,
    pending: dict[str, dict[str, str]],
) -> list[Due]:
    """Emails owed: a result for every verdict we wrote, a follow-up for every
    APLICADA staff typed on a response we know, unless already sent or failed."""
    dues = []
    for step in steps:
        row, entry, outcome = step.row, entries.get(step.row.key), outcomes.get(step.row.key)
        generation = entry.generation if entry else 0
        datos = entry.datos if entry else {}
        if step.action is Action.APLICADA and entry is not None:
            kind, estado, motivos, detalle = "aplicada", row.estado_cell, entry.motivos, ""
        elif outcome is not None:
            kind, estado = "resultado", outcome.decision.estado
            motivos, detalle = outcome.decision.motivos, outcome.decision.cells["detalle"]
            datos = outcome.decision.datos
        elif step.action in (Action.DONE, Action.WRITE_PENDING) and entry is not None:
            kind, estado, motivos = "resultado", entry.estado, entry.motivos
            detalle = pending.get(row.key, row.status).get("detalle", "")
        else:
            continue
        code = Estado.from_label(estado or "")
        if code is None or code is Estado.ERROR_TEMPORAL:
            continue
        if is_pending(notices.get((row.key, kind, generation))):
            dues.append(Due(row, kind, generation, code.value, motivos or "", detalle, datos))
    return dues


def _write_notice_cells(rt: Runtime, rows: list[Row], cols: ColumnMap, tz: str) -> None:
    cells, ids = notice_cells(rows, cols, rt.ledger.notices(rt.name), tz)
    if cells:
        rt.source.write(cells)
        rt.checkpoint("noted")
        rt.ledger.mark_notice_cells(rt.name, ids)


def _estado_of(step: Step, pending: dict[str, dict[str, str]]) -> str:
    cells = pending.get(step.row.key)
    label = cells["estado"] if cells else step.row.estado_cell
    estado = Estado.from_label(label)
    return estado.value if estado else (label or "(vacío)")
