"""Run extraction in warm worker processes with a time and memory limit per file.

PDF parsers can loop, recurse or allocate without bound on hostile files and
a native one can crash outright. A worker process that misbehaves is killed and
replaced; its file gets ARCHIVO_ILEGIBLE, and the caller never sees an
exception. Workers stay warm between files, since starting one costs far more
than reading a constancia.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from multiprocessing.connection import Connection

from facultativo.errors import OperationalError
from facultativo.validators.model import Extraction, Limits, Policy, Problem, Request, Verdict
from facultativo.validators.motivos import Motivo
from facultativo.validators.rules import decide

DEFAULT_EXTRACTOR = "facultativo.validators.extract:extract"
STARTUP_SECONDS = 60.0
READY = "ready"  # the worker's first message: it imported everything and is waiting
HUNG, DIED = "hung", "died"  # why a worker gave no answer (_Worker.run)


class WorkerUnavailable(OperationalError):
    """A worker process could not start: an installation problem, not the file's fault."""


class _Worker:
    """One `python -m facultativo.validators.worker` process and its two pipes."""

    def __init__(self, extractor: str, memory_mb: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "facultativo.validators.worker", extractor, str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": _python_path()},
            start_new_session=True,  # Ctrl-C in a terminal is for the parent to handle
        )
        assert self.process.stdin and self.process.stdout
        self.send = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self.recv = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()
        try:
            ready = self.recv.poll(STARTUP_SECONDS) and self.recv.recv() == READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.stop()
            raise WorkerUnavailable(
                "no se pudo iniciar el proceso que lee los PDF; revisa la instalación "
                "(pip install .) y el mensaje anterior"
            )

    def run(self, data: bytes, limits: Limits, filename: str | None) -> Extraction | str:
        """The worker's answer; HUNG when it was still at work when the time ran out, DIED
        when its pipes broke first (it crashed, or something killed it).

        Which one is told by the pipes, not by whether the process can be reaped yet: the
        kernel closes a dying process's pipes before the parent can reap it, so a worker
        that crashed a moment ago can still look alive."""
        try:
            self.send.send((data, limits, filename))
            if not self.recv.poll(limits.timeout_seconds):
                return HUNG
            return self.recv.recv()  # at the end of a dead worker's pipe: EOFError
        except (EOFError, OSError):
            return DIED

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        for conn in (self.send, self.recv):
            conn.close()
        if self.alive:
            self.process.kill()
        self.process.wait(timeout=10)


def _python_path() -> str:
    """The parent's import path, so a worker imports the same code (tests included)."""
    return os.pathsep.join(p or os.getcwd() for p in sys.path)


class ValidatorPool:
    """Isolated, time-limited validation; safe to call from several threads.

    At most `workers` processes exist; each is started on first need and kept
    warm. A caller takes a slot, uses an idle worker (or starts one), and gives
    it back, or throws it away when it hung or died.
    """

    def __init__(
        self,
        workers: int | None = None,
        limits: Limits | None = None,
        extractor: str = DEFAULT_EXTRACTOR,
    ) -> None:
        """`extractor` is "module:function" with the signature of `extract`."""
        self.limits = limits or Limits()
        self.size = workers or max(1, min(4, os.cpu_count() or 1))
        self._extractor = extractor
        self._slots = threading.Semaphore(self.size)
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def extract(self, data: bytes, filename: str | None = None) -> Extraction:
        """Isolated extraction. A worker that dies is retried once in a freshly started
        one (it may have been killed for something else: the machine's memory, an
        operator) before the file is blamed; a file that runs out of time is not retried."""
        for attempt in range(2):
            worker = self._acquire(fresh=attempt > 0)
            result = worker.run(data, self.limits, filename)
            if not isinstance(result, str):
                self._release(worker)
                return result
            self._discard(worker)
            if result == HUNG or attempt == 1:
                return _failure(result == HUNG, self.limits)
        raise AssertionError("unreachable")

    def warm(self) -> None:
        """Start every worker now: a page that answers students should not make the first
        ones wait for a process to import the PDF libraries."""
        workers = [self._acquire() for _ in range(self.size)]
        for worker in workers:
            self._release(worker)

    def validate(
        self, data: bytes | None, request: Request, policy: Policy, filename: str | None = None
    ) -> Verdict:
        """The verdict for one file (None: nothing attached)."""
        extraction = None if data is None else self.extract(data, filename)
        return decide(extraction, request, policy)

    def _acquire(self, fresh: bool = False) -> _Worker:
        """An idle worker, or a new one; `fresh`: always a new one (an idle one is stopped
        to make room: never more than `workers` processes)."""
        self._slots.acquire()
        with self._lock:
            if self._closed:
                self._slots.release()
                raise RuntimeError("ValidatorPool is closed")
            idle = self._idle.pop() if self._idle else None
        if idle is not None and not fresh:
            return idle
        if idle is not None:
            idle.stop()
        try:
            return _Worker(self._extractor, self.limits.memory_mb)
        except BaseException:
            self._slots.release()
            raise

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            closed = self._closed
            if not closed:
                self._idle.append(worker)
        if closed:
            worker.stop()
        self._slots.release()

    def _discard(self, worker: _Worker) -> None:
        worker.stop()
        self._slots.release()

    def close(self) -> None:
        """Stop idle workers now; busy ones stop when their file is done."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()

    def __enter__(self) -> ValidatorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _failure(timed_out: bool, limits: Limits) -> Problem:
    if timed_out:
        detalle = f"Leer el PDF tardó más de {limits.timeout_seconds:g} s."
    else:
        detalle = "El lector de PDF falló con este archivo."
    return Problem(Motivo.ARCHIVO_ILEGIBLE, detalle)
