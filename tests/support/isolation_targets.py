"""Extractors that misbehave on purpose, run inside ValidatorPool workers."""

from __future__ import annotations

import os
import resource
import signal
import time
from pathlib import Path

from facultativo.validators import extract

_served = 0  # files this worker process was handed


def misbehaving(data: bytes, limits, filename):
    global _served
    _served += 1
    if data == b"hang":
        time.sleep(60)
    if data == b"crash":
        os._exit(11)  # what a segfault in a native parser looks like from outside
    if data == b"raise":
        raise RecursionError("maximum recursion depth exceeded")
    if data == b"hog":
        hoard = []
        while True:
            hoard.append(bytearray(50 * 1024 * 1024))
    if data.startswith((b"die-slowly:", b"die-once:")):
        # «die-slowly:<log>»: every attempt crashes; «die-once:<log>\n<pdf>»: the first
        # attempt crashes, the next reads the PDF. Each attempt logs «pid files-served».
        kind, _, rest = data.partition(b":")
        log, _, pdf = rest.partition(b"\n")
        path = Path(log.decode())
        first = not path.exists()
        with path.open("a") as out:
            out.write(f"{os.getpid()} {_served}\n")
        if kind == b"die-slowly" or first:
            _die_slowly()
        return extract(pdf, limits, filename)
    return extract(data, limits, filename)


def _die_slowly() -> None:
    """A crash as the parent can meet it: the worker's pipes are already closed while the
    process is not yet gone (the kernel closes a dying process's files before its parent
    can reap it; here that moment lasts half a second), then a segfault."""
    os.closerange(3, 1024)  # the pipes to the pool (stdin and stdout were moved above 2)
    time.sleep(0.5)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file in the test's folder
    os.kill(os.getpid(), signal.SIGSEGV)
