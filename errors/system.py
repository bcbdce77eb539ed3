"""Operating-system errors in Spanish: the system's own words («No such file or
directory») would reach staff in English. Every layer names a file it could not use
with these texts, so they live here, beside the failures they end up in."""

from __future__ import annotations

import errno

_OS_ERRORS = {
    errno.ENOENT: "no existe",
    errno.EISDIR: "es una carpeta",
    errno.ENOTDIR: "una parte de la ruta no es una carpeta",
    errno.EACCES: "sin permiso",
    errno.EPERM: "sin permiso",
    errno.ENOSPC: "el disco está lleno",
    errno.EROFS: "el disco es de solo lectura",
    errno.EEXIST: "ya existe",
    errno.ENAMETOOLONG: "el nombre es demasiado largo",
    errno.EBUSY: "está en uso",
    errno.ELOOP: "demasiados enlaces simbólicos",
    errno.ENXIO: "no hay quién lea o escriba del otro lado (¿una tubería FIFO?)",
    errno.EIO: "error de lectura o escritura del disco",
    errno.EADDRNOTAVAIL: "esa dirección no es de esta máquina",
    errno.EADDRINUSE: "ya está en uso",
}


def os_error(exc: OSError) -> str:
    """An operating-system error in Spanish: the system's own words («No such file or
    directory») would reach staff in English."""
    return _OS_ERRORS.get(exc.errno or -1, f"error del sistema {exc.errno or ''}".strip())
