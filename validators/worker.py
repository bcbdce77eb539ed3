"""The worker process behind ValidatorPool: `python -m facultativo.validators.worker`.

It reads (bytes, limits, filename) requests from stdin and writes Extraction
results to stdout, pickled and length-framed by multiprocessing.connection,
until stdin closes. Anything a library prints goes to stderr, never into the
results pipe.
"""

from __future__ import annotations

import importlib
import os
import sys
from multiprocessing.connection import Connection

from facultativo.validators.isolation import READY
from facultativo.validators.model import Extraction, Limits, Problem
from facultativo.validators.motivos import Motivo


def serve(extractor_name: str, memory_mb: int) -> None:
    requests = Connection(os.dup(0), writable=False)
    results = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # stray prints must not corrupt the results pipe
    module, _, function = extractor_name.partition(":")
    extractor = getattr(importlib.import_module(module), function)
    _limit_memory(memory_mb)
    results.send(READY)
    while True:
        try:
            data, limits, filename = requests.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        results.send(_one(extractor, data, limits, filename))


def _one(extractor, data: bytes, limits: Limits, filename: str | None) -> Extraction:
    try:
        return extractor(data, limits, filename)
    except MemoryError:
        return Problem(Motivo.ARCHIVO_ILEGIBLE, "El PDF necesita demasiada memoria.")
    except Exception:  # a parser failure is a verdict on the file
        return Problem(Motivo.ARCHIVO_ILEGIBLE, "El PDF está dañado: no se pudo leer su contenido.")


def _limit_memory(memory_mb: int) -> None:
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the time limit still applies


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
