"""`facultativo informe`: how often staff agree with facultativo, and where they do not.

Read-only: the sheet as it is and a snapshot of the ledger; nothing is written,
decided or sent. The text goes to the terminal; `--html` writes the same report as
a page staff can open and share; `--json` is for other tools.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from facultativo.commands import campuses
from facultativo.config import Campus, load
from facultativo.errors.system import os_error
from facultativo.sync.agreement import EXPLAINED, Agreement, Compared, compare
from facultativo.sync.ledger import Ledger
from facultativo.sync.sheet import read_sheet
from facultativo.sync.sources import SourceError
from facultativo.validators import Estado
from facultativo.validators.motivos import Motivo
from facultativo.wiring import build_source, build_store

ORDER = (
    Estado.ACEPTADA,
    Estado.RECHAZADA,
    Estado.CONCLUIDA,
    Estado.REVISION_MANUAL,
    Estado.ANTERIOR,
)


def gather(
    campus: Campus, ledger_path: Path, desde: datetime | None, anteriores: bool
) -> Agreement:
    source, store = build_source(campus), build_store(campus)
    entries = Ledger.entries_on_disk(ledger_path, campus.name)
    rows = read_sheet(source, campus.columns, campus.policy.timezone, store.refs, entries).rows
    return compare(rows, entries, desde=desde, first_day=campus.desde, anteriores=anteriores)


def _columns(a: Agreement) -> list[Estado]:
    used = {e for pair in a.confusion() for e in pair}
    return [e for e in ORDER if e in used]


def count_lines(a: Agreement) -> list[tuple[str, str, str]]:
    """Each count of the report as (label, figure, what it counts): one line each, the same
    in the text and the page."""
    found = []
    if a.rate is not None:
        found.append(
            (
                "Coinciden",
                f"{a.agreed} de {len(a.decisive)} ({a.rate:.0%})",
                EXPLAINED["coinciden"],
            )
        )
    found += [
        (
            "REVISIÓN MANUAL resueltas por el personal",
            str(len(a.reviews_settled)),
            EXPLAINED["revision_resueltas"],
        ),
        ("Sin decisión del personal", str(a.sin_decision), EXPLAINED["sin_decision"]),
        ("Sin veredicto de facultativo", str(a.sin_veredicto), EXPLAINED["sin_veredicto"]),
    ]
    if a.anteriores:
        found.append(("Anteriores a «desde»", str(a.anteriores), EXPLAINED["anteriores"]))
    if a.unreadable:
        found.append(
            (
                "Decisiones del personal que no se entienden",
                str(len(a.unreadable)),
                EXPLAINED["no_reconocidas"],
            )
        )
    return found


def text(campus: str, a: Agreement, desde: str | None) -> str:
    since = f" (respuestas desde el {desde})" if desde else ""
    lines = [f"Informe de concordancia, campus {campus}{since}", ""]
    if a.rate is None:
        lines.append(
            "Todavía no hay veredictos de facultativo con decisión del personal para comparar."
        )
    lines += [f"{label}: {figure} — {why}" for label, figure, why in count_lines(a)]
    columns = _columns(a)
    if columns:
        lines += ["", *_table(a, columns)]
    if a.disagreements:
        lines += ["", f"Filas en desacuerdo: {len(a.disagreements)} — {EXPLAINED['desacuerdos']}"]
        lines += [_line(c) for c in a.disagreements]
    if a.unreadable:
        lines += ["", "Decisiones del personal que no se entienden (escribe p. ej. ACEPTADA):"]
        lines += [f"  fila {fila}: «{typed[:40]}»" for fila, typed in a.unreadable]
    return "\n".join(lines)


def _table(a: Agreement, columns: list[Estado]) -> list[str]:
    counts = a.confusion()
    width = max(len(e.etiqueta) for e in columns) + 2
    head = "facultativo \\ personal".ljust(24) + "".join(e.etiqueta.rjust(width) for e in columns)
    out = [head]
    for ours in columns:
        cells = "".join(str(counts.get((ours, staff), 0)).rjust(width) for staff in columns)
        out.append(ours.etiqueta.ljust(24) + cells)
    return out


def _motivos(codes: str) -> str:
    return " ".join(Motivo(c).texto_personal for c in codes.split(",") if c in Motivo.__members__)


def _line(c: Compared) -> str:
    reason = _motivos(c.motivos)
    return (
        f"  fila {c.fila}: facultativo {c.ours.etiqueta}"
        + (f" ({reason})" if reason else "")
        + f", personal {c.staff.etiqueta}\n    {c.detalle or '(sin detalle)'}"
    )


def as_json(campus: str, a: Agreement) -> dict[str, Any]:
    return {
        "campus": campus,
        "coinciden": a.agreed,
        "comparadas": len(a.decisive),
        "tasa": a.rate,
        "revision_resueltas": len(a.reviews_settled),
        "sin_decision": a.sin_decision,
        "sin_veredicto": a.sin_veredicto,
        "anteriores": a.anteriores,
        "confusion": [
            {"facultativo": o.value, "personal": s.value, "filas": n}
            for (o, s), n in sorted(a.confusion().items())
        ],
        "desacuerdos": [
            {
                "fila": c.fila,
                "facultativo": c.ours.value,
                "motivos": [m for m in c.motivos.split(",") if m],
                "personal": c.staff.value,
                "detalle": c.detalle,
            }
            for c in a.disagreements
        ],
        "no_reconocidas": [{"fila": f, "texto": t} for f, t in a.unreadable],
        "explicaciones": dict(EXPLAINED),  # what each count above counts
    }


def html(campus: str, a: Agreement, desde: str | None) -> str:
    from facultativo.notifiers.compose import environment

    columns = _columns(a)
    counts = a.confusion()
    page = environment().get_template("informe.html.j2")
    return page.render(
        campus=campus,
        desde=desde,
        a=a,
        counts=count_lines(a),
        explained=EXPLAINED,
        columns=columns,
        matrix=[(o, [counts.get((o, s), 0) for s in columns]) for o in columns],
        desacuerdos=[(c, _motivos(c.motivos)) for c in a.disagreements],
    )


def run(args: argparse.Namespace) -> int:
    """facultativo's verdicts against staff's decisions; reads only, changes nothing."""
    config = load(args.config)
    out = []
    for campus in campuses(config, args.campus):
        desde = args.desde
        if desde is not None and desde.tzinfo is None:
            desde = desde.replace(tzinfo=ZoneInfo(campus.policy.timezone))
        shown = args.desde.strftime("%d/%m/%Y %H:%M").removesuffix(" 00:00") if desde else None
        found = gather(campus, config.ledger, desde, args.anteriores)
        if args.json:
            out.append(as_json(campus.name, found))
        else:
            print(text(campus.name, found, shown))
        if args.html:
            path = args.html
            if len(config.campuses) > 1 and args.campus is None:
                path = path.with_name(f"{path.stem}-{campus.name}{path.suffix}")
            try:
                path.write_text(html(campus.name, found, shown), encoding="utf-8")
            except OSError as exc:
                raise SourceError(f"no se pudo escribir {path}: {os_error(exc)}.") from None
            if not args.json:
                print(f"Informe HTML en {path}")
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0
