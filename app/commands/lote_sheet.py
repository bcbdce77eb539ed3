"""The campus's sheet as `facultativo lote` reads it, both to make the file and to apply
it: as every command reads it (the ledger's ids and entries), without waiting for a
workbook staff have open (read as saved; only a write needs it closed)."""

from __future__ import annotations

from facultativo.config import Campus
from facultativo.sync.ledger import Ledger
from facultativo.sync.sheet import Sheet, read_sheet
from facultativo.wiring import build_source, build_store


def read_now(ledger: Ledger, campus: Campus) -> Sheet:
    store, source = build_store(campus), build_source(campus)
    entries = ledger.entries(campus.name)
    prefix = ledger.id_prefix()
    return read_sheet(
        source,
        campus.columns,
        campus.policy.timezone,
        store.refs,
        entries,
        prefix=prefix,
        peek=True,  # a workbook staff have open is read as saved; only a write needs it closed
    )
