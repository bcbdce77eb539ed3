"""`facultativo run`: the worker the office leaves running (APScheduler 3, foreground).

Per campus: a sync job every `service.interval_minutes` (coalesced, one instance at
a time, with a misfire grace and a little jitter); each job is the cycle and then the
staff digest when its time has come (app/jobs.py, shared with `sync --once`). The
campus locks are held for the whole life of the process, so a second `run` or `sync`
is refused with a clear message.

A campus that cannot reach its sheet (no network, a refused key) is logged once per
outage and tried again after a growing wait, up to the interval (app/outages.py).

SIGTERM/SIGINT: no new jobs start; the cycle in hand stops taking rows, writes
what it decided (ledger, then one sheet batch) and leaves unsent emails pending;
the process exits 0 once it is idle, or 1 if that takes longer than the grace.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from facultativo.config import Campus, Config
from facultativo.errors import OperationalError
from facultativo.jobs import report_line, sync_campus
from facultativo.outages import Outages
from facultativo.sync.cycle import Report, Runtime
from facultativo.sync.ledger import Ledger
from facultativo.sync.lock import campus_lock
from facultativo.sync.watch import Watcher
from facultativo.validators import ValidatorPool
from facultativo.wiring import build_source

log = logging.getLogger("facultativo.service")
SHUTDOWN_GRACE_SECONDS = 90.0


class Service:
    def __init__(self, config: Config, campuses: list[Campus]) -> None:
        self.config = config
        self.campuses = campuses
        self.stop = threading.Event()  # shared with every cycle: "stop taking rows"
        self.stopping = threading.Event()  # a signal arrived
        self._running = 0
        self._idle = threading.Condition()
        self.started = datetime.now(UTC)
        self.watchers: dict[str, Watcher] = {}
        self.outages = Outages(longest=timedelta(minutes=config.interval_minutes))

    def run(self) -> int:
        # APScheduler speaks English, and "skipped: maximum number of running instances"
        # only means a cycle outlasted a tick: the next tick comes soon enough.
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
        with ExitStack() as stack:
            for campus in self.campuses:
                stack.enter_context(campus_lock(self.config.ledger, campus.name))
            self.pool = stack.enter_context(ValidatorPool(limits=self.config.limits))
            scheduler = self._schedule()
            self._install_signals()
            scheduler.start()
            log.info(
                "servicio iniciado (pid %d): %s; %s",
                os.getpid(),
                ", ".join(c.name for c in self.campuses),
                self._cadence(),
            )
            self.stopping.wait()
            log.info("señal recibida: terminando el ciclo en curso")
            self.stop.set()
            scheduler.shutdown(wait=False)
            idle = self._wait_idle(SHUTDOWN_GRACE_SECONDS)
            log.info("servicio detenido" if idle else "el ciclo en curso no terminó a tiempo")
            return 0 if idle else 1

    def _cadence(self) -> str:
        every = f"ciclo completo al menos cada {self.config.interval_minutes:g} min"
        watch = self.config.watch_seconds
        return f"mira la hoja cada {watch:g} s; {every}" if watch else every

    def _schedule(self) -> BackgroundScheduler:
        """One job per campus: a look for changes every watch_seconds (the cycle runs when
        something moved, and at least every interval_minutes), or, with watch_seconds = 0,
        a cycle every interval_minutes."""
        scheduler = BackgroundScheduler(timezone=UTC)
        watch, interval = self.config.watch_seconds, self.config.interval_minutes * 60
        seconds = min(watch, interval) if watch else interval
        work = self._watch if watch else self._sync
        for campus in self.campuses:
            scheduler.add_job(
                self._job,
                IntervalTrigger(seconds=seconds, jitter=min(30, seconds / 10)),
                args=[work, campus],
                id=f"sync:{campus.name}",
                coalesce=True,
                max_instances=1,
                misfire_grace_time=int(max(seconds, 60)),
                next_run_time=datetime.now(UTC),
            )
        self.scheduler = scheduler
        return scheduler

    def _install_signals(self) -> None:
        def handle(signum: int, _frame: object) -> None:
            self.stopping.set()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

    def _job(self, work, campus: Campus) -> None:
        if self.stop.is_set() or not self.outages.may_try(campus.name, datetime.now(UTC)):
            return
        with self._idle:
            self._running += 1
        try:
            work(campus)
        except Exception:  # the service outlives any one cycle
            log.exception("campus %s: el trabajo falló", campus.name)
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def _sync(self, campus: Campus) -> Report | None:
        def heartbeat(rt: Runtime) -> None:
            self._heartbeat(campus, rt.ports.ledger)

        try:
            report = sync_campus(self.config, campus, self.pool, stop=self.stop, after=heartbeat)
        except OperationalError as exc:
            self.outages.failed(campus.name, str(exc), datetime.now(UTC))
            return None
        self.outages.recovered(campus.name, datetime.now(UTC))
        log.info(report_line(report))
        return report

    def _watch(self, campus: Campus) -> None:
        """One tick: a cheap look at the sheet's version; the cycle only when it moved."""
        now = datetime.now(UTC)
        try:
            source = build_source(campus)  # the object the cycles use (new with a new key)
        except OperationalError as exc:
            self.outages.failed(campus.name, str(exc), now)
            return
        watcher = self.watchers.get(campus.name)
        if watcher is None:
            interval = timedelta(minutes=self.config.interval_minutes)
            watcher = self.watchers[campus.name] = Watcher(source, interval)
        watcher.source = source
        failing = campus.name in self.outages.open  # its next try is now: a full cycle
        if not watcher.due(now) and not failing:
            if watcher.error is not None:  # the look itself failed: an outage begins
                self.outages.failed(campus.name, str(watcher.error), now)
            return
        report = self._sync(campus)
        if report is None:
            watcher.failed(now)
        else:
            watcher.ran(report, now)

    def _heartbeat(self, campus: Campus, ledger: Ledger) -> None:
        job = self.scheduler.get_job(f"sync:{campus.name}")
        next_run = job.next_run_time if job else None
        watcher = self.watchers.get(campus.name)
        change = watcher.last_change if watcher else None
        now = datetime.now(UTC)
        ledger.heartbeat(campus.name, os.getpid(), self.started, next_run, now, change)

    def _wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout)
