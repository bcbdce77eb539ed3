"""Files that hold a secret named in facultativo.toml (a Google key, an SMTP password):
who else on the machine may read them.

One rule for every secret file, and the README's install command agrees with it:
`install -m 640 -o root -g facultativo` lets root own the file and the service, in that
group, read it. Readable by anyone, or by a group the service is not in, is warned about
once per file, with the command that fixes it. The service's group is this process's
groups plus the group named «facultativo» (the README creates it): IT runs `check` as
root, whose own group is root, and must not be told to `chmod 600` a key the service
reads through its group.
"""

from __future__ import annotations

import grp
import logging
import os
import stat
from collections.abc import Collection
from pathlib import Path

log = logging.getLogger("facultativo")
_WARNED: set[Path] = set()
SERVICE_GROUP = "facultativo"  # the group the README's install creates for the service


def warn_if_readable_by_others(path: Path) -> bool:
    """Log the fix when users other than the service can read `path`; True if so."""
    try:
        st = path.stat()
    except OSError:
        return False
    problem = readers_problem(path, st.st_mode, st.st_gid, _own_groups(), _service_group())
    if problem is None:
        return False
    if path not in _WARNED:
        _WARNED.add(path)
        log.warning("%s", problem)
    return True


def readers_problem(
    path: Path, mode: int, gid: int, own: Collection[int], service_gid: int | None
) -> str | None:
    """What is wrong with who may read a secret file of `mode` and group `gid`, and the
    command that fixes it; None when only its owner, this process's groups (`own`) and
    the service's group (`service_gid`, the «facultativo» group if the machine has it) can."""
    if mode & stat.S_IROTH:
        return f"{path} lo puede leer cualquier usuario; ejecuta: chmod 640 {path}"
    if not mode & stat.S_IRGRP or gid in own or gid == service_gid:
        return None
    if service_gid is not None:
        return (
            f"{path} lo puede leer un grupo que no es el de este servicio; ejecuta: "
            f"chgrp {SERVICE_GROUP} {path}"
        )
    return (
        f"{path} lo puede leer un grupo que no es el de este servicio; ejecuta: "
        f"chmod 600 {path} (o chgrp con el grupo del servicio)"
    )


def service_groups() -> set[int]:
    """The groups that may read a secret: this process's and the service's («facultativo»)."""
    service = _service_group()
    return _own_groups() | ({service} if service is not None else set())


def _own_groups() -> set[int]:
    return {os.getgid(), os.getegid(), *os.getgroups()}


def _service_group() -> int | None:
    try:
        return grp.getgrnam(SERVICE_GROUP).gr_gid
    except KeyError:
        return None
