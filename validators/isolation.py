"""Run extraction in warm worker processes with a time and memory limit per file.

PDF parsers can loop, recurse or allocate without bound on hostile files and
a native one can crash outright. A worker process that misbehaves is killed and
replaced; its file gets ARCHIVO_ILEGIBLE, and the caller never sees an
exception. Workers stay warm between files, since starting one costs far more
than reading a constancia.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from .extract import extract
from .model import Extraction, Limits, Policy, Problem, Request, Verdict
from .motivos import Motivo
from .rules import decide

Extractor = Callable[[bytes, Limits, str | None], Extraction]
STARTUP_SECONDS = 60.0
_READY = "ready"


class WorkerUnavailable(RuntimeError):
    """A worker process could not start: an installation problem, not the file's fault."""


def _default_extractor(data: bytes, limits: Limits, filename: str | None) -> Extraction:
    return extract(data, limits, filename)


def _context() -> Any:
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["facultativo.validators.extract"])
        return ctx
    return mp.get_context("spawn")


def _serve(conn: Connection, extractor: Extractor, memory_mb: int) -> None:
    """Worker loop: one file in, one Extraction out, until the pipe closes."""
    _limit_memory(memory_mb)
    conn.send(_READY)
    while True:
        try:
            data, limits, filename = conn.recv()
        except (EOFError, OSError):
            return
        try:
            result: Extraction = extractor(data, limits, filename)
        except MemoryError:
            result = Problem(Motivo.ARCHIVO_ILEGIBLE, "El PDF necesita demasiada memoria.")
        except BaseException as exc:  # a parser failure is a verdict on the file
            result = Problem(Motivo.ARCHIVO_ILEGIBLE, f"El PDF está dañado ({type(exc).__name__}).")
        conn.send(result)


def _limit_memory(memory_mb: int) -> None:
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the time limit still applies


class _Worker:
    def __init__(self, ctx: Any, extractor: Extractor, memory_mb: int) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, extractor, memory_mb), daemon=True)
        self.process.start()
        child.close()
        try:
            ready = self.conn.poll(STARTUP_SECONDS) and self.conn.recv() == _READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.stop()
            raise WorkerUnavailable(
                "no se pudo iniciar el proceso que lee los PDF; revisa la instalación "
                "(pip install .) y el mensaje anterior"
            )

    def run(self, data: bytes, limits: Limits, filename: str | None) -> Extraction | None:
        """The worker's answer, or None when it died or ran out of time."""
        try:
            self.conn.send((data, limits, filename))
            if self.conn.poll(limits.timeout_seconds):
                return self.conn.recv()
        except (EOFError, OSError):
            pass
        return None

    def stop(self) -> None:
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


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
        extractor: Extractor = _default_extractor,
    ) -> None:
        self.limits = limits or Limits()
        self.size = workers or max(1, min(4, os.cpu_count() or 1))
        self._extractor = extractor
        self._ctx = _context()
        self._slots = threading.Semaphore(self.size)
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def extract(self, data: bytes, filename: str | None = None) -> Extraction:
        """Isolated extraction. A worker that dies is retried once in a fresh one
        before the file is blamed; a file that runs out of time is not retried."""
        for attempt in range(2):
            worker = self._acquire()
            result = worker.run(data, self.limits, filename)
            if result is not None:
                self._release(worker)
                return result
            timed_out = worker.process.is_alive()
            self._discard(worker)
            if timed_out or attempt == 1:
                return _failure(timed_out, self.limits)
        raise AssertionError("unreachable")

    def validate(
        self, data: bytes | None, request: Request, policy: Policy, filename: str | None = None
    ) -> Verdict:
        """The verdict for one file (None: nothing attached)."""
        extraction = None if data is None else self.extract(data, filename)
        return decide(extraction, request, policy)

    def _acquire(self) -> _Worker:
        self._slots.acquire()
        with self._lock:
            if self._closed:
                self._slots.release()
                raise RuntimeError("ValidatorPool is closed")
            if self._idle:
                return self._idle.pop()
        try:
            return _Worker(self._ctx, self._extractor, self.limits.memory_mb)
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
