"""Every failure a person can fix, and the exit code each one ends a command with.

One family, `FacultativoError`: the layer where a library error enters (sqlite3, a
socket, Google, a file) raises the subclass that says, in Spanish, what to fix. The
command line, the service and the web page then decide by class, never by a list:

- `UsageError`, `ConfigError`, `SetupError`: a wrong command line, configuration or
  installation; exit 2, which systemd does not restart (deploy/facultativo.service);
- `OperationalError`: a campus cannot be worked on now (its sheet, ledger, lock or
  worker); exit 1, and the service tries again later, the other campuses go on;
- anything else is a bug and keeps its traceback.

This package is the bottom layer: every other one may import it, it imports nothing.
"""

from __future__ import annotations


class FacultativoError(Exception):
    """Something the office or IT can fix; `lines()` says what, one line each."""

    exit_code = 1

    def lines(self) -> list[str]:
        return [str(self)]


class UsageError(FacultativoError):
    """A mistake in the command line."""

    exit_code = 2


class ConfigError(FacultativoError):
    """One or more problems in the configuration file; `problems` lists them all."""

    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    def lines(self) -> list[str]:
        return list(self.problems)


class SetupError(FacultativoError):
    """The installation is wrong (a folder the service cannot write): waiting will not
    fix it, so the service stops instead of retrying."""

    exit_code = 2


class OperationalError(FacultativoError):
    """One campus cannot be worked on now; the others can, and a later cycle may."""


def explain(exc: BaseException) -> tuple[int, list[str]] | None:
    """(exit code, lines) for a failure a person can fix; None for a bug."""
    if isinstance(exc, FacultativoError):
        return exc.exit_code, exc.lines()
    return None
