"""Text folding shared by extraction and rules.

Constancias, forms and campus configs spell the same words with and without
accents, in any case and with stray spaces; everything is compared folded.
"""

from __future__ import annotations

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
