"""`facultativo demo`: the local workspace, built and run (see facultativo.demo)."""

from __future__ import annotations

import argparse
import logging

from facultativo import demo
from facultativo.commands import setup_logging


def run(args: argparse.Namespace) -> int:
    setup_logging(logging.WARNING, args.log_format)
    result = demo.run(args.dir)
    print(demo.summary(result))
    return 0
