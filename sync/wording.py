"""How estado and email counts read for staff: `status`, the cycle line and the digest
word them the same way, so a number in one can be found in the others."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from facultativo.validators import Estado

EMPTY = "(vacío)"
EMAIL_COUNTS = {
    "sent": "enviados",
    "deferred": "pospuestos (tope diario)",
    "retry": "por reintentar",
    "failed": "fallidos",
    "sombra": "no enviados (modo sombra)",  # shadow mode: recorded, never sent
}


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
