"""Text folding shared by extraction and rules.

Constancias, forms and campus configs spell the same words with and without
accents, in any case and with stray spaces; everything is compared folded.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^A-Z0-9]+")


def fold(text: str) -> str:
    """Upper case, no accents (Ñ becomes N), single spaces, stripped."""
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
