"""facultativo's verdicts against staff's decisions, row by row (pure; `facultativo informe`).

This is how an office gains trust in the shadow weeks, and how a misread constancia
surfaces: staff keep deciding by hand, in «Validación: decisión del personal» or by
typing over the estado, and the comparison says where the two disagree and why (the
detalle cites what was read). Staff applying a request in IMSS (ALTA/BAJA APLICADA)
agrees with our ACEPTADA.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from facultativo.sync.model import Entry
from facultativo.sync.privacy import scrub
from facultativo.sync.rows import Row
from facultativo.sync.wording import staff_word
from facultativo.validators import Estado, Tipo
from facultativo.validators.text import fold

DECISIVE = (Estado.ACEPTADA, Estado.RECHAZADA, Estado.CONCLUIDA)
_AS_ACCEPTED = {Estado.ALTA_APLICADA: Estado.ACEPTADA, Estado.BAJA_APLICADA: Estado.ACEPTADA}

# What each count of the report counts, in one line, as `compare` counts it (the text, the
# page and the JSON say the same; keys as the JSON names the counts). A response is
# counted once: compared, a settled review, unreadable, sin decisión, sin veredicto or
# anterior (copies of a row and responses before --desde are not counted at all).
EXPLAINED = {
    "comparadas": (
        "veredictos ACEPTADA, RECHAZADA o CONCLUIDA de facultativo en los que el personal "
        "también escribió una decisión que se entiende"
    ),
    "coinciden": (
        "de los veredictos ACEPTADA, RECHAZADA o CONCLUIDA de facultativo en los que el "
        "personal también escribió una decisión que se entiende, aquellos en los que decidió "
        "lo mismo (ALTA o BAJA APLICADA cuenta como ACEPTADA)"
    ),
    "revision_resueltas": (
        "respuestas que facultativo dejó en REVISIÓN MANUAL y en las que el personal ya "
        "escribió su decisión; no cuentan en «Coinciden» (la tabla dice cuál fue)"
    ),
    "sin_decision": (
        "respuestas que facultativo decidió y en las que el personal no escribió nada: "
        "la columna «decisión del personal» del bloque vacía y el estado como lo dejó "
        "facultativo (o vacío); no hay con qué comparar"
    ),
    "sin_veredicto": (
        "respuestas que facultativo no ha decidido: nuevas que aún no pasan por un ciclo, "
        "en ERROR TEMPORAL (esperan reintento) o con un estado que el personal escribió "
        "antes de que facultativo las viera; no hay con qué comparar"
    ),
    "anteriores": (
        "respuestas de antes del primer día de facultativo (desde en [[campus]]) o marcadas "
        "ANTERIOR: las atiende el personal a mano; con --anteriores salen en la tabla, "
        "nunca en «Coinciden»"
    ),
    "desacuerdos": (
        "veredictos ACEPTADA, RECHAZADA o CONCLUIDA de facultativo en los que el personal "
        "decidió otra cosa, con el detalle que escribió facultativo"
    ),
    "no_reconocidas": (
        "decisiones del personal que no son un estado (escribe p. ej. ACEPTADA); esas "
        "respuestas no se comparan"
    ),
}


@dataclass(frozen=True)
class Compared:
    """One response both sides decided."""

    fila: int
    ours: Estado
    motivos: str  # codes, as the ledger keeps them
    staff: Estado
    staff_text: str  # what staff typed
    detalle: str  # masked

    @property
    def agrees(self) -> bool:
        return self.ours is self.staff


@dataclass
class Agreement:
    compared: list[Compared] = field(default_factory=list)
    unreadable: list[tuple[int, str]] = field(default_factory=list)  # (fila, staff's text)
    sin_decision: int = 0  # we decided, staff have not (yet)
    sin_veredicto: int = 0  # not decided by facultativo (new, or ERROR TEMPORAL)
    anteriores: int = 0  # before the campus's first day, left out unless asked

    @property
    def decisive(self) -> list[Compared]:
        return [c for c in self.compared if c.ours in DECISIVE]

    @property
    def agreed(self) -> int:
        return sum(1 for c in self.decisive if c.agrees)

    @property
    def rate(self) -> float | None:
        """Share of our decisive verdicts staff agree with (None: nothing to compare)."""
        return self.agreed / len(self.decisive) if self.decisive else None

    @property
    def disagreements(self) -> list[Compared]:
        return [c for c in self.decisive if not c.agrees]

    @property
    def reviews_settled(self) -> list[Compared]:
        return [c for c in self.compared if c.ours is Estado.REVISION_MANUAL]

    def confusion(self) -> Counter[tuple[Estado, Estado]]:
        return Counter((c.ours, c.staff) for c in self.compared)


def staff_estado(text: str, tipo: Tipo | None = None) -> Estado | None:
    """A decision as staff typed it (see wording.staff_word); APLICADA counts as accepted."""
    estado = staff_word(text, tipo)
    return _AS_ACCEPTED.get(estado, estado) if estado else None


def compare(
    rows: list[Row],
    entries: dict[str, Entry],
    *,
    desde: datetime | None = None,
    first_day: datetime | None = None,
    anteriores: bool = False,
) -> Agreement:
    """`desde`: only responses from then on; `first_day`: the campus's `desde`, before
    which responses are ANTERIOR (compared only with `anteriores`)."""
    result = Agreement()
    for row in rows:
        if row.copy_of or (desde and (row.timestamp is None or row.timestamp < desde)):
            continue
        entry = entries.get(row.key)
        ours = _ours(row, entry, first_day)
        if ours is Estado.ANTERIOR and not anteriores:
            result.anteriores += 1
            continue
        if ours is None:
            result.sin_veredicto += 1
            continue
        typed = _staff_text(row, entry)
        if not typed:
            result.sin_decision += 1
            continue
        staff = staff_estado(typed, row.tipo)
        if staff is None:
            result.unreadable.append((row.number, typed))
            continue
        detalle = row.status.get("detalle") or ((entry.written_cells or {}) if entry else {}).get(
            "detalle", ""
        )
        motivos = (entry.last_verdict()[1] or "") if entry else ""
        result.compared.append(Compared(row.number, ours, motivos, staff, typed, scrub(detalle)))
    return result


def _ours(row: Row, entry: Entry | None, first_day: datetime | None) -> Estado | None:
    estado = entry.last_verdict()[0] if entry else None
    if estado and estado != Estado.ERROR_TEMPORAL:
        return Estado(estado)
    if estado is None and Estado.from_label(row.estado_cell) is Estado.ANTERIOR:
        return Estado.ANTERIOR
    if estado is None and first_day and row.timestamp and row.timestamp < first_day:
        return Estado.ANTERIOR
    return None


def _staff_text(row: Row, entry: Entry | None) -> str:
    """Staff's decision column first; otherwise an estado they typed over ours."""
    column = row.extras.get("decision", "").strip()
    if column:
        return column
    cell = row.estado_cell.strip()
    if not cell or Estado.from_label(cell) in (Estado.ANTERIOR, Estado.ERROR_TEMPORAL):
        return ""
    written = entry.written_label if entry else None
    if written and fold(cell) == fold(written):
        return ""  # our own verdict, untouched: staff have not said anything
    return cell
