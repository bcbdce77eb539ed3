"""One typed read of the responses sheet: the table, the columns found, the rows and who
each one is. The cycle, the digest, `check`, `status` and `informe` all read the sheet
through it, so they agree on which row is which response."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from facultativo.sync.block import DEFAULT_BLOCK, Block
from facultativo.sync.columns import ColumnMap, map_columns, tipo_options
from facultativo.sync.identity import identify
from facultativo.sync.model import Entry
from facultativo.sync.ownership import Mark
from facultativo.sync.rows import Row, read_rows
from facultativo.sync.sources import ResponseSource, Table


@dataclass(frozen=True)
class Sheet:
    table: Table
    cols: ColumnMap
    rows: list[Row]
    timezone: str
    block: Block = DEFAULT_BLOCK  # the campus's status block, as it was looked for

    @property
    def titles(self) -> Mapping[str, str]:
        """Our block's headers, by status key."""
        return self.block.titles

    @property
    def mark(self) -> str | None:
        return self.table.mark


def view(
    table: Table,
    columns: Mapping[str, tuple[str, ...]],
    timezone: str,
    refs: Callable[[Any], list[str]],
    entries: Mapping[str, Entry],
    prefix: str = "",
    block: Block = DEFAULT_BLOCK,
    stale: bool = False,
) -> Sheet:
    """A table already read, typed and identified against the ledger's `entries`
    (`prefix`: the ids this ledger gives new responses start with it), its status block
    found by `block`'s headers. `stale`: the campus has just switched to `block`
    ([campus.columns] prefijo), so its cells, staff's decision column too, are older than
    the ledger: the rows are read as if the block were empty (found by their answers, not
    by ids that may sit on other rows by now), and `table` stays as it is."""
    cols = map_columns(table.header, dict(columns), table.rows, block)
    tz = table.timezone or timezone
    shown = _without(table, _block_columns(cols)) if stale else table
    rows = read_rows(shown, cols, tz, refs, tipo_options(columns))
    mark = Mark.loads(table.mark)
    ours = None if mark is None else bool(prefix and mark.bitacora.startswith(prefix[:-1]))
    identify(rows, entries, prefix, ours if prefix else False)
    return Sheet(table, cols, rows, tz, block)


def _block_columns(cols: ColumnMap) -> set[int]:
    return {*cols.status.values(), *(cols.fields[k] for k in ("decision",) if k in cols.fields)}


def _without(table: Table, columns: set[int]) -> Table:
    rows = [[None if i in columns else v for i, v in enumerate(r)] for r in table.rows]
    return replace(table, rows=rows)


def read_sheet(
    source: ResponseSource,
    columns: Mapping[str, tuple[str, ...]],
    timezone: str,
    refs: Callable[[Any], list[str]],
    entries: Mapping[str, Entry],
    again: bool = False,
    prefix: str = "",
    peek: bool = False,
    block: Block | None = None,
    stale: bool = False,
) -> Sheet:
    """The sheet now (`again`: the cheaper re-read just before writing; `peek`: for a
    command that only reads, a workbook staff have open is read as saved). Its status
    block is `block`, or else the one the source was built with (the campus's)."""
    table = source.reread() if again else source.peek() if peek else source.read()
    return view(table, columns, timezone, refs, entries, prefix, block or source.block, stale)
