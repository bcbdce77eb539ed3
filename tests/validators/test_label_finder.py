"""The label finder's one pattern (a trie of every vocabulary phrase) finds exactly what
a plain alternation of the phrases, longest first, finds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from facultativo.validators import labels

PLAIN = re.compile(
    "|".join(
        rf"(?<![A-Z0-9]){re.escape(p)}(?![A-Z0-9])" + ("" if p.endswith(".") else r"(?:\s*:)?")
        for p, _ in labels._ALL
    )
)
PHRASES = [p for p, _ in labels._ALL]
PIECES = st.one_of(
    st.sampled_from(PHRASES),
    st.sampled_from([p[: len(p) // 2] for p in PHRASES]),  # a label cut short
    st.sampled_from([" ", ": ", ":", ".", "-", "(", ")", "/", "1", "X", "°", "  "]),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .:", max_size=6),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(PIECES, max_size=8).map("".join))
def test_the_trie_finds_what_the_plain_alternation_finds(text):
    def found(pattern: re.Pattern[str]) -> list[tuple[int, str]]:
        return [(m.start(), m.group(0)) for m in pattern.finditer(text)]

    assert found(labels._PATTERN) == found(PLAIN)


def test_a_cell_without_a_labels_first_word_has_no_label():
    assert labels._fcell("ANA SOFÍA MARTÍNEZ 12220456789", 0, 1).hits == ()
    assert [h.field for h in labels._fcell("Nº de Seguridad Social: 1", 0, 1).hits] == ["nss"]
