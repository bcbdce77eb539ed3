"""The interface a response source implements (local workbook, Google Sheets)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from facultativo.errors import OperationalError
from facultativo.sync.block import DEFAULT_BLOCK, Block

if TYPE_CHECKING:
    from facultativo.google_api.account import Account, Session


def google_session(account: Account) -> Session:
    """The campus's Google session for the Sheets source and the Drive store; a key that
    cannot be used is a SourceError naming the file and the fix."""
    from facultativo.google_api.account import AuthError, session

    try:
        return session(account)
    except AuthError as exc:
        raise SourceError(str(exc)) from None


class SourceError(OperationalError):
    """The source cannot be read or written. `transient` errors are retried next cycle;
    the others need a person (the message names the fix)."""

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Table:
    """A header row and the response rows under it, values unformatted."""

    header: list[str]
    rows: list[list[Any]]  # rows[i] is sheet row i + 2
    timezone: str | None = None  # the spreadsheet's own time zone, when it has one
    mark: str | None = None  # which ledger works this sheet (sync/ownership.py), as found

    def row_number(self, index: int) -> int:
        return index + 2


@dataclass(frozen=True)
class CellWrite:
    row: int  # 1-based sheet row (1 is the header), as read at the start of the cycle
    col: int  # 0-based column
    value: str
    key: str = ""  # the response it belongs to: where it is written is found again by it
    # A date cell's number format («dd/mm/yyyy»): `value` is the date as facultativo keeps
    # it («2026-11-16 10:15», local time: sync/values.py `date_value`) and the sheet gets a
    # date shown this way. "" for text.
    date_format: str = ""


class ResponseSource(ABC):
    """Reads all responses in a constant number of calls and writes cells in one batch.

    Values are written RAW: text that starts with "=" stays text; a date cell
    (`CellWrite.date_format`) gets a date. The status block carries pick-lists that only
    warn on the estado and «decisión del personal» (sync/block.py `Block.pick_lists`).
    `block` is the campus's status block ([campus.columns] prefijo), given when the
    source is built: its headers, colours and lists are what the source writes and dresses,
    and what every reader of this source's sheet looks for (sync/sheet.py).
    """

    block: Block = DEFAULT_BLOCK

    @abstractmethod
    def read(self) -> Table: ...

    def reread(self) -> Table:
        """The table again, just before writing, to find each response where it is now
        (staff sort and insert while a cycle runs). Backends may make it cheaper."""
        return self.read()

    def peek(self) -> Table:
        """The table for a command that only reads it (`lote`, `historial`): a workbook
        staff have open is read as last saved, where `read` refuses (the cycle, which
        writes after it reads, waits for it to close)."""
        return self.read()

    def held_open(self) -> str | None:
        """Who holds the sheet open in a program that saves it back whole (a workbook's
        lock file), as one Spanish phrase, or None: a write now would be lost."""
        return None

    @abstractmethod
    def write(self, cells: list[CellWrite], mark: str | None = None) -> None:
        """Cells in one batch; `mark`, when given, replaces the sheet's ownership mark in
        the same write (sync/ownership.py)."""

    @abstractmethod
    def describe(self) -> str:
        """A short name for messages, e.g. the workbook's file name."""

    def row_link(self, row: int) -> str | None:
        """An http(s) address that opens the row (a Google sheet), or None when the source
        has none (a workbook on disk: `row_label` names it)."""
        return None

    def row_label(self, row: int) -> str:
        """Where staff find a row, in words: «respuestas.xlsx, fila 17»."""
        return f"{self.describe()}, fila {row}"

    def cannot_write(self) -> str | None:
        """Why status cells could not be written (with the fix), or None."""
        return None

    def version(self) -> str | None:
        """A cheap fingerprint that moves whenever the responses may have changed (a new
        answer, a staff edit, our own write), or None when the source cannot tell: the
        watcher (sync/watch.py) then runs a full cycle on every interval."""
        return None
