"""[campus.lote]: the file `facultativo lote` makes for registering accepted students in
IMSS's system (sync/lote/)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import ClassVar

from facultativo.config.common import NOT_A_REGISTRO, registro_valido
from facultativo.settings import Table, shown
from facultativo.sync.lote.batch import COLUMNS, DEFAULT_COLUMNS, ID, REQUIRED


@dataclass(frozen=True)
class Lote:
    """The batch's columns (each known, once, with those --aplicar checks) and which
    registro patronal it carries."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"columnas", "registro_patronal"})

    # its columns, in order (sync/lote/batch.py COLUMNS); () is DEFAULT_COLUMNS there.
    # «id» always follows them, last.
    columnas: tuple[str, ...] = ()
    # the school's registro patronal in the file ("": the first of registros_patronales)
    registro_patronal: str = ""

    @classmethod
    def from_table(cls, t: Table) -> Lote:
        registro = t.text("registro_patronal")
        if registro and not registro_valido(registro):
            t.problem(f"{t.where}.registro_patronal = {shown(registro)}: {NOT_A_REGISTRO}")
            registro = ""
        if not t.has("columnas"):
            return cls(DEFAULT_COLUMNS, registro)
        before = len(t.problems)
        columnas = t.strings("columnas")
        if len(t.problems) > before:
            return cls(DEFAULT_COLUMNS, registro)
        if not columnas:
            t.problem(
                f"{t.where}.columnas está vacía: escribe las columnas del lote en orden "
                f"(válidas: {', '.join(COLUMNS)}) o quita columnas para usar el orden de omisión."
            )
            return cls(DEFAULT_COLUMNS, registro)
        wrong = _wrong_columns(t, columnas)
        return cls(DEFAULT_COLUMNS if wrong else tuple(columnas), registro)


def _wrong_columns(t: Table, columnas: list[str]) -> bool:
    """Says what is wrong with each column written; True when any is."""
    valid = ", ".join(COLUMNS)
    wrong = False
    for name in dict.fromkeys(columnas):
        if name.lower() == ID:
            t.problem(
                f"{t.where}.columnas: «{name}» no se escribe aquí: el lote la lleva siempre como "
                "última columna, para que --aplicar sepa qué respuesta es cada fila."
            )
            wrong = True
        elif name not in COLUMNS:
            close = difflib.get_close_matches(name.lower(), list(COLUMNS), n=1, cutoff=0.6)
            hint = f"¿quisiste decir «{close[0]}»? " if close else ""
            t.problem(
                f"{t.where}.columnas: «{name}» no es una columna del lote; {hint}(válidas: "
                f"{valid})."
            )
            wrong = True
        elif columnas.count(name) > 1:
            t.problem(f"{t.where}.columnas: «{name}» está dos veces; déjala una sola vez.")
            wrong = True
    missing = [c for c in REQUIRED if c not in columnas]
    if missing:
        names = ", ".join(f"«{c}»" for c in missing)
        t.problem(
            f"{t.where}.columnas: falta {names}: --aplicar compara NSS, CURP y tipo con la hoja "
            "antes de marcar cada fila."
        )
        wrong = True
    return wrong
