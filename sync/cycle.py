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
import time
from collections import Counter
from collections.abc import Mapping, Set
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from facultativo.sync.cells import (
    anterior_decisions,
    clean,
    header_cells,
    id_cells,
    landed,
    pending_cells,
    restores,
    staff_notes,
    status_cells,
)
from facultativo.sync.continuity import (
    for_ledger,
    misplaced,
    remember_answers,
    restore_lost_block,
    stale_decisions,
    switched_from,
)
from facultativo.sync.decisions import (
    History,
    after_staff_text,
    answered_after_staff,
    note_staff,
    still_silent,
)
from facultativo.sync.dues import owed
from facultativo.sync.duplicates import mark_duplicates
from facultativo.sync.ledger.events import cells_by_response
from facultativo.sync.model import Action, NoticeStatus, Outcome, Step
from facultativo.sync.notify import notice_cells, send_due, shadow_due
from facultativo.sync.ownership import claim
from facultativo.sync.plan import plan
from facultativo.sync.privacy import scrub
from facultativo.sync.process import process_row
from facultativo.sync.runtime import Hooks, Ports, Report, Runtime, Settings
from facultativo.sync.sheet import Sheet, read_sheet
from facultativo.sync.sources import SourceError
from facultativo.sync.wording import estado_code, unread_estados

__all__ = ["Hooks", "Ports", "Report", "Runtime", "Settings", "run_cycle"]

log = logging.getLogger("facultativo.sync")


def run_cycle(rt: Runtime, dry_run: bool = False) -> Report:
    """One cycle; a failure is recorded for `facultativo status`, then raised."""
    started, now = time.monotonic(), rt.hooks.clock()
    report = Report(rt.settings.name, rt.settings.block.prefix)
    rt.ports.ledger.clock = rt.hooks.clock  # the history's events read in the cycle's time
    cycle_id = None if dry_run else rt.ports.ledger.cycle_started(rt.settings.name, now)
    try:
        return _cycle(rt, report, dry_run, now, started, cycle_id)
    except Exception as exc:
        if cycle_id is not None:
            summary = {**report.summary(), "error": scrub(str(exc))[:300]}
            rt.ports.ledger.cycle_finished(
                cycle_id, rt.hooks.clock(), time.monotonic() - started, summary
            )
        raise


