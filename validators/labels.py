"""The label finder: where, in a line of printed text, each label of the vocabulary
(validators/vocabulary.py) is, and what value follows it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from facultativo.validators.layout import Line
from facultativo.validators.model import Evidence, Situacion
from facultativo.validators.text import fold
from facultativo.validators.vocabulary import DASHES, LABELS, MISSING, SITUACIONES


def situacion(text: str) -> Situacion | None:
    """The state a folded value names: it starts with a state word, and what follows
    (if anything) is a date or «desde/hasta», never more name («BAJA CALIFORNIA»)."""
    plain = " ".join(re.findall(r"[A-Z0-9]+", text))
    for word, found in SITUACIONES:
        if plain == word or plain.startswith(word + " "):
            rest = plain[len(word) :].strip()
            if not rest or _AFTER_STATE_WORD.match(rest):
                return found
    return None


_AFTER_STATE_WORD = re.compile(r"(?:DESDE|HASTA|DEL?|AL|A PARTIR|EL|\d)(?: |$)|\d")


_ALL = sorted(
    ((phrase, field) for field, phrases in LABELS.items() for phrase in phrases),
    key=lambda item: -len(item[0]),
)


def _trie_pattern(phrases: list[str]) -> str:
    """One regular expression for every phrase, as a trie: the shared beginnings of ~250
    labels are matched once, where a plain alternation tries each label in turn (the
    label finder was a tenth of validation's time). Longer phrases are tried before a
    shorter one that ends where they go on, as the plain alternation sorted by length
    did."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = phrase

    def emit(node: dict) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in node.items() if ch]
        if "" in node:  # a phrase ends here: after every longer one
            phrase = node[""]
            branches.append(r"(?![A-Z0-9])" + ("" if phrase.endswith(".") else r"(?:\s*:)?"))
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return r"(?<![A-Z0-9])" + emit(trie)


_PATTERN = re.compile(_trie_pattern([p for p, _ in _ALL]))
_FIELD_OF = {phrase: field for phrase, field in _ALL}
# A cell can only hold a label if one of its words starts a label: most cells are values,
# and this test is ten times cheaper than the label pattern.
_TOKEN = re.compile(r"[A-Z°]+")
_FIRST_TOKENS = frozenset(_TOKEN.findall(phrase)[0] for phrase, _ in _ALL)


@dataclass(frozen=True)
class Hit:
    field: str
    start: int
    end: int
    phrase: str


@dataclass(frozen=True)
class FCell:
    """A cell with its text folded and its labels located; `raw` is the printed text."""

    text: str
    x0: float
    x1: float
    hits: tuple[Hit, ...]
    page: int = 1
    raw: str = ""
    top: float = 0.0

    def value_after(self, hit: Hit) -> str:
        """The text between a label and the next label in the same cell."""
        following = [h.start for h in self.hits if h.start >= hit.end]
        end = min(following, default=len(self.text))
        value = self.text[hit.end : end].strip(" :.")
        if value and not value.strip("- "):
            # "---" is printed on purpose (no vigencia); a lone "-" is a missing value
            return DASHES if value.count("-") >= 3 else MISSING
        # «Número de Seguridad Social (NSS)»: the brackets around a label are not a value
        return value.strip(" :.-()[]")

    @property
    def starts_with_label(self) -> bool:
        return bool(self.hits) and self.hits[0].start == 0


FLine = tuple[FCell, ...]


@dataclass(frozen=True)
class Value:
    """A field's value with the evidence it was read from."""

    text: str
    evidence: Evidence
    label: str = ""  # the phrase the value was found under


def fold_pages(pages: list[list[Line]]) -> list[FLine]:
    """Fold every line of every page, keeping the page number (1-based) on each cell."""
    return [
        tuple(_fcell(c.text, c.x0, c.x1, number, c.top) for c in line)
        for number, lines in enumerate(pages, start=1)
        for line in lines
    ]


