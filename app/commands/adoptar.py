"""`facultativo adoptar`: this install takes a campus's sheet over deliberately (a lost or
copied ledger, a move to another machine): the ledger is rebuilt from the status block
and nothing is sent again (sync/adopt.py)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from facultativo.commands import campuses
from facultativo.config import Campus, Config, load
from facultativo.sync.adopt import adopt as adopt_sheet
from facultativo.sync.ledger import Ledger
from facultativo.sync.lock import campus_lock
from facultativo.wiring import build_source, build_store


def run(args: argparse.Namespace) -> int:
    config = load(args.config)
    chosen = campuses(config, args.campus)
    if len(chosen) > 1:
        names = ", ".join(c.name for c in chosen)
        print(f"facultativo: di qué campus adoptar con --campus (hay: {names}).")
        return 2
    count = adopt(config, chosen[0])
    print(
        f"campus {chosen[0].name}: la hoja es ahora de esta instalación; {count} respuestas "
        f"reconstruidas desde el bloque «{chosen[0].prefijo}». No se envía ningún correo de nuevo."
    )
    return 0


def adopt(config: Config, campus: Campus) -> int:
    with campus_lock(config.ledger, campus.name):
        ledger = Ledger(config.ledger)
        try:
            store = build_store(campus)
            return adopt_sheet(
                build_source(campus),
                campus.columns,
                campus.policy.timezone,
                store.refs,
                ledger,
                campus.name,
                datetime.now(UTC),
            )
        finally:
            ledger.close()
