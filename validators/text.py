"""Text folding shared by extraction and rules.

Constancias, forms and campus configs spell the same words with and without
accents, in any case and with stray spaces; everything is compared folded.
"""

from __future__ import annotations

import errno
import re
import unicodedata
from datetime import date, datetime

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^A-Z0-9]+")
_SPANISH = str.maketrans("ÁÉÍÓÚÜÑáéíóúüñ", "AEIOUUNaeiouun")


def fold(text: str) -> str:
    """Upper case, no accents (Ñ becomes N), single spaces, stripped."""
    if not text.isascii():  # Spanish accents first, by table: most text is done then
        text = text.translate(_SPANISH)
    if text.isascii():  # nothing left to decompose (a third of validation's time)
        return _SPACES.sub(" ", text.upper()).strip()
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.upper()).strip()


def words(text: str) -> list[str]:
    """Folded alphanumeric words: punctuation never decides a match."""
    return [w for w in _NON_WORD.split(fold(text)) if w]


def same_words(a: str, b: str) -> bool:
    """True when two names hold the same words, whatever their order or accents."""
    return sorted(words(a)) == sorted(words(b))


def contains_phrase(haystack: str, phrase: str) -> bool:
    """True when the words of `phrase` appear together, in order, inside `haystack`."""
    hay, needle = " ".join(words(haystack)), " ".join(words(phrase))
    return bool(needle) and f" {needle} " in f" {hay} "


def day_text(day: date) -> str:
    """A date as every text staff and students read writes it: «16/11/2026» (dd/mm/aaaa)."""
    return f"{day:%d/%m/%Y}"


def moment_text(moment: datetime) -> str:
    """A day and its time, the same way: «16/11/2026 10:15»."""
    return f"{day_text(moment)} {moment:%H:%M}"


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


def clip(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut at a word boundary and ended with «…»
    when cut: «…revisa host» never «…revisa hos»."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:  # one long word (a path, a URL) is cut where it must be
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "…"
