"""How estado and email counts read for staff: `status`, the cycle line and the digest
word them the same way, so a number in one can be found in the others."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from facultativo.sync.privacy import scrub
from facultativo.validators import Estado, Tipo
from facultativo.validators.text import fold

EMPTY = "(vacío)"
EMAIL_COUNTS = {
    "sent": "enviados",
    "deferred": "pospuestos (tope diario)",
    "retry": "por reintentar",
    "waiting": "en espera del siguiente intento",
    "failed": "fallidos",
    "sombra": "no enviados (modo sombra)",  # shadow mode: recorded, never sent
}


# Staff's words for a decision, besides the estado labels themselves (folded, no accents).
_STAFF_WORDS = {
    **dict.fromkeys(
        ("ACEPTADO", "APROBADA", "APROBADO", "PROCEDE", "SI PROCEDE", "VALIDA", "VALIDADA"),
        Estado.ACEPTADA,
    ),
    **dict.fromkeys(("VALIDADO", "AUTORIZADA", "AUTORIZADO"), Estado.ACEPTADA),
    **dict.fromkeys(
        ("RECHAZADO", "NO PROCEDE", "NO ACEPTADA", "NO ACEPTADO", "DENEGADA", "DENEGADO"),
        Estado.RECHAZADA,
    ),
    **dict.fromkeys(("NO APROBADA", "NO APROBADO", "NO VALIDA"), Estado.RECHAZADA),
    **dict.fromkeys(("CONCLUIDO", "TERMINADA", "TERMINADO", "FINALIZADA"), Estado.CONCLUIDA),
    **dict.fromkeys(("ALTA APLICADO", "ALTA HECHA", "ALTA REALIZADA"), Estado.ALTA_APLICADA),
    **dict.fromkeys(("BAJA APLICADO", "BAJA HECHA", "BAJA REALIZADA"), Estado.BAJA_APLICADA),
    **dict.fromkeys(("REVISION", "EN REVISION", "REVISAR"), Estado.REVISION_MANUAL),
}
# «Aplicada» alone: the alta or the baja the student asked for
_APPLIED_WORDS = ("APLICADA", "APLICADO", "YA APLICADA", "YA APLICADO", "HECHA", "REALIZADA")
_APPLIED = {Tipo.ALTA: Estado.ALTA_APLICADA, Tipo.BAJA: Estado.BAJA_APLICADA}


def staff_word(text: str, tipo: Tipo | None = None) -> Estado | None:
    """A decision as staff typed it: an estado label or a plain word such as «Aceptado» or
    «No procede», in any case, with or without accents and a closing period; «Aplicada»
    alone is the follow-up of the row's own `tipo` (none when it is not known). A question
    («¿Procede?») is not a decision, and neither is the APLICADA of the other tipo (a
    «Baja aplicada» on an alta would tell the student the wrong thing was done)."""
    if "?" in text or "¿" in text:
        return None
    words = " ".join(re.findall(r"[A-Z0-9]+", fold(text)))
    found = Estado.from_label(words) or _STAFF_WORDS.get(words)
    if found is None and words in _APPLIED_WORDS and tipo is not None:
        return _APPLIED.get(tipo)
    if found in _APPLIED.values() and tipo in _APPLIED and found is not _APPLIED[tipo]:
        return None
    return found


def estado_code(cell: str, tipo: Tipo | None = None) -> str:
    """An estado cell as a code (ACEPTADA, ALTA_APLICADA…), staff's plain words read as
    the decision they are; words not understood, as typed."""
    estado = staff_word(cell, tipo)
    return estado.value if estado else (scrub(cell.strip())[:40] or EMPTY)


def sheet_estados(cells: Iterable[tuple[str, Tipo | None]]) -> Counter[str]:
    """Rows per estado as the sheet shows them now (staff's APLICADA included), from each
    row's estado cell and tipo."""
    return Counter(estado_code(c, tipo) for c, tipo in cells)


def estados_text(counts: Mapping[str, int]) -> str:
    """«ACEPTADA 1, ALTA APLICADA 2, RECHAZADA 3», in label order."""
    shown = sorted((_label(code), n) for code, n in counts.items() if n)
    return ", ".join(f"{label} {n}" for label, n in shown) or "—"


def emails_text(counts: Mapping[str, int]) -> str:
    shown = [f"{text} {counts.get(code, 0)}" for code, text in EMAIL_COUNTS.items()]
    return ", ".join(shown)


# What the ledger keeps of every email for good (a cycle's «pospuestos» and «en espera» are
# moments of that cycle, not outcomes): how `status` totals them.
EMAIL_TOTALS = ("sent", "retry", "failed", "sombra")


def emails_total_text(counts: Mapping[str, int]) -> str:
    """«enviados 21», then each other outcome that happened («fallidos 2»)."""
    shown = [
        f"{EMAIL_COUNTS[code]} {counts.get(code, 0)}"
        for code in EMAIL_TOTALS
        if code == "sent" or counts.get(code)
    ]
    return ", ".join(shown)


def standing_estados(standing: Iterable[tuple[str | None, str | None, int]]) -> Counter[str]:
    """Responses per estado as they stand, from the ledger's (verdict, estado staff typed,
    how many): staff's estado where they typed one (ALTA APLICADA), else facultativo's."""
    counts: Counter[str] = Counter()
    for verdict, staff, n in standing:
        counts[estado_code(staff) if staff else (verdict or EMPTY)] += n
    return counts


def _label(code: str) -> str:
    return Estado(code).etiqueta if code in Estado.__members__ else code


def unknown_estado(cell: str, tipo: Tipo | None = None) -> str | None:
    """For an estado cell facultativo cannot read (a typo such as «Aceptda»), the label
    staff probably meant, or "" when none is close; None when the cell is fine."""
    text = cell.strip()
    if not text or staff_word(text, tipo) is not None:
        return None
    words = " ".join(re.findall(r"[A-Z0-9]+", fold(text)))
    if tipo in _APPLIED and (words in _APPLIED_WORDS or "APLICAD" in words):
        return _APPLIED[tipo].etiqueta  # «Baja aplicada» on an alta: this row's own
    if words in _APPLIED_WORDS:
        return "ALTA APLICADA o BAJA APLICADA"
    if words.startswith("NO ") or "?" in text or "¿" in text:
        return ""  # a negation or a question: guessing the opposite would mislead
    labels = [e.etiqueta for e in Estado]
    close = difflib.get_close_matches(fold(text), [fold(x) for x in labels], n=1, cutoff=0.6)
    return next((x for x in labels if close and fold(x) == close[0]), "")


def unknown_text(number: int, cell: str, meant: str, where: str = "") -> str:
    hint = f" (¿quisiste decir {meant}?)" if meant else ""
    return f"fila {number}{where}: «{scrub(cell.strip())[:40]}»{hint}"


def unread_estados(rows: Iterable[Any]) -> list[str]:
    """Each row whose estado, or whose «decisión del personal», staff typed in words nobody
    reads, as «fila N: «…» (¿quisiste decir …?)»: `status`, `check` and the digest show
    the same lines."""
    found = []
    for r in rows:
        meant = unknown_estado(r.estado_cell, r.tipo)
        if meant is not None:
            found.append(unknown_text(r.number, r.estado_cell, meant))
        decision = r.extras.get("decision", "")
        meant = unknown_estado(decision, r.tipo)
        if meant is not None:
            found.append(unknown_text(r.number, decision, meant, " (decisión del personal)"))
    return found


def ago_text(minutes: float) -> str:
    """How long ago, as staff say it: «hace 4 min», «hace 3 h», «hace 2 días»."""
    if minutes < 1:
        return "hace menos de un minuto"
    if minutes < 120:
        return f"hace {int(minutes)} min"
    if minutes < 48 * 60:
        return f"hace {int(minutes // 60)} h"
    return f"hace {int(minutes // (24 * 60))} días"
