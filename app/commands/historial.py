"""`facultativo historial`: what happened to one response, from the ledger, for the office
answering «nunca me llegó el correo».

The response is the one at a row of the sheet as it is now (`--fila`: rows move when staff
sort, so the sheet is read, as every command reads it), or every response whose student
typed an NSS or an address, or whose constancia printed that NSS (`--nss`, `--correo`:
matched against the sheet's cells when it can be read, and against the ledger's prints of
them, sync/ledger/events.py, so a row deleted from the sheet, or a sheet that cannot be
read, still finds them). Read-only: a
snapshot of the ledger; nothing is written, decided or sent.

Personal data is masked as in the logs, except the NSS or address asked about: the person
asking typed it. Responses the ledger knew before it kept events (an upgraded ledger) show
what the ledger still knows of them (their verdict, their emails) and say that the earlier
history was not recorded. `--json` gives the same for scripts: per response, its events
with ISO timestamps, kind and fields.

This module is the command: its arguments, and the sheet read through the campus's
backends. Finding the responses and their stories is sync/history.py; telling them,
sync/history_render.py, each event in the office's words sync/history_words.py.

Example: the demo's row 17 (a REVISIÓN MANUAL), after staff typed «Aceptado» over it and
later ALTA APLICADA, and sorted the sheet (the full story is in docs/RELIABILITY.md, «A
response's history»)::

    $ facultativo historial --config facultativo-demo/facultativo.toml --fila 6
    Campus demo: respuesta 1fca83-93231dce8a6648e6f5d9, hoy en la fila 6
      En la hoja: estado «ALTA APLICADA»; notificada el «2026-11-16 11:24 (seguimiento)»
      Correo fr***@alumnos.example.mx; NSS escrito *******0161
      2026-11-16 11:00  Vista por primera vez, en la fila 17 (correo fr***@alumnos.example.mx, …
      2026-11-16 11:00  Veredicto: REVISIÓN MANUAL — NOMBRE_NO_COINCIDE, SIN_VIGENCIA. …
      2026-11-16 11:00  Correo «resultado» <resultado.0.1fca83-…@demo.demo.example.mx>, dice
                        REVISIÓN MANUAL: enviado (intento 1).
      2026-11-16 11:01  El personal escribió «Aceptado» en el estado (se lee como ACEPTADA); se
                        le envió al estudiante el 2026-11-16 11:12.
      2026-11-16 11:12  Correo «decisión del personal» <decision.0.1fca83-…>, dice ACEPTADA:
                        enviado (intento 1).
      …
"""

from __future__ import annotations

import argparse
import json
import sys

from facultativo.commands import campuses
from facultativo.config import Campus, load
from facultativo.sync.columns import MissingColumns
from facultativo.sync.history import Asked, Story, find
from facultativo.sync.history_render import as_json, text
from facultativo.sync.ledger import Ledger
from facultativo.sync.sheet import Sheet, read_sheet
from facultativo.sync.sources import SourceError
from facultativo.validators.identifiers import clean_nss
from facultativo.wiring import build_source, build_store


def run(args: argparse.Namespace) -> int:
    config = load(args.config)
    chosen = campuses(config, args.campus)
    asked = Asked(args.fila, clean_nss(args.nss) if args.nss else None, args.correo)
    if asked.fila is not None and len(chosen) > 1:
        names = ", ".join(c.name for c in chosen)
        print(
            f"facultativo: di de qué campus es la fila con --campus (hay: {names}).",
            file=sys.stderr,
        )
        return 2
    if not config.ledger.exists():
        print(
            f"facultativo: la bitácora {config.ledger} no existe todavía (ningún ciclo ha "
            "corrido): no hay historia que mostrar.",
            file=sys.stderr,
        )
        return 1
    ledger = Ledger.snapshot(config.ledger)
    try:
        stories: list[Story] = []
        for campus in chosen:
            read = _sheet(ledger, campus)
            found = find(ledger, campus.name, campus.policy.timezone, read, asked, campus.prefijo)
            if isinstance(found, str):
                print(f"facultativo: {found}", file=sys.stderr)
                return 1
            stories += found
    finally:
        ledger.close()
    if not stories:
        print(f"facultativo: {_nothing(asked, chosen)}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([as_json(s) for s in stories], ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(text(s) for s in stories))
    return 0


def _nothing(asked: Asked, chosen: list[Campus]) -> str:
    where = ", ".join(c.name for c in chosen)
    what = f"el NSS {asked.nss}" if asked.nss else f"la dirección {asked.correo}"
    return f"ninguna respuesta con {what} en la hoja ni en la bitácora (campus {where})."


def _sheet(ledger: Ledger, campus: Campus) -> Sheet | str:
    """The sheet as it is now, read as the cycle reads it; or why it cannot be read."""
    try:
        store, source = build_store(campus), build_source(campus)
        entries = ledger.entries(campus.name)
        tz = campus.policy.timezone
        prefix = ledger.id_prefix()
        # read-only: a workbook staff have open is read as saved
        return read_sheet(source, campus.columns, tz, store.refs, entries, prefix=prefix, peek=True)
    except (SourceError, MissingColumns) as exc:
        return str(exc)
