"""How facultativo dresses its status block in a workbook: estado colours, a frozen header,
widths and the pick-lists that only warn, as the Google source dresses it (its own module:
the workbook source, sync/sources/xlsx.py, reads and saves; this only styles)."""

from __future__ import annotations

from typing import Any

from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation

from facultativo.sync.block import PICK_PROMPT, PICK_WARNING, PICK_WARNING_TITLE, Block
from facultativo.sync.sources.base import CellWrite
from facultativo.validators.text import fold


def dress_new_block(ws: Any, cells: list[CellWrite], block: Block) -> None:
    """When the status block is created, it looks as in Google: estado colours, a frozen
    header, readable widths, a wrapped detalle. Later cycles leave staff's format alone."""
    titles = block.titles
    mine = set(titles.values())
    created = {c.value: c.col + 1 for c in cells if c.row == 1 and c.value in mine}
    if titles["estado"] not in created:
        return
    letter = get_column_letter(created[titles["estado"]])
    for label, (r, g, b) in block.colours.items():
        colour = f"{int(r * 255):02X}{int(g * 255):02X}{int(b * 255):02X}"
        fill = PatternFill(start_color=colour, end_color=colour, fill_type="solid")
        rule = CellIsRule(operator="equal", formula=[f'"{label}"'], fill=fill)
        ws.conditional_formatting.add(f"{letter}2:{letter}100000", rule)
    ws.freeze_panes = "A2"
    for key, title in titles.items():
        if title in created:
            width = block.widths.get(key, 20)
            ws.column_dimensions[get_column_letter(created[title])].width = width
            ws.cell(1, created[title]).font = Font(bold=True)
    if titles["detalle"] in created:
        col = created[titles["detalle"]]
        for row in range(2, ws.max_row + 1):
            ws.cell(row, col).alignment = Alignment(wrap_text=True, vertical="top")


LIST_ROWS = 100_000  # the pick-lists reach as far down as the colours


def pick_lists(ws: Any, block: Block) -> None:
    """The estado's and «decisión del personal»'s pick-lists (`Block.pick_lists`):
    a warning, never a refusal, so staff's own words still go in. Added when nothing on the
    column below the header has a list (a new block, a workbook from before the lists, a
    decision column staff just added). A list of staff's on the column (from any row) is
    theirs: none of ours is added over it, and one of ours an older version added over it
    is taken off (Excel repairs a workbook whose lists overlap, LibreOffice keeps one).
    Ours cut short (LibreOffice saves it down to the rows in use, J2:J1021) is extended
    when the rows pass its end, never into a list of staff's."""
    header = {fold(str(c.value)): c.column for c in ws[1] if c.value is not None}
    for pick in block.pick_lists:
        col = header.get(fold(pick.title))
        if col is None:
            continue
        letter = get_column_letter(col)
        formula = '"' + ",".join(pick.labels) + '"'
        on_column = [
            (dv, spans) for dv in ws.data_validations.dataValidation if (spans := _spans(dv, col))
        ]
        ours = [(dv, sp) for dv, sp in on_column if _ours(dv, formula)]
        theirs = [sp for dv, sp in on_column if not _ours(dv, formula)]
        taken = [span for spans in theirs for span in spans]
        for dv, spans in ours:
            if any(_overlap(a, b) for a in spans for b in taken):
                ws.data_validations.dataValidation.remove(dv)  # an older version's, over theirs
                on_column.remove((dv, spans))
            elif ws.max_row > (last := max(high for _, high in spans)):
                low = min(lo for lo, _ in spans)
                below = [lo for lo, _ in taken if lo > last]
                high = min([max(LIST_ROWS, ws.max_row), *(lo - 1 for lo in below)])
                dv.sqref = MultiCellRange(f"{letter}{low}:{letter}{high}")
        if on_column:
            continue
        rule = DataValidation(
            type="list",
            formula1=formula,
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle=PICK_WARNING_TITLE,
            error=PICK_WARNING,
            showInputMessage=True,
            promptTitle=pick.name,
            prompt=PICK_PROMPT,
        )
        rule.add(f"{letter}2:{letter}{max(LIST_ROWS, ws.max_row)}")
        ws.add_data_validation(rule)


def _spans(dv: DataValidation, col: int) -> list[tuple[int, int]]:
    """The rows (first, last) a validation covers on a column, below the header."""
    return [
        (max(r.min_row, 2), r.max_row)
        for r in dv.sqref.ranges
        if r.min_col <= col <= r.max_col and r.max_row >= 2
    ]


def _ours(dv: DataValidation, formula: str) -> bool:
    """One of facultativo's lists: its labels and its prompt (LibreOffice keeps both)."""
    return dv.type == "list" and dv.formula1 == formula and dv.prompt == PICK_PROMPT


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]
