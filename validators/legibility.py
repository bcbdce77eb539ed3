"""Does a PDF's text layer decode into words, or only into glyph numbers?

A font without a usable ToUnicode map draws the right letters on screen while its
text layer says «(cid:38)(cid:50)…», private-use code points, control characters or
letters shifted by a fixed amount. Such a file is not «another document»: it is a
document nobody can read automatically (docs/CONSTANCIA.md, "Unreadable text").

Two measures, both cheap: the share of glyphs that cannot be letters at all, and the
share of words that are Spanish words any document of this kind prints (short
function words, the constancia's own vocabulary, month names). Real Spanish text
keeps well above the floors below; shifted letters («Opncsf», «ef») fall to zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from facultativo.validators.dates import MESES
from facultativo.validators.text import fold
from facultativo.validators.vocabulary import LABELS, SITUACIONES, TITULOS

_CID = re.compile(r"\(cid:\d+\)")
_WORD = re.compile(r"[A-Z]{2,}")
_BLANK = re.compile(r"\s")
# Controls, private use (BMP and planes 15-16), the replacement character: no letter.
_NO_LETTER = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd\U000f0000-\U0010ffff]")
# Function words of any Spanish text (a one-letter word never counts: _WORD needs two).
_COMMON = {"DE", "LA", "EL", "EN", "LOS", "LAS", "DEL", "AL", "CON", "POR", "PARA", "QUE"}
_COMMON |= {"SE", "SU", "SUS", "UN", "UNA", "ES", "NO", "SI", "LO", "LE", "COMO", "MAS"}
_COMMON |= {"SIN", "SOBRE", "ENTRE", "ESTE", "ESTA", "FECHA", "NOMBRE", "DATOS"}
# English function words: an English document decodes too (it is another document,
# not an unreadable one), and letters shifted by a fixed amount hit none of these.
_ENGLISH = {"THE", "AND", "OF", "TO", "IN", "FOR", "IS", "ON", "WITH", "THIS", "THAT", "BY"}
_ENGLISH |= {"FROM", "ARE", "BE", "AS", "AT", "OR", "YOUR", "WE", "IT", "NOT", "HAS", "HAVE"}
_KNOWN = frozenset(
    _ENGLISH
    | _COMMON
    | {w for phrases in LABELS.values() for p in phrases for w in _WORD.findall(p)}
    | {w for t in TITULOS for w in _WORD.findall(t)}
    | {w for s, _ in SITUACIONES for w in _WORD.findall(s)}
    | set(MESES)
)
MAX_BAD_SHARE = 0.25  # of glyphs: (cid:N), private use, controls, U+FFFD
MIN_KNOWN_SHARE = 0.04  # of words, once there are enough words to judge
MIN_WORDS = 12
CLEAR_KNOWN_SHARE = 0.22


@dataclass(frozen=True)
class Legibility:
    glyphs: int
    bad: int  # glyphs that stand for no letter
    words: int
    known: int  # words any Spanish document of this kind prints

    @property
    def legible(self) -> bool:
        if self.glyphs and self.bad / self.glyphs > MAX_BAD_SHARE:
            return False
        return self.words < MIN_WORDS or self.known / self.words >= MIN_KNOWN_SHARE

    @property
    def clear(self) -> bool:
        """Legible with no doubt: every real constancia is well above this (the lowest
        seen, a page of children's names, has 27 % known words), a file with one font
        undecodable is below it, and another backend may read it better."""
        if self.bad or not self.legible:
            return False
        return self.words < MIN_WORDS or self.known / self.words >= CLEAR_KNOWN_SHARE

    @property
    def score(self) -> float:
        """For choosing between two readings of one file: more known words, fewer glyphs
        without a letter."""
        return self.known / max(self.words, 1) - self.bad / max(self.glyphs, 1)

    def __str__(self) -> str:
        return f"{self.bad}/{self.glyphs} glifos sin letra, {self.known}/{self.words} palabras"


def measure(text: str) -> Legibility:
    """How much of `text` decodes: see the module's docstring."""
    cids = len(_CID.findall(text))
    rest = _CID.sub("", text) if cids else text
    glyphs = len(rest) - len(_BLANK.findall(rest))
    words = _WORD.findall(fold(rest))
    known = sum(1 for w in words if w in _KNOWN)
    return Legibility(cids + glyphs, cids + len(_NO_LETTER.findall(rest)), len(words), known)