def _cycle(
    rt: Runtime, report: Report, dry_run: bool, now: datetime, started: float, cycle_id: int | None
) -> Report:
    """One code path for real and dry runs: a dry run's ledger is an in-memory snapshot,
    and it stops before the first thing that leaves the process (an email, a cell)."""
    s, ledger = rt.settings, rt.ports.ledger
    old_block = switched_from(ledger, s.name, s.block)  # the prefijo changed: write it whole
    sheet = _read(rt, stale=old_block is not None)
    rt.hooks.checkpoint("read")
    rows = sheet.rows
    mark = claim(sheet.mark, ledger, s.name, rows, s.desde is not None, now, s.block)
    earlier = s.mail.tell_earlier
    steps = plan(rows, ledger.entries(s.name), now, desde=s.desde, tell_earlier=earlier)
    report.restored = restore_lost_block(ledger, s.name, sheet.table, steps, s.block, old_block)
    foreign = misplaced(steps)
    if foreign:  # our verdicts on other responses' rows: put each back where it belongs
        ledger.restore(s.name, sorted(foreign), why="misplaced")
    if report.restored or foreign:
        steps = plan(rows, ledger.entries(s.name), now, foreign, s.desde, earlier)
    _note_staff_and_reruns(rt, steps)  # the restored rows are WRITE_PENDING by now
    outcomes = _validate(rt, [s for s in steps if s.action in (Action.VALIDATE, Action.RERUN)], now)
    anteriores = {s.row.key for s in steps if s.action is Action.ANTERIOR}
    validated = outcomes
    outcomes = mark_duplicates(rows, outcomes, s.policy, now, ledger.entries(s.name), anteriores)
    for row in rows:  # a duplicate's line again: the estado the sheet gets is CONCLUIDA
        if row.key in outcomes and outcomes[row.key] is not validated.get(row.key):
            log.info("fila %d: %s", row.number, _outcome_text(outcomes[row.key]))
    rt.hooks.checkpoint("validated")
    pending = pending_cells(steps, outcomes)
    fill = (set() if old_block else restores(steps, pending, foreign)) | landed(steps, pending)
    notes = {} if old_block else staff_notes(steps)
    report.rows, report.processed = len(rows), len(outcomes)
    report.estados = Counter(_estado_of(s, pending) for s in steps)
    report.foreign = sum(1 for s in steps if s.action is Action.FOREIGN)
    report.unread = unread_estados(rows)
    edited = answered_after_staff(rows, ledger.entries(s.name))
    report.edited = [after_staff_text(r) for r in edited]
    if report.foreign:
        log.warning(
            "%d filas tienen un id que esta bitácora no dio (otra instalación o una bitácora "
            "anterior): no se validan ni se les escribe; revísenlas",
            report.foreign,
        )
    decisions = [o.decision for o in outcomes.values()] + anterior_decisions(steps, pending)
    ledger.record(s.name, decisions, rt.hooks.clock(), rows)
    remember_answers(ledger, s.name, rows)
    rt.hooks.checkpoint("recorded")
    clock = rt.hooks.clock()
    dues, report.waiting = owed(ledger, s.name, s.mail, steps, outcomes, pending, clock)
    dues, quiet = still_silent(dues, History(ledger.notices(s.name)), s.mail)
    if dues and not dry_run:
        _sheet_writable(rt)
    if dry_run:
        known = ledger.entries(s.name)
        report.planned_cells = header_cells(sheet.table.header, sheet.cols, s.block) + status_cells(
            rows, sheet.cols, pending, known, fill, notes
        )
        report.planned_emails = [] if s.mail.shadow else dues  # modo sombra sends none
        report.seconds = time.monotonic() - started
        return report
    if s.mail.shadow or quiet:
        shadowed = dues + quiet if s.mail.shadow else quiet
        report.emails = shadow_due(shadowed, ledger, s.mail, rt.hooks.clock())
    if not s.mail.shadow:
        report.emails += send_due(
            dues,
            rt.ports.sender,
            ledger,
            s.mail,
            rt.hooks.clock,
            rt.hooks.checkpoint,
            rt.hooks.stop.is_set,
            rt.hooks.replay,
        )
    if (
        pending
        or mark
        or header_cells(sheet.table.header, sheet.cols, s.block)
        or id_cells(rows, sheet.cols, ledger.entries(s.name), pending)
        or notice_cells(rows, sheet.cols, ledger.notices(s.name), sheet.timezone)[0]
    ):
        before = {r.key: r.number for r in rows}
        _write(rt, sheet.timezone, pending, (fill, notes), before, report, mark, old_block)
    ledger.wrote_block(s.name, s.block.prefix)  # written: the next cycle reads it as ours
    report.seconds = time.monotonic() - started
    ledger.cycle_finished(cycle_id or 0, rt.hooks.clock(), report.seconds, report.summary())
    return report


def _read(rt: Runtime, again: bool = False, stale: bool = False) -> Sheet:
    s = rt.settings
    entries = rt.ports.ledger.entries(s.name)
    prefix = rt.ports.ledger.id_prefix()
    return read_sheet(
        rt.ports.source,
        s.columns,
        s.policy.timezone,
        rt.ports.store.refs,
        entries,
        again,
        prefix,
        block=s.block,
        stale=stale,
    )


def _note_staff_and_reruns(rt: Runtime, steps: list[Step]) -> None:
    cleared: list[str] = []
    edited: list[str] = []
    readdressed: list[str] = []
    for step in steps:
        if step.action is Action.RERUN:
            (edited if step.row.estado_cell.strip() else cleared).append(step.row.key)
        if step.action in _MAILED and "address" in step.row.changed:
            readdressed.append(step.row.key)
    name, ledger = rt.settings.name, rt.ports.ledger
    if cleared:
        ledger.rerun(name, cleared)
    if edited:
        ledger.rerun(name, edited, keep_block=True)
    note_staff(ledger, name, steps, ledger.notices(name), rt.hooks.clock())
    anew = [  # decided again, or under staff's decision: not a block put back
        s.row.key
        for s in steps
        if "answers" in s.row.changed and s.entry is not None and s.action in _ANEW
    ]
    if anew and not rt.settings.mail.shadow:  # a modo sombra response answered again: live
        ledger.answered_anew(name, anew)
    under_staff = [s.row.key for s in steps if s.action in _STAFFS and "answers" in s.row.changed]
    if under_staff:
        ledger.answered_after_staff(name, under_staff, rt.hooks.clock())
    readdressed = _was_mailed(rt, readdressed)
    if readdressed:  # the result goes once more, to the corrected address
        ledger.readdress(name, readdressed)


_MAILED = (Action.DONE, Action.STAFF, Action.APLICADA, Action.WRITE_PENDING)
_STAFFS = (Action.STAFF, Action.APLICADA)
_ANEW = (Action.RERUN, Action.VALIDATE, *_STAFFS)


