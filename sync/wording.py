"""How estado and email counts read for staff: `status`, the cycle line and the digest
word them the same way, so a number in one can be found in the others."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Mapping

from facultativo.validators import Estado
from facultativo.validators.text import fold

EMPTY = "(vacío)"
EMAIL_COUNTS = {
    "sent": "enviados",
    "deferred": "pospuestos (tope diario)",
    "retry": "por reintentar",
    "failed": "fallidos",
    "sombra": "no enviados (modo sombra)",  # shadow mode: recorded, never sent
}


# Staff's words for a decision, besides the estado labels themselves.
_STAFF_WORDS = {
    "ACEPTADO": Estado.ACEPTADA,
    "APROBADA": Estado.ACEPTADA,
    "APROBADO": Estado.ACEPTADA,
    "PROCEDE": Estado.ACEPTADA,
    "RECHAZADO": Estado.RECHAZADA,
    "NO PROCEDE": Estado.RECHAZADA,
    "CONCLUIDO": Estado.CONCLUIDA,
    "REVISION": Estado.REVISION_MANUAL,
}


def staff_word(text: str) -> Estado | None:
    """A decision as staff typed it: an estado label (any case or accents) or a plain word
    such as «Aceptado»."""
    return Estado.from_label(text) or _STAFF_WORDS.get(" ".join(fold(text).split()))


def estado_code(cell: str) -> str:
    """An estado cell as a code (ACEPTADA, ALTA_APLICADA…); staff's own words as typed."""
    estado = Estado.from_label(cell)
    return estado.value if estado else (cell.strip() or EMPTY)


def sheet_estados(cells: Iterable[str]) -> Counter[str]:
    """Rows per estado as the sheet shows them now (staff's APLICADA included)."""
    return Counter(estado_code(c) for c in cells)


def estados_text(counts: Mapping[str, int]) -> str:
    """«ACEPTADA 1, ALTA APLICADA 2, RECHAZADA 3», in label order."""
    shown = sorted((_label(code), n) for code, n in counts.items() if n)
    return ", ".join(f"{label} {n}" for label, n in shown) or "—"


def emails_text(counts: Mapping[str, int]) -> str:
    shown = [f"{text} {counts.get(code, 0)}" for code, text in EMAIL_COUNTS.items()]
    return ", ".join(shown)


def _label(code: str) -> str:
    return Estado(code).etiqueta if code in Estado.__members__ else code


def unknown_estado(cell: str) -> str | None:
    """For an estado cell facultativo cannot read (a typo such as «Aceptda»), the label
    staff probably meant, or "" when none is close; None when the cell is fine."""
    text = cell.strip()
    if not text or staff_word(text) is not None:
        return None
    labels = [e.etiqueta for e in Estado]
    close = difflib.get_close_matches(fold(text), [fold(x) for x in labels], n=1, cutoff=0.6)
    return next((x for x in labels if close and fold(x) == close[0]), "")


def unknown_text(number: int, cell: str, meant: str) -> str:
    hint = f" (¿quisiste decir {meant}?)" if meant else ""
    return f"fila {number}: «{cell.strip()[:40]}»{hint}"
