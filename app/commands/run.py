"""`facultativo run` (and `sync` without --once): the service, until SIGTERM."""

from __future__ import annotations

import argparse

from facultativo.commands import campuses, setup_logging
from facultativo.config import load


def run(args: argparse.Namespace) -> int:
    """Startup checks the configuration, then cycles until SIGTERM."""
    from facultativo.service import Service

    setup_logging(fmt=args.log_format)
    config = load(args.config)
    return Service(config, campuses(config, args.campus)).run()
