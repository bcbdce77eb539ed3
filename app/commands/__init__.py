"""One module per `facultativo` subcommand, each with `run(args) -> exit code`.

cli.py imports a command's module only when that command runs, so `--help` loads
nothing heavy. What several commands share (choosing campuses, logging) lives here.
"""

from __future__ import annotations

import logging

from facultativo.config import Campus, Config

MODULES = {
    "validate": "validate",
    "demo": "demo",
    "run": "run",
    "sync": "sync",
    "status": "status",
    "check": "check",
    "digest": "digest",
    "auth": "auth",
    "preview-emails": "preview_emails",
    "informe": "informe",
    "web": "web",
    "adoptar": "adoptar",
    "historial": "historial",
    "lote": "lote",
}


def setup_logging(level: int = logging.INFO, fmt: str = "text") -> None:
    from facultativo.logs import setup

    setup(fmt, level)


def campuses(config: Config, name: str | None) -> list[Campus]:
    """Every campus, or the one named by --campus (a clear line when there is none)."""
    from facultativo.errors import UsageError

    if name is None:
        return list(config.campuses)
    campus = config.campus(name)
    if campus is None:
        names = ", ".join(c.name for c in config.campuses)
        raise UsageError(f"no hay campus «{name}» en {config.path} (hay: {names}).")
    return [campus]