def _was_mailed(rt: Runtime, keys: list[str]) -> list[str]:
    """Of these responses, those whose last email was sent or failed (not modo sombra)."""
    latest: dict[str, str] = {}
    for notice in sorted(
        rt.ports.ledger.notices(rt.settings.name).values(), key=lambda n: n.updated_at
    ):
        latest[notice.key] = notice.status
    return [k for k in keys if latest.get(k) in (NoticeStatus.SENT, NoticeStatus.FAILED)]


def _sheet_writable(rt: Runtime) -> None:
    """No student hears a verdict the sheet cannot show: a sheet shared read-only, or a
    workbook open in Excel, stops the cycle before the first email."""
    problem = rt.ports.source.cannot_write()
    if problem:
        raise SourceError(problem, transient=True)


def _validate(rt: Runtime, work: list[Step], now: datetime) -> dict[str, Outcome]:
    def one(step: Step) -> Outcome | None:
        if rt.hooks.stop.is_set():  # shutting down: leave the rest for the next start
            return None
        entry = None if step.action is Action.RERUN else step.entry
        return process_row(
            step.row,
            entry,
            rt.ports.store,
            rt.ports.pool,
            rt.settings.policy,
            rt.settings.limits,
            rt.settings.retry,
            now,
        )

    outcomes: dict[str, Outcome] = {}
    # Four downloads per parsing worker: at 50 ms a call, fetching is what waits.
    with ThreadPoolExecutor(max_workers=max(4, 4 * rt.ports.pool.size)) as threads:
        for done, (step, outcome) in enumerate(zip(work, threads.map(one, work), strict=True), 1):
            if outcome is None:
                continue
            outcomes[step.row.key] = outcome
            if rt.hooks.progress:
                rt.hooks.progress(done, len(work))
            log.info("fila %d: %s", step.row.number, _outcome_text(outcome))  # as it goes
    return outcomes


def _outcome_text(outcome: Outcome) -> str:
    """The estado as the sheet shows it, and why: the motivo codes, or for an ERROR
    TEMPORAL (which has none) its detail, so no log line ends in an empty code."""
    d = outcome.decision
    why = d.motivos or d.cells.get("detalle", "")
    return f"{d.cells.get('estado') or d.estado}{f' ({why})' if why else ''}"


def _write(
    rt: Runtime,
    tz: str,
    pending: dict[str, dict[str, str]],
    spare: tuple[Set[str], Mapping[str, Set[str]]],
    before: dict[str, int],
    report: Report,
    mark: str | None,
    old_block: str | None = None,
) -> None:
    """Status, id and «notificada el» cells in one batch, each on the row that holds its
    response *now*: the sheet is read again just before, since staff sort, insert and
    delete rows while a cycle runs. A response no longer there is written next cycle.
    `spare`: the cells not to write over (cells.restores, cells.staff_notes); `old_block`:
    the campus switched blocks (its decision column is cleared: the ledger's word is in
    the estado now)."""
    sheet = _read(rt, again=True, stale=old_block is not None)  # an inserted column moves ours
    rows, cols = sheet.rows, sheet.cols
    known = rt.ports.ledger.entries(rt.settings.name)
    where = {r.key: r.number for r in rows}
    status = status_cells(rows, cols, pending, known, *spare)
    notices, ids = notice_cells(rows, cols, rt.ports.ledger.notices(rt.settings.name), tz)
    report.moved = sum(1 for r in rows if r.key in pending and r.number != before.get(r.key))
    report.vanished = sum(1 for key in pending if key not in where)
    # answers that arrived while this cycle ran: the watcher runs the next cycle at once
    report.unseen = sum(1 for r in rows if r.key not in before and not r.estado_cell.strip())
    cells = header_cells(sheet.table.header, cols, sheet.block) + status + notices
    if old_block is not None:
        cells += stale_decisions(sheet)
    if cells or mark:
        rt.ports.source.write([clean(c) for c in cells], mark)
        report.wrote = True
    rt.hooks.checkpoint("written")
    typed = {r.key: r.nss_typed for r in rows}
    written = {
        k: for_ledger({**c, "id": k}, typed.get(k)) for k, c in pending.items() if k in where
    }
    batch = cells_by_response(cells, cols.status)  # for the history: which cells, where
    rt.ports.ledger.mark_written(rt.settings.name, written, rt.hooks.clock(), batch)
    rt.hooks.checkpoint("marked")
    if ids:
        rt.ports.ledger.mark_notice_cells(rt.settings.name, ids)
        rt.hooks.checkpoint("noted")


def _estado_of(step: Step, pending: dict[str, dict[str, str]]) -> str:
    cells = pending.get(step.row.key)
    return estado_code(cells["estado"] if cells else step.row.estado_cell, step.row.tipo)
