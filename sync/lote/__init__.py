"""The batch for IMSS: the accepted responses staff register in IMSS's system, and, once
they did, the ALTA/BAJA APLICADA written back on exactly those rows (`facultativo lote`).

`batch.py` chooses the responses and what each row of the file says (`names.py` cuts a
name into IMSS's three fields); `files.py` writes and reads the file, through one module
per format registered below by file extension; `apply.py` checks a file against the sheet
as it is now and says which rows to mark.

A format is one module that exports `KIND` (the extension), `write(stream, header, rows)`
and `read(path)` (the header first, then each row, as text); adding one (a fixed-width
layout for an IMSS upload, say) is one module and one line here (README, «Lote para el
IMSS»).
"""

from facultativo.settings.registry import Registry

FORMATS = Registry(
    "lote",
    {
        "csv": "facultativo.sync.lote.csv_format",
        "xlsx": "facultativo.sync.lote.xlsx_format",
    },
)

__all__ = ["FORMATS"]
