"""A batch file against the sheet as it is now: which of its rows to mark ALTA or BAJA
APLICADA, which already are, and which changed since the file was made (pure).

A row is marked when its response is still in the sheet, still reads ACEPTADA, and
its NSS, CURP and tipo are still the file's (read as the batch reads them). Anything
else is refused with the reason, for a person to look at: the file was typed into
IMSS as it was, so a row that changed under it is not the student staff registered.
A row already showing its APLICADA is left as it is (running `--aplicar` twice marks
nothing twice). The mark is the estado cell, written as staff would type it: the next
cycle reads it as staff's ALTA/BAJA APLICADA and mails the follow-up once it has stood
`espera_decision_minutos`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from facultativo.sync.columns import ColumnMap
from facultativo.sync.lote.batch import APPLIED, TIPOS, Applied, accepted, applied_why, record_of
from facultativo.sync.lote.files import Listed
from facultativo.sync.model import Entry
from facultativo.sync.privacy import scrub
from facultativo.sync.rows import Row, Who
from facultativo.sync.sources import CellWrite
from facultativo.validators import Estado
from facultativo.validators.identifiers import clean_curp, clean_nss
from facultativo.validators.text import fold


@dataclass(frozen=True)
class Refused:
    listed: Listed
    fila: int | None  # where the response is in the sheet now (None: not there)
    why: str
    changed: bool = True  # the row changed since the file was made (else: another reason)
    unknown: bool = False  # its id is no response of this campus's ledger (another file's)


@dataclass
class Marks:
    mark: list[tuple[Row, Estado]] = field(default_factory=list)
    already: list[Row] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)

    def keys(self) -> list[str]:
        return [row.key for row, _ in self.mark]

    def foreign(self) -> bool:
        """No id of the file is a response of this campus's ledger: a file of another
        campus or another installation (nothing in it can be marked here)."""
        return (
            bool(self.refused)
            and all(r.unknown for r in self.refused)
            and not (self.mark or self.already)
        )


def plan(
    listed: list[Listed], rows: list[Row], entries: Mapping[str, Entry], timezone: str
) -> Marks:
    where = {r.key: r for r in rows if r.who not in (Who.COPY, Who.FOREIGN)}
    marks = Marks()
    registered = Applied(rows)
    seen: set[str] = set()
    students: dict[tuple[str, str, str], Listed] = {}  # (NSS or CURP, value, tipo) marked
    for item in listed:
        if item.key in seen:
            continue  # the same row twice in the file: one mark
        if item.key:
            seen.add(item.key)
        row = where.get(item.key)
        if not item.key:
            marks.refused.append(Refused(item, None, "no tiene id", changed=False))
        elif row is None and item.key not in entries:
            why = "su id no corresponde a ninguna respuesta de este campus"
            marks.refused.append(Refused(item, None, why, changed=False, unknown=True))
        elif row is None:
            marks.refused.append(Refused(item, None, "ya no está en la hoja"))
        elif row.tipo in APPLIED and row.decision is APPLIED[row.tipo]:
            marks.already.append(row)
        elif not accepted(row):
            shown = scrub(row.estado_cell.strip())[:40] or "(vacío)"
            marks.refused.append(
                Refused(item, row.number, f"su estado ya no es ACEPTADA: «{shown}»")
            )
        else:
            entry = entries.get(row.key)
            why = _changed(item, row, entry, timezone)
            if why:
                marks.refused.append(Refused(item, row.number, why))
                continue
            now = record_of(row, entry, timezone, "")
            done = registered.of(now) if not isinstance(now, str) else None
            if done is not None:  # a second acceptance of a registration already marked
                why = f"{applied_why(done)}: {_ONCE}"
                marks.refused.append(Refused(item, row.number, why, changed=False))
                continue
            assert row.tipo in APPLIED
            ids = [("nss", _nss(item.nss)), ("curp", clean_curp(item.curp))]
            ids_tipo = [(name, value, row.tipo.value) for name, value in ids if value]
            earlier = next((students[i] for i in ids_tipo if i in students), None)
            if earlier is not None:  # marked twice, the student would get two follow-ups
                marks.refused.append(Refused(item, row.number, _twice(earlier), changed=False))
                continue
            students.update(dict.fromkeys(ids_tipo, item))
            marks.mark.append((row, APPLIED[row.tipo]))
    return marks


_ONCE = (
    "no se marca dos veces, para que reciba un solo correo de seguimiento; resuelve esta fila "
    "en la hoja"
)


def _twice(earlier: Listed) -> str:
    return (
        f"es el mismo estudiante (mismo NSS o CURP) que el renglón {earlier.line} del archivo, "
        f"que sí se marca: {_ONCE}"
    )


def _changed(item: Listed, row: Row, entry: Entry | None, timezone: str) -> str:
    now = record_of(row, entry, timezone, "")
    if isinstance(now, str):
        return now
    differ = []
    if _nss(item.nss) != now.values["nss"]:
        differ.append("el NSS")
    if clean_curp(item.curp) != now.values["curp"]:
        differ.append("la CURP")
    if fold(item.tipo) != fold(TIPOS[now.tipo]):
        differ.append("el tipo")
    if not differ:
        return ""
    return f"cambió {_joined(differ)} desde que se hizo el archivo"


def _nss(text: str) -> str:
    """An NSS as a spreadsheet may have kept it: a number that lost its leading zero."""
    nss = clean_nss(text.lstrip("'"))
    return nss.zfill(11) if nss.isdigit() and len(nss) < 11 else nss


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " y " + items[-1]


@dataclass(frozen=True)
class Undo:
    """How each marked row is undone before the next cycle. `clear`: facultativo's own
    ACEPTADA, validated again with the same verdict when its estado is cleared, and nobody
    is written to. `type_back`: an ACEPTADA that was staff's decision over another verdict
    (CONCLUIDA, RECHAZADA, REVISIÓN MANUAL): cleared, it would go back to facultativo's
    verdict without a word to the student, who was told their alta proceeds; staff type
    back what the estado said (row, that text, facultativo's verdict)."""

    clear: list[Row]
    type_back: list[tuple[Row, str, str]]


def undo(marks: Marks, entries: Mapping[str, Entry]) -> Undo:
    clear: list[Row] = []
    type_back: list[tuple[Row, str, str]] = []
    for row, _ in marks.mark:
        entry = entries.get(row.key)
        verdict = entry.last_verdict()[0] if entry else None
        if verdict == Estado.ACEPTADA:
            clear.append(row)
        else:
            said = scrub(row.status.get("estado", "").strip())[:40]
            known = Estado.__members__.get(verdict or "")
            type_back.append((row, said, known.etiqueta if known else ""))
    return Undo(clear, type_back)


def cells(marks: Marks, cols: ColumnMap) -> list[CellWrite]:
    """The estado cell of each row to mark, as staff would type it."""
    return [
        CellWrite(row.number, cols.status["estado"], estado.etiqueta, row.key)
        for row, estado in marks.mark
    ]
