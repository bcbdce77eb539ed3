"""One worker per campus across processes: an exclusive lock file next to the ledger.

The operating system drops the lock when the process dies, however it dies, so
a crash never leaves a campus locked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from facultativo.errors import OperationalError, SetupError
from facultativo.errors.system import os_error

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class CampusBusy(OperationalError):
    """Another process holds the campus; the message says which."""


class LockUnavailable(SetupError):
    """The lock file cannot be made where the ledger is: a setup mistake (the ledger's
    folder is not the service's), which waiting will not fix."""


@contextmanager
def campus_lock(ledger: Path, campus: str) -> Iterator[None]:
    path = ledger.with_name(f"{ledger.name}.{_safe(campus)}.lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except (FileExistsError, NotADirectoryError):  # mkdir met a file where a folder goes
        raise LockUnavailable(
            f"no se puede crear {path}: una parte de la ruta es un archivo, no una carpeta; "
            'pon [ledger] path en una carpeta del servicio, p. ej. "/var/lib/facultativo/'
            'facultativo.db".'
        ) from None
    except OSError as exc:
        raise LockUnavailable(
            f"no se puede crear {path} ({os_error(exc)}): la carpeta de la bitácora debe ser "
            f"de escritura para el usuario del servicio; pon [ledger] path en una carpeta suya, "
            'p. ej. "/var/lib/facultativo/facultativo.db".'
        ) from None
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                raise CampusBusy(
                    f"otro proceso de facultativo (pid {holder}) ya está trabajando el campus "
                    f"«{campus}» con la bitácora {ledger}; espera a que termine o deténlo."
                ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
