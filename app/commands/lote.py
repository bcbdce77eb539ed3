"""`facultativo lote`: the accepted students staff register in IMSS's system, in one file,
and once they did, ALTA/BAJA APLICADA on exactly those rows (sync/lote/).

`--salida lote.xlsx|lote.csv` writes the responses the sheet reads as ACEPTADA that are
not ALTA/BAJA APLICADA yet ([campus.lote] columnas, then «id»), readable by its owner
only: it holds NSS and CURP in full, for IMSS. It reads the sheet and a snapshot of the
ledger and changes neither.

`--aplicar lote.xlsx` writes ALTA APLICADA or BAJA APLICADA (each row's own tipo) in the
estado of the file's rows, as staff would type it; the next cycle mails each student
the follow-up after `espera_decision_minutos`. It first says what it will mark and what
it refuses (rows that changed since the file was made: their estado, NSS, CURP or tipo,
or gone from the sheet), asks once (`--si` answers for scripts; with no terminal and no
`--si` it refuses), then takes the campus lock, reads the sheet again and writes only if
it still says the same. Refused rows are never marked; the others are, because IMSS has
them now: each refused row is for a person to settle. The exit code is 1 when any row
was refused or nothing was marked, 0 otherwise.

Undo, before the next cycle: clear the estado of the rows facultativo accepted itself
(validated again with the same verdict, nobody is written to); for an ACEPTADA that was
staff's decision over another verdict, type back what the estado said (cleared, it would
show facultativo's verdict and the student would never hear again). The output names
each row and what to do with it.

Here: the arguments, where `--salida` may be written, and making the file; `--aplicar`
is lote_apply.py, and both read the sheet through lote_sheet.py.
"""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import date
from pathlib import Path

from facultativo.commands import campuses
from facultativo.commands.lote_apply import apply
from facultativo.commands.lote_sheet import read_now
from facultativo.config import Campus, Config, load
from facultativo.errors import UsageError
from facultativo.sync.ledger import Ledger
from facultativo.sync.lote import files
from facultativo.sync.lote.batch import DEFAULT_COLUMNS, Record, SetAside, collect
from facultativo.validators import Tipo
from facultativo.wiring import build_source


def run(args: argparse.Namespace) -> int:
    config = load(args.config)
    chosen = campuses(config, args.campus)
    if args.aplicar is not None:
        if args.tipo or args.desde or args.reemplazar:
            raise UsageError(
                "--tipo, --desde y --reemplazar son para hacer el lote (--salida); --aplicar "
                "marca las filas que tenga el archivo."
            )
        if len(chosen) > 1:
            names = ", ".join(c.name for c in chosen)
            raise UsageError(f"di de qué campus es el lote con --campus (hay: {names}).")
        return apply(config, chosen[0], args.aplicar, args.si, args.config)
    if args.si:
        raise UsageError("--si responde la pregunta de --aplicar; para hacer el lote no se usa.")
    tipo = Tipo(args.tipo) if args.tipo else None
    code = 0
    for campus in chosen:
        path = args.salida
        if len(chosen) > 1:
            path = path.with_name(f"{path.stem}-{campus.name}{path.suffix}")
        guard(config, path, args.reemplazar)
        code = max(code, make(config, campus, path, tipo, args.desde, args.config))
    return code


def guard(config: Config, path: Path, replace: bool) -> None:
    """`--salida` never lands on a file facultativo or the campus lives on: a campus's
    responses workbook, the ledger (or its -wal, -shm, lock files), a file in a campus's
    attachments folder that is not a previous batch. Nor on any other file that is not a
    previous batch, unless `--reemplazar` says so. Paths are compared resolved (links,
    `..`) and as files (hard links)."""
    files.format_of(path)  # a wrong extension is said first
    target = path.resolve()
    for campus in config.campuses:
        workbook = getattr(campus.source.settings, "path", None) if campus.source else None
        if isinstance(workbook, Path) and _same_file(target, workbook):
            raise UsageError(
                f"{path} es el libro de respuestas del campus {campus.name}: el lote nunca se "
                f"escribe encima (se perderían las respuestas y el bloque «{campus.prefijo}»); "
                "usa otro nombre, p. ej. --salida lote.xlsx."
            )
    ledger = config.ledger.resolve()
    if _same_file(target, ledger) or (
        target.parent == ledger.parent and target.name.startswith(ledger.name)
    ):
        raise UsageError(
            f"{path} es la bitácora de facultativo (o uno de sus archivos): el lote nunca se "
            "escribe encima; usa otro nombre, p. ej. --salida lote.xlsx."
        )
    if not path.exists() or path.is_dir() or path.stat().st_size == 0 or files.is_lote(path):
        return  # new, a folder (writing says so), empty, or a batch made before
    for campus in config.campuses:
        folder = getattr(campus.store.settings, "folder", None) if campus.store else None
        if isinstance(folder, Path) and target.is_relative_to(folder.resolve()):
            raise UsageError(
                f"{path} está en la carpeta de las constancias del campus {campus.name} y no es "
                "un lote anterior: el lote no se escribe encima; usa otro nombre."
            )
    if not replace:
        raise UsageError(
            f"{path} ya existe y no es un lote de facultativo (no tiene la columna «id»): no se "
            "escribe encima; usa otro nombre, o agrega --reemplazar para reemplazarlo."
        )


