"""The status block's vocabulary: the words and colours facultativo writes beside the Form's
answers, built once per campus from its configuration and handed to the sources.

[campus.columns] prefijo names the block («Validación: estado», «Validación: motivo»…).
Everything that depends on it lives in one `Block`; what does not (colours, widths, date
formats, the pick-lists' labels and wording) is a constant here, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from facultativo.validators import Estado
from facultativo.validators.text import fold

PREFIX = "Validación"  # [campus.columns] prefijo, when the campus does not set its own

# Each status column's name after the prefix («<prefijo>: estado»), by the key the cycle and
# the ledger know it by, in the order the block is created.
NAMES: dict[str, str] = {
    "estado": "estado",
    "motivo": "motivo",
    "detalle": "detalle",
    "nss_leido": "NSS leído",
    "fecha_constancia": "fecha de constancia",
    "procesada": "procesada el",
    "notificada": "notificada el",
    # Who the response is (sync/identity.py): written with the first verdict, it travels
    # with the row when staff sort, filter, insert or copy; the ledger is keyed by it.
    "id": "id",
}
# Optional columns staff add: what they write to the student when they decide a REVISIÓN
# MANUAL themselves, and their own decision, kept apart from ours (shadow weeks; `informe`).
NOTE_NAME = "nota del personal"
DECISION_NAME = "decisión del personal"

RGB = tuple[float, float, float]
# The estado colours staff see in the sheet (RGB 0-1), the same in Google and in a workbook.
COLOURS: dict[str, RGB] = {
    "ACEPTADA": (0.72, 0.88, 0.72),
    "RECHAZADA": (0.96, 0.70, 0.70),
    "REVISIÓN MANUAL": (1.0, 0.85, 0.55),
    "CONCLUIDA": (0.85, 0.85, 0.85),
    "ALTA APLICADA": (0.70, 0.82, 0.96),
    "BAJA APLICADA": (0.70, 0.82, 0.96),
    "ERROR TEMPORAL": (1.0, 0.95, 0.75),
    "ANTERIOR": (0.95, 0.95, 0.95),
}
WIDTHS: dict[str, int] = {"estado": 18, "motivo": 30, "detalle": 60, "id": 12}  # the others 20

# Status cells written as dates, so staff sort and filter by them. facultativo keeps the value
# as text ("2026-11-16", "2026-11-16 10:15", the campus's local time: sync/values.py); the
# sheet gets a date shown with this format (Excel and Google read the same patterns).
DATE_FORMATS: dict[str, str] = {"procesada": "dd/mm/yyyy hh:mm", "fecha_constancia": "dd/mm/yyyy"}

# The decisions staff write in the estado (or in «decisión del personal»): sync/rows.py reads
# them over our REVISIÓN MANUAL, sync/wording.py reads staff's own words for them too.
STAFF_ESTADOS = (
    Estado.ACEPTADA,
    Estado.RECHAZADA,
    Estado.CONCLUIDA,
    Estado.ALTA_APLICADA,
    Estado.BAJA_APLICADA,
)

# What staff read when a cell with a pick-list is selected, and when they type something
# else (Excel: 255 and 225 characters at most; the warning's title 32).
PICK_PROMPT = "Elige de la lista o escribe la decisión con tus palabras."
PICK_WARNING_TITLE = "Fuera de la lista"
PICK_WARNING = (
    "No está en la lista. Puedes dejarlo: facultativo también lee palabras como «Aceptado» "
    "o «No procede», y avisa en el resumen de lo que no entiende."
)


@dataclass(frozen=True)
class PickList:
    """A drop-down that only warns: staff may still type their own words («No procede»),
    which facultativo reads (sync/wording.py)."""

    title: str  # the column's header
    name: str  # how the workbook's prompt names it (Excel allows 32 characters)
    labels: tuple[str, ...]


_ESTADO_LABELS = tuple(e.etiqueta for e in (*STAFF_ESTADOS, Estado.REVISION_MANUAL))
_DECISION_LABELS = tuple(e.etiqueta for e in STAFF_ESTADOS)
_ALL_NAMES = (*NAMES.values(), NOTE_NAME, DECISION_NAME)


@dataclass(frozen=True)
class Block:
    """One campus's status block: its headers by key, its optional staff columns, its
    pick-lists. Two blocks are the same when their prefixes are; `Block()` is the block
    every install wrote before the prefix could be chosen."""

    prefix: str = PREFIX
    titles: dict[str, str] = field(init=False, compare=False, repr=False)
    staff_note: str = field(init=False, compare=False, repr=False)
    staff_decision: str = field(init=False, compare=False, repr=False)
    pick_lists: tuple[PickList, ...] = field(init=False, compare=False, repr=False)
    colours: ClassVar[Mapping[str, RGB]] = COLOURS
    widths: ClassVar[Mapping[str, int]] = WIDTHS
    date_formats: ClassVar[Mapping[str, str]] = DATE_FORMATS

    def __post_init__(self) -> None:
        titles = {key: self.title(name) for key, name in NAMES.items()}
        decision = self.title(DECISION_NAME)
        lists = (
            PickList(titles["estado"], "Estado", _ESTADO_LABELS),
            PickList(decision, "Decisión del personal", _DECISION_LABELS),
        )
        object.__setattr__(self, "titles", titles)
        object.__setattr__(self, "staff_note", self.title(NOTE_NAME))
        object.__setattr__(self, "staff_decision", decision)
        object.__setattr__(self, "pick_lists", lists)

    def title(self, name: str) -> str:
        """A column's header: «<prefijo>: <name>»."""
        return f"{self.prefix}: {name}"

    def named(self) -> str:
        """The block as messages name it: «Validación»."""
        return f"«{self.prefix}»"

    def marks(self, header: str) -> bool:
        """Whether a header is facultativo's, never a Form question: a column of this
        block or of any other («Validación: motivo» left beside a block renamed since), so
        no answer is read from it. Only our own column names count: a Form question such
        as «CURP: 18 caracteres» stays a question whatever the prefijo."""
        return _block_prefix(fold(header)) is not None

    def others(self, header: list[str]) -> list[str]:
        """The prefixes of other facultativo blocks in a header (one left behind when the
        campus's prefijo changed): an estado column with at least one sibling."""
        mine = fold(self.prefix)
        found: dict[str, list[str]] = {}
        for text in header:
            raw = str(text or "").strip()
            prefix = _block_prefix(fold(raw))
            if prefix is not None and prefix != mine:
                found.setdefault(prefix, []).append(raw)
        return [
            cols[0].rsplit(":", 1)[0].strip()
            for prefix, cols in found.items()
            if len(cols) > 1 and any(fold(c) == f"{prefix}: ESTADO" for c in cols)
        ]


def _block_prefix(folded: str) -> str | None:
    """«X: <a column name of ours>» → X (folded), else None."""
    head, sep, name = folded.rpartition(": ")
    if not (sep and head.strip()):
        return None
    return head if name in _FOLDED_NAMES else None


_FOLDED_NAMES = frozenset(fold(n) for n in _ALL_NAMES)

# The block of a campus that sets no prefijo: what a source or a reader built without one uses.
DEFAULT_BLOCK = Block()
