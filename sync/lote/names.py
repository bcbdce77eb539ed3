"""A Mexican name in IMSS's three fields: nombre(s), primer apellido, segundo apellido.

The Form gives «Nombre completo» (in either order: «Ana Sofía Martínez Gómez» or
«MARTÍNEZ GÓMEZ ANA SOFÍA»), or «Nombre(s)» and «Apellidos» apart; the constancia's name,
as the validator reads it, comes in either order too (its layouts differ). Words are
first grouped so that a particle stays with the word it belongs to («de la Cruz», «del
Río», «de los Santos»); then each way of cutting those groups into the three fields is
checked against the CURP, which spells out the person's name: its letters 1-4 are the
primer apellido's initial and first inner vowel, the segundo apellido's initial and the
given name's initial (a first «María» or «José» of a compound name is passed over, so
«María José» counts as JOSE), and its letters 14-16 the first inner consonant of each.
An X in the CURP stands for a letter it does not spell (Ñ, a missing segundo apellido, a
word RENAPO changes), so it matches anything.

One cut that fits: it is the person's name (`sure`). None that fits, several that
differ, or no CURP to check: the usual reading is taken (given names first, the last
two groups the apellidos; with «Apellidos» apart, its first group the primer apellido)
and `sure` is False: the batch says so on the row, for a person to look.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from facultativo.validators.identifiers import CURP_PATTERN, clean_curp
from facultativo.validators.text import fold

# Words that belong to the next one (RENAPO skips them when spelling a CURP).
PARTICLES = frozenset(
    {"DA", "DAS", "DE", "DEL", "DER", "DI", "DIE", "DD", "DOS", "EL", "LA", "LAS", "LE", "LES"}
    | {"LOS", "MAC", "MC", "VAN", "VON", "Y"}
)
# A compound given name that starts with one of these is spelled by its next name.
PASSED_OVER = frozenset({"MARIA", "MA", "JOSE", "J"})
_VOWELS = frozenset("AEIOU")
_MOST = 2  # groups an apellido may take: «Ponce de León», never more


@dataclass(frozen=True)
class Parts:
    nombres: str
    primer: str
    segundo: str
    sure: bool  # the CURP confirms this cut and no other

    @property
    def completo(self) -> str:
        return " ".join(p for p in (self.nombres, self.primer, self.segundo) if p)


def groups(text: str) -> list[str]:
    """The words of a name, a particle joined to the word it introduces («de la Cruz»);
    a particle at the very end stays with the word before it."""
    found: list[str] = []
    pending: list[str] = []
    for word in text.split():
        if _bare(word) in PARTICLES:
            pending.append(word)
            continue
        found.append(" ".join([*pending, word]))
        pending = []
    if pending:
        if found:
            found[-1] = " ".join([found[-1], *pending])
        else:
            found.append(" ".join(pending))
    return found


def full_name(text: str, curp: str | None) -> Parts:
    """A whole name, given names first or last, cut into the three fields."""
    units = groups(" ".join(text.split()))
    if len(units) < 2:
        return Parts(" ".join(units), "", "", False)
    cuts = [*_given_first(units), *_surnames_first(units)]
    return _choose(cuts, _usual(units), curp)


def with_apellidos(nombres: str, apellidos: str, curp: str | None) -> Parts:
    """«Nombre(s)» as typed, «Apellidos» cut into primer and segundo apellido."""
    nombres = " ".join(nombres.split())
    units = groups(" ".join(apellidos.split()))
    if not units:
        return Parts(nombres, "", "", False)
    usual = Parts(nombres, units[0], " ".join(units[1:]), False)
    cuts = [
        Parts(nombres, " ".join(units[:i]), " ".join(units[i:]), False)
        for i in range(1, min(len(units), _MOST) + 1)
        if len(units) - i <= _MOST
    ]
    chosen = _choose(cuts, usual, curp)
    if not chosen.sure and len(units) <= 2 and not _checkable(curp):
        # two apellidos typed apart from the name: nothing to doubt without a CURP
        return Parts(chosen.nombres, chosen.primer, chosen.segundo, True)
    return chosen


def _choose(cuts: list[Parts], usual: Parts, curp: str | None) -> Parts:
    if not _checkable(curp):
        return usual
    assert curp is not None
    fits = list(dict.fromkeys(c for c in cuts if fits_curp(c, curp)))
    if len(fits) == 1:
        return Parts(fits[0].nombres, fits[0].primer, fits[0].segundo, True)
    if fits:  # several cuts spell the same letters: the usual one if it is among them
        return usual if usual in fits else fits[0]
    return usual


def _checkable(curp: str | None) -> bool:
    return bool(curp and CURP_PATTERN.fullmatch(clean_curp(curp)))


def _usual(units: list[str]) -> Parts:
    """Given names first, the last two groups the apellidos."""
    if len(units) == 2:
        return Parts(units[0], units[1], "", False)
    return Parts(" ".join(units[:-2]), units[-2], units[-1], False)


def _given_first(units: list[str]) -> Iterator[Parts]:
    n = len(units)
    for i in range(1, n):  # nombres: units[:i]
        for j in range(i + 1, min(n, i + _MOST) + 1):  # primer: units[i:j]
            if n - j <= _MOST:
                yield Parts(" ".join(units[:i]), " ".join(units[i:j]), " ".join(units[j:]), False)


def _surnames_first(units: list[str]) -> Iterator[Parts]:
    n = len(units)
    for i in range(1, min(n - 1, _MOST) + 1):  # primer: units[:i]
        for j in range(i, min(n - 1, i + _MOST) + 1):  # segundo: units[i:j]
            yield Parts(" ".join(units[j:]), " ".join(units[:i]), " ".join(units[i:j]), False)


def fits_curp(parts: Parts, curp: str) -> bool:
    """Whether the CURP's name letters (1-4 and 14-16) are these fields'."""
    curp = clean_curp(curp)
    wanted = curp[:4] + curp[13:16]
    got = spelled(parts)
    return all(w == "X" or w == g for w, g in zip(wanted, got, strict=True))


def spelled(parts: Parts) -> str:
    """The seven letters a CURP takes from these fields."""
    first, second = _word(parts.primer), _word(parts.segundo)
    given = _word(parts.nombres, given=True)
    return (
        _initial(first)
        + _inner(first, vowel=True)
        + _initial(second)
        + _initial(given)
        + _inner(first, vowel=False)
        + _inner(second, vowel=False)
        + _inner(given, vowel=False)
    )


def _word(text: str, given: bool = False) -> str:
    """The word a CURP spells a field by: particles skipped, and for given names a first
    María or José passed over when another name follows."""
    words = [w for w in re.findall(r"[A-Z]+", fold(text)) if w]
    if given and len(words) > 1 and words[0] in PASSED_OVER:
        words = words[1:]
    words = [w for w in words if w not in PARTICLES] or words
    return words[0] if words else ""


def _initial(word: str) -> str:
    return word[:1] or "X"


def _inner(word: str, vowel: bool) -> str:
    for letter in word[1:]:
        if (letter in _VOWELS) == vowel:
            return letter
    return "X"


def _bare(word: str) -> str:
    return fold(word).strip(".,")