def _same_file(a: Path, b: Path) -> bool:
    """The same file however each is spelled (links, `..`, hard links)."""
    try:
        return a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()


# --- the file -------------------------------------------------------------------------


def make(
    config: Config,
    campus: Campus,
    path: Path,
    tipo: Tipo | None,
    desde: date | None,
    config_path: Path,
) -> int:
    files.format_of(path)  # a wrong extension is said before the sheet is read
    records, aside = waiting(config, campus, tipo, desde)
    what = _filtered(tipo, desde)
    held = build_source(campus).held_open()
    if held:
        print(f"Campus {campus.name}: {held}; se leyó como está guardado (guarda lo que falte).")
    if not records:
        print(
            f"Campus {campus.name}: ninguna solicitud ACEPTADA{what} espera registrarse en el "
            f"IMSS; no se escribió {path}."
        )
        _set_aside(aside)
        return 0
    files.write(path, campus.lote.columnas or DEFAULT_COLUMNS, records)
    print(
        f"Campus {campus.name}: lote de {_count(records)}{what} por registrar en el IMSS "
        f"({_tipos(records)}) en {path}."
    )
    print(
        "  Tiene NSS y CURP completos, para el IMSS: se escribió con permisos 600 (solo tu "
        "usuario puede leerlo); bórralo cuando ya no lo necesites."
    )
    notes = [r for r in records if r.notes]
    if notes:
        print("  Revisa antes de registrarlas (también en la columna «Observaciones»):")
        for r in notes:
            print(f"    fila {r.fila}: {'; '.join(r.notes)}")
    _set_aside(aside)
    print(
        "  Cuando las hayas registrado en el IMSS, márcalas ALTA o BAJA APLICADA (el siguiente "
        "ciclo le escribe a cada estudiante):"
    )
    print(f"    facultativo lote --config {config_path} --campus {campus.name} --aplicar {path}")
    return 0


def waiting(
    config: Config, campus: Campus, tipo: Tipo | None = None, desde: date | None = None
) -> tuple[list[Record], list[SetAside]]:
    """The campus's accepted responses waiting for the batch, from the sheet as it is and
    a snapshot of the ledger (nothing is written)."""
    ledger = Ledger.snapshot(config.ledger)
    try:
        sheet = read_now(ledger, campus)
        entries = ledger.entries(campus.name)
    finally:
        ledger.close()
    tz = campus.policy.timezone
    return collect(sheet.rows, entries, tz, campus.registro, tipo, desde)


def _filtered(tipo: Tipo | None, desde: date | None) -> str:
    what = f" de {tipo.value}" if tipo else ""
    return what + (f" desde el {desde:%d/%m/%Y}" if desde else "")


def _count(records: list[Record]) -> str:
    n = len(records)
    return "1 solicitud ACEPTADA" if n == 1 else f"{n} solicitudes ACEPTADA"


def _tipos(records: list[Record]) -> str:
    counts = Counter(r.tipo for r in records)
    altas, bajas = counts[Tipo.ALTA], counts[Tipo.BAJA]
    return f"{altas} alta{'s' if altas != 1 else ''}, {bajas} baja{'s' if bajas != 1 else ''}"


def _set_aside(aside: list[SetAside]) -> None:
    later = [a for a in aside if a.applied is None]
    if later:
        print("  ACEPTADA que no van en el lote todavía:")
        for a in later:
            print(f"    fila {a.fila}: {a.why}")
    applied = [a for a in aside if a.applied is not None]
    if applied:
        which = ", ".join(f"fila {a.fila} (como la fila {a.applied})" for a in applied)
        print(
            "  No van en el lote, porque el mismo estudiante (mismo NSS o CURP, mismo tipo) ya "
            f"está ALTA o BAJA APLICADA en otra fila: {which}; resuélvelas en la hoja."
        )
