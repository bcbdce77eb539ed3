"""`facultativo lote --aplicar lote.xlsx`: ALTA/BAJA APLICADA on exactly the file's rows,
once staff registered them in IMSS's system (the plan and the cells: sync/lote/apply.py).

It says what it will mark and what it refuses, asks once (`--si` answers for scripts),
then takes the campus lock, reads the sheet again and writes only if it still says the
same; the output ends with how to undo it before the next cycle (lote.py tells the rest).
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from facultativo.commands.lote_sheet import read_now
from facultativo.config import Campus, Config
from facultativo.sync.ledger import Ledger
from facultativo.sync.lock import campus_lock
from facultativo.sync.lote import apply as marking
from facultativo.sync.lote import files
from facultativo.sync.sources import SourceError
from facultativo.validators import Estado
from facultativo.validators.text import fold
from facultativo.wiring import build_source

YES = {"S", "SI", "Y", "YES"}


def apply(config: Config, campus: Campus, path: Path, yes: bool, config_path: Path) -> int:
    listed = files.read(path)
    if not config.ledger.exists():
        raise SourceError(
            f"la bitácora {config.ledger} no existe: ningún ciclo ha corrido, así que ninguna "
            "fila del lote es una respuesta que facultativo conozca."
        )
    ledger = Ledger.snapshot(config.ledger)
    try:
        sheet = read_now(ledger, campus)
        first = marking.plan(
            listed, sheet.rows, ledger.entries(campus.name), campus.policy.timezone
        )
        owner = _owner(ledger, config, campus, listed) if first.foreign() else None
    finally:
        ledger.close()
    n = len(listed)
    print(f"Campus {campus.name}, {path.name}: {n} fila{'s' if n != 1 else ''} en el archivo.")
    if first.foreign():
        where = (
            f"es del campus {owner}: vuelve a ejecutarlo con --campus {owner}"
            if owner
            else "es de otro campus o de otra instalación"
        )
        print(
            f"facultativo: ningún id de {path.name} corresponde a una respuesta del campus "
            f"{campus.name}: el archivo {where}; no se marcó nada.",
            file=sys.stderr,
        )
        return 1
    _tell(first)
    if not first.mark:
        print("Nada que marcar.")
        return 1 if first.refused else 0
    if _held_open(campus):
        return 1
    question = _question(first)
    if not yes:
        if not sys.stdin.isatty():
            print(
                "facultativo: no hay una terminal para confirmar; para marcar "
                f"{_marked_count(first)} sin preguntar, agrega --si.",
                file=sys.stderr,
            )
            return 1
        answer = input(question)
        if fold(answer).strip(".") not in YES:
            print("No se marcó nada.")
            return 1
    done = _mark(config, campus, path, listed, first)
    if done is None:
        return 1
    marked, undo = done
    print(f"{'Marcada' if len(marked) == 1 else 'Marcadas'} {_marked(marked)}.")
    wait = campus.mail.espera_decision_minutos
    after = f" después de {wait:g} minutos" if wait else ""
    print(
        f"  El siguiente ciclo le envía a cada estudiante el correo de seguimiento{after}. "
        "Para deshacerlo antes:"
    )
    _tell_undo(undo)
    return 1 if first.refused else 0


def _owner(
    ledger: Ledger, config: Config, campus: Campus, listed: list[files.Listed]
) -> str | None:
    """The other campus of this installation whose responses the file's ids are, if any."""
    keys = {item.key for item in listed if item.key}
    for other in config.campuses:
        if other.name != campus.name and keys & set(ledger.entries(other.name)):
            return other.name
    return None


def _held_open(campus: Campus) -> bool:
    """The workbook is open in Excel or LibreOffice: marks written now would be lost when
    staff save it. Said in one line; nothing is marked."""
    held = build_source(campus).held_open()
    if held:
        print(
            f"facultativo: {held}: ciérralo y vuelve a ejecutar el comando para marcar (al "
            "guardarlo se perderían las marcas); no se marcó nada.",
            file=sys.stderr,
        )
    return held is not None


