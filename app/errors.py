"""Failures a person can fix, and the exit code each one ends the command with.

Every command's mistakes reach the user as one Spanish line per problem, never a
traceback: a wrong command line or configuration exits 2, a sheet, ledger, lock or
worker problem exits 1. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class Failure(Exception):
    """Something the office or IT can fix; `lines()` says what, one line each."""

    exit_code = 1

    def lines(self) -> list[str]:
        return [str(self)]


class UsageError(Failure):
    """A mistake in the command line."""

    exit_code = 2


class ConfigError(Failure):
    """One or more problems in the configuration file; `problems` lists them all."""

    exit_code = 2

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    def lines(self) -> list[str]:
        return list(self.problems)


def operational() -> tuple[type[BaseException], ...]:
    """The lower layers' failures a person can fix (exit 1), imported only when needed."""
    from facultativo.sync.columns import MissingColumns
    from facultativo.sync.ledger import LedgerError
    from facultativo.sync.lock import CampusBusy
    from facultativo.sync.lote.files import LoteError
    from facultativo.sync.sources import SourceError
    from facultativo.validators import WorkerUnavailable

    return (SourceError, MissingColumns, LedgerError, CampusBusy, WorkerUnavailable, LoteError)


def explain(exc: BaseException) -> tuple[int, list[str]] | None:
    """(exit code, lines) for a failure a person can fix; None for a bug."""
    if isinstance(exc, Failure):
        return exc.exit_code, exc.lines()
    from facultativo.sync.lock import LockUnavailable

    if isinstance(exc, LockUnavailable):  # setup: exit 2, which systemd does not restart
        return 2, [str(exc)]
    if isinstance(exc, operational()):
        return 1, [str(exc)]
    return None