def _fcell(raw: str, x0: float, x1: float, page: int = 1, top: float = 0.0) -> FCell:
    text = fold(raw)
    hits = []
    if not _FIRST_TOKENS.intersection(_TOKEN.findall(text)):
        return FCell(text, x0, x1, (), page, raw.strip(), top)  # a value: names, numbers
    for m in _PATTERN.finditer(text):
        phrase = m.group(0).rstrip(": ").strip()
        hits.append(Hit(_FIELD_OF.get(phrase, "otro"), m.start(), m.end(), phrase))
    return FCell(text, x0, x1, tuple(hits), page, raw.strip(), top)


def refold(cell: FCell, text: str) -> FCell:
    """The same cell with other text (e.g. a page marker taken out)."""
    return _fcell(text, cell.x0, cell.x1, cell.page, cell.top)


def line_evidence(*lines: FLine) -> Evidence:
    """The printed text of some lines, as evidence for a field read from them."""
    text = " / ".join(" ".join(c.raw or c.text for c in line) for line in lines if line)
    page = next((line[0].page for line in lines if line), 1)
    return Evidence(page, text[:EVIDENCE_CHARS])


EVIDENCE_CHARS = 160


def values(lines: list[FLine], field: str) -> list[Value]:
    """Every candidate value printed for `field`, in reading order.

    A value is the text after the label in its cell; else the next cell on the
    line; else the cell below the label (a column under a header, or a stacked
    label over its value).
    """
    found: list[Value] = []
    for i, line in enumerate(lines):
        for j, cell in enumerate(line):
            for hit in cell.hits:
                if hit.field != field:
                    continue
                value = cell.value_after(hit)
                source: tuple[tuple[FCell, ...], ...] = (line,)
                if not value and _is_last_hit(cell, hit):
                    value = _beside(line, j)
                    if not value:
                        value, near = _nearest(lines, i, cell)
                        source = (line, near)
                if value:
                    found.append(Value(value, line_evidence(*source), hit.phrase))
    return found


def has_label(lines: list[FLine], field: str) -> bool:
    """Whether any of `lines` prints a label of `field`."""
    return any(h.field == field for line in lines for c in line for h in c.hits)


def _is_last_hit(cell: FCell, hit: Hit) -> bool:
    return hit == cell.hits[-1]


def _beside(line: FLine, j: int) -> str:
    if j + 1 < len(line) and not line[j + 1].starts_with_label:
        return line[j + 1].text
    return ""


def _nearest(lines: list[FLine], i: int, cell: FCell) -> tuple[str, FLine]:
    """The value under the label, or over it when that one is nearer and no label above
    it claims it (a grid's value row belongs to the captions over it): ties go below."""
    below = _in_column(lines[i + 1 : i + 3], cell)
    above = _in_column(lines[max(i - 2, 0) : i][::-1], cell)
    if below and below[0].starts_with_label:
        below = None
    if above and not above[0].starts_with_label and not _claimed(lines, i, above[0], cell):
        gap = cell.top - above[0].top
        if not below or gap < below[0].top - cell.top:
            return above[0].text, above[1]
    return (below[0].text, below[1]) if below else ("", ())


def _claimed(lines: list[FLine], i: int, value: FCell, label: FCell) -> bool:
    """Whether a label over `value` sits at least as near to it as the label under it."""
    j = next(k for k in range(i - 1, -1, -1) if value in lines[k])
    owner = _in_column(lines[max(j - 2, 0) : j][::-1], value)
    return bool(
        owner and owner[0].starts_with_label and _gap(owner[0], value) <= _gap(value, label)
    )


def _gap(upper: FCell, lower: FCell) -> float:
    return lower.top - upper.top


def _in_column(neighbours: list[FLine], cell: FCell) -> tuple[FCell, FLine] | None:
    """The first non-empty neighbouring line's cell in the label's column, if any."""
    for nxt in neighbours:
        if nxt and nxt[0].page != cell.page:
            return None
        for other in nxt:
            if other.x1 >= cell.x0 - 2 and other.x0 <= cell.x1 + 40:
                return other, nxt
        if nxt:
            return None
    return None