def _tell_undo(undo: marking.Undo) -> None:
    """Which rows to clear, and which to type back: clearing an ACEPTADA that was staff's
    own decision would leave facultativo's verdict there and the student, told their alta
    proceeds, would never hear again."""
    if undo.clear:
        print(
            f"    borra el estado de {_rows(r.number for r in undo.clear)} (facultativo "
            f"{'las valida' if len(undo.clear) > 1 else 'la valida'} de nuevo y, con el mismo "
            "resultado, no le escribe a nadie);"
        )
    if undo.type_back:
        which = _rows(r.number for r, _, _ in undo.type_back)
        said = ", ".join(
            f"fila {r.number} «{text}»" + (f" (facultativo dijo {verdict})" if verdict else "")
            for r, text, verdict in undo.type_back
        )
        print(
            f"    en {which} la ACEPTADA fue decisión del personal: no borres su estado (se "
            "quedaría con el resultado de facultativo y el estudiante no volvería a saber de su "
            f"trámite); escribe de nuevo lo que decía: {said}."
        )


def _rows(numbers: Iterable[int]) -> str:
    """«la fila 3», «las filas 3 y 4», «las filas 3, 4 y 13»."""
    shown = [str(n) for n in numbers]
    if len(shown) == 1:
        return f"la fila {shown[0]}"
    return f"las filas {', '.join(shown[:-1])} y {shown[-1]}"


def _tell(marks: marking.Marks) -> None:
    if marks.already:
        rows = ", ".join(str(r.number) for r in marks.already)
        print(f"  Ya estaban marcadas ALTA o BAJA APLICADA (se dejan igual): filas {rows}.")
    if marks.refused:
        n = len(marks.refused)
        print(f"  No se {'marca 1 fila' if n == 1 else f'marcan {n} filas'}:")
        for r in marks.refused:
            if r.unknown or not r.listed.key:
                print(f"    renglón {r.listed.line} del archivo: {r.why}")
                continue
            where = f"fila {r.fila} de la hoja" if r.fila else "ya no está en la hoja"
            print(f"    renglón {r.listed.line} del archivo ({where}): {r.why}")
        if any(r.unknown for r in marks.refused):
            print(
                "  Los renglones cuyo id no corresponde son de otro archivo (de otro campus o "
                "de otra instalación) o se editó su id: no se marcan."
            )
        if any(r.changed for r in marks.refused):
            print(
                "  Las que cambiaron desde que se hizo el archivo: revísalas en la hoja y "
                "márcalas a mano si ya las registraste en el IMSS."
            )


def _question(marks: marking.Marks) -> str:
    rest = " (las demás del archivo no)" if marks.refused else ""
    return (
        f"¿Marcar {_marked_count(marks)}{rest}? El siguiente ciclo le envía a cada estudiante "
        "el correo de seguimiento. [s/N] "
    )


def _marked_count(marks: marking.Marks) -> str:
    return _marked({row.key: estado for row, estado in marks.mark})


def _marked(marked: dict[str, Estado]) -> str:
    counts = Counter(marked.values())
    n = len(marked)
    parts = [
        f"{counts[e]} {e.etiqueta}"
        for e in (Estado.ALTA_APLICADA, Estado.BAJA_APLICADA)
        if counts[e]
    ]
    return f"{n} fila{'s' if n != 1 else ''} ({', '.join(parts)})"


def _mark(
    config: Config,
    campus: Campus,
    path: Path,
    listed: list[files.Listed],
    confirmed: marking.Marks,
) -> tuple[dict[str, Estado], marking.Undo] | None:
    """Under the campus lock: the sheet read again, and written only if it still says
    what was confirmed; the ledger's history tells each mark."""
    with campus_lock(config.ledger, campus.name):
        ledger = Ledger(config.ledger)
        try:
            sheet = read_now(ledger, campus)
            again = marking.plan(
                listed, sheet.rows, ledger.entries(campus.name), campus.policy.timezone
            )
            if sorted(again.keys()) != sorted(confirmed.keys()):
                print(
                    "facultativo: la hoja cambió mientras confirmabas (otras filas se pueden "
                    "marcar o ya no); no se marcó nada: vuelve a ejecutar el comando.",
                    file=sys.stderr,
                )
                return None
            if _held_open(campus):
                return None
            build_source(campus).write(marking.cells(again, sheet.cols))
            marked = {row.key: estado for row, estado in again.mark}
            labels = {key: estado.etiqueta for key, estado in marked.items()}
            ledger.note_batch(campus.name, labels, datetime.now(UTC), path.name)
            return marked, marking.undo(again, ledger.entries(campus.name))
        finally:
            ledger.close()
