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
import queue
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from .extract import extract
from .model import Extraction, Limits, Policy, Problem, Request, Verdict
from .motivos import Motivo
from .rules import decide

Extractor = Callable[[bytes, Limits, str | None], Extraction]


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
    """Isolated, time-limited validation; safe to call from several threads."""

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
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False

    def extract(self, data: bytes, filename: str | None = None) -> Extraction:
        worker = self._acquire()
        result = worker.run(data, self.limits, filename)
        if result is None:
            alive = worker.process.is_alive()
            self._discard(worker)
            return _failure(alive, self.limits)
        self._idle.put(worker)
        return result

    def validate(
        self, data: bytes | None, request: Request, policy: Policy, filename: str | None = None
    ) -> Verdict:
        """The verdict for one file (None: nothing attached)."""
        extraction = None if data is None else self.extract(data, filename)
        return decide(extraction, request, policy)

    def _acquire(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise RuntimeError("ValidatorPool is closed")
            if self._idle.empty() and len(self._all) < self.size:
                worker = _Worker(self._ctx, self._extractor, self.limits.memory_mb)
                self._all.append(worker)
                return worker
        return self._idle.get()

    def _discard(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._all.remove(worker)
        # A slot is free again: wake one waiter by handing it a fresh worker.
        if not self._closed and self._idle.empty():
            with self._lock:
                if len(self._all) < self.size:
                    fresh = _Worker(self._ctx, self._extractor, self.limits.memory_mb)
                    self._all.append(fresh)
                    self._idle.put(fresh)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all = self._all, []
        for worker in workers:
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
