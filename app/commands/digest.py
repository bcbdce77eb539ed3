"""`facultativo digest`: send the staff digest now (the service sends it on its schedule)."""

from __future__ import annotations

import argparse

from facultativo.commands import campuses, setup_logging
from facultativo.config import load
from facultativo.notifiers import SendError
from facultativo.sync import digest as staff_digest
from facultativo.sync.sources import SourceError
from facultativo.validators import ValidatorPool
from facultativo.wiring import open_runtime


def run(args: argparse.Namespace) -> int:
    setup_logging(fmt=args.log_format)
    config = load(args.config)
    with ValidatorPool(workers=1, limits=config.limits) as pool:
        for campus in campuses(config, args.campus):
            if not campus.digest.recipients:  # optional: nothing to do is not a failure
                print(
                    f"campus {campus.name}: sin resumen configurado; para recibirlo agrega "
                    '[campus.digest] con recipients = ["correo@escuela.mx"].'
                )
                continue
            with open_runtime(config, campus, pool, locked=False) as rt:
                try:
                    email = staff_digest.send(rt, campus.digest.recipients, rt.hooks.clock())
                except SendError as exc:
                    raise SourceError(f"campus {campus.name}: el resumen no salió: {exc}") from None
            print(f"campus {campus.name}: resumen enviado ({email.subject}).")
    return 0
