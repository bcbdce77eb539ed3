"""Files that hold a secret named in facultativo.toml (a Google key, an SMTP password):
who else on the machine may read them.

One rule for every secret file, and the README's install command agrees with it:
`install -m 640 -o root -g facultativo` lets root own the file and the service, in that
group, read it. Readable by anyone, or by a group the service is not in, is warned about
once per file, with the command that fixes it.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("facultativo")
_WARNED: set[Path] = set()


def warn_if_readable_by_others(path: Path) -> bool:
    """Log the fix when users other than the service can read `path`; True if so."""
    try:
        st = path.stat()
    except OSError:
        return False
    if st.st_mode & stat.S_IROTH:
        problem = f"{path} lo puede leer cualquier usuario; ejecuta: chmod 640 {path}"
    elif st.st_mode & stat.S_IRGRP and st.st_gid not in _own_groups():
        problem = (
            f"{path} lo puede leer un grupo que no es el de este servicio; ejecuta: "
            f"chmod 600 {path} (o chgrp con el grupo del servicio)"
        )
    else:
        return False
    if path not in _WARNED:
        _WARNED.add(path)
        log.warning("%s", problem)
    return True


def _own_groups() -> set[int]:
    return {os.getgid(), os.getegid(), *os.getgroups()}
