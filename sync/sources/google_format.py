"""The formatting requests of the Google source (one spreadsheets:batchUpdate): room for the
status block, colours per estado, a frozen header, the pick-lists that only warn and the
date formats, and the record of how far down they reach (developer metadata on the tab).

Kept apart from sync/sources/google_sheets.py, which reads and writes values: this only
builds requests, from the tab's metadata and the campus's status block.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from facultativo.sync.block import PICK_PROMPT, RGB, Block, PickList
from facultativo.sync.sources.base import CellWrite
from facultativo.validators.text import fold


@dataclass(frozen=True)
class Tab:
    """The tab as the source last read it, for building its formatting requests."""

    sheet: dict[str, Any]  # spreadsheets.get's entry for the tab (updated as requests go)
    header: list[str]
    used: int  # rows holding anything, the header included
    estado_col: int | None  # the block's estado column as read, if it was there
    block: Block


def setup_requests(tab: Tab, cells: list[CellWrite]) -> list[dict[str, Any]]:
    """Room for the status block, and once: colours per estado and a frozen header.
    `tab.sheet` (the tab's metadata) is updated as the requests will leave it."""
    sheet = tab.sheet
    props = sheet["properties"]
    grid = props.get("gridProperties", {})
    sheet_id = props["sheetId"]
    requests_: list[dict[str, Any]] = []
    needed = max(c.col for c in cells) + 1
    if needed > grid.get("columnCount", 26):
        extra = needed - grid.get("columnCount", 26)
        requests_.append(
            {"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS", "length": extra}}
        )
        grid["columnCount"] = needed
    estado = tab.block.titles["estado"]
    created = (c.col for c in cells if c.row == 1 and c.value == estado)
    col = next(created, tab.estado_col)
    if col is not None and not _coloured(sheet, col):
        requests_ += _colour_rules(sheet_id, col, tab.block.colours)
        sheet["conditionalFormats"] = [{"ranges": [{"startColumnIndex": col}]}]
        if not grid.get("frozenRowCount"):
            requests_.append(
                {
                    "updateSheetProperties": {
                        "properties": {
                            "sheetId": sheet_id,
                            "gridProperties": {"frozenRowCount": 1},
                        },
                        "fields": "gridProperties.frozenRowCount",
                    }
                }
            )
    return requests_ + _dress(tab, cells)


def _dress(tab: Tab, cells: list[CellWrite]) -> list[dict[str, Any]]:
    """Pick-lists that only warn on the estado and «decisión del personal», date
    formats on «procesada el» and «fecha de constancia», from the second row to
    `SPARE_ROWS` past the last response (the tab grows for them). Sent when one of
    those columns is new (created in this batch, or not dressed before: a sheet from
    before the lists, a decision column staff added) or the responses reach past the
    rows dressed last time; how far that was is kept on the tab, where the metadata
    read of every cycle sees it (developer metadata)."""
    sheet, block = tab.sheet, tab.block
    props = sheet["properties"]
    grid = props.setdefault("gridProperties", {})
    titles = {fold(h): col for col, h in enumerate(tab.header) if h}
    created = {fold(c.value): c.col for c in cells if c.row == 1}
    titles.update(created)
    lists = [(p, titles[fold(p.title)]) for p in block.pick_lists if fold(p.title) in titles]
    dates = [
        (block.titles[key], pattern, titles[fold(block.titles[key])])
        for key, pattern in block.date_formats.items()
        if fold(block.titles[key]) in titles
    ]
    wanted = sorted({p.title for p, _ in lists} | {title for title, _, _ in dates})
    if not wanted:
        return []
    used = max(tab.used, *(c.row for c in cells))
    done = _dressed(sheet)
    if done is not None and used <= done[0]:
        # the rows are dressed: only a column new since (created now, or added by
        # staff) gets its list or format; the others are not sent again
        fresh = {t for t in wanted if fold(t) in created or t not in done[1]}
        if not fresh:
            return []
        lists = [(p, col) for p, col in lists if p.title in fresh]
        dates = [(title, pattern, col) for title, pattern, col in dates if title in fresh]
    sheet_id = props["sheetId"]
    have = grid.get("rowCount", 1000)
    dressed_rows = done[0] if done is not None else 0
    extend = done is None or used > dressed_rows
    rows = max(have, used + SPARE_ROWS) if extend else max(have, dressed_rows)
    requests_: list[dict[str, Any]] = []
    if rows > have:
        requests_.append(
            {
                "appendDimension": {
                    "sheetId": sheet_id,
                    "dimension": "ROWS",
                    "length": rows - have,
                }
            }
        )
        grid["rowCount"] = rows
    requests_ += [_pick_list(sheet_id, col, rows, pick) for pick, col in lists]
    requests_ += [_date_format(sheet_id, col, rows, pattern) for _, pattern, col in dates]
    # a column dressed alone reaches as far as the others or further: the record keeps
    # the rows all of them reach
    reach = rows if extend else dressed_rows
    value = json.dumps({"filas": reach, "columnas": wanted}, ensure_ascii=False)
    requests_ += metadata_requests(sheet_id, DRESSED_KEY, value)
    kept = [m for m in sheet.get("developerMetadata", []) if m.get("metadataKey") != DRESSED_KEY]
    sheet["developerMetadata"] = [*kept, {"metadataKey": DRESSED_KEY, "metadataValue": value}]
    return requests_


def metadata_requests(sheet_id: int, key: str, value: str) -> list[dict[str, Any]]:
    lookup = {"metadataKey": key, "metadataLocation": {"sheetId": sheet_id}}
    return [
        {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": lookup}}},
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": key,
                    "metadataValue": value,
                    "location": {"sheetId": sheet_id},
                    "visibility": "DOCUMENT",
                }
            }
        },
    ]


# How far down the pick-lists and date formats reach, and on which columns (JSON, e.g.
# {"filas": 1500, "columnas": ["<prefijo>: estado", …]}): developer metadata on the tab.
DRESSED_KEY = "facultativo.formato"
SPARE_ROWS = 500  # dressed past the last response: the next setup comes 500 answers later


def _dressed(sheet: dict[str, Any]) -> tuple[int, set[str]] | None:
    """(rows, column titles) the last setup dressed, or None (never, or unreadable)."""
    for meta in sheet.get("developerMetadata", []):
        if meta.get("metadataKey") != DRESSED_KEY:
            continue
        try:
            got = json.loads(meta.get("metadataValue") or "")
            return int(got["filas"]), {str(t) for t in got["columnas"]}
        except (ValueError, KeyError, TypeError):
            return None
    return None


def _column(sheet_id: int, col: int, rows: int) -> dict[str, int]:
    """One column, from the second row to `rows`."""
    return {
        "sheetId": sheet_id,
        "startRowIndex": 1,
        "endRowIndex": rows,
        "startColumnIndex": col,
        "endColumnIndex": col + 1,
    }


def _pick_list(sheet_id: int, col: int, rows: int, pick: PickList) -> dict[str, Any]:
    """A drop-down that warns (a red corner) but takes any text: `strict` false."""
    return {
        "setDataValidation": {
            "range": _column(sheet_id, col, rows),
            "rule": {
                "condition": {
                    "type": "ONE_OF_LIST",
                    "values": [{"userEnteredValue": label} for label in pick.labels],
                },
                "inputMessage": PICK_PROMPT,
                "strict": False,
                "showCustomUi": True,
            },
        }
    }


def _date_format(sheet_id: int, col: int, rows: int, pattern: str) -> dict[str, Any]:
    kind = "DATE_TIME" if "h" in pattern else "DATE"
    return {
        "repeatCell": {
            "range": _column(sheet_id, col, rows),
            "cell": {"userEnteredFormat": {"numberFormat": {"type": kind, "pattern": pattern}}},
            "fields": "userEnteredFormat.numberFormat",
        }
    }


def _coloured(sheet: dict[str, Any], col: int) -> bool:
    """Whether some conditional format already covers our estado column."""
    for rule in sheet.get("conditionalFormats", []):
        for rng in rule.get("ranges", []):
            if rng.get("startColumnIndex", 0) <= col < rng.get("endColumnIndex", col + 1):
                return True
    return False


def _colour_rules(sheet_id: int, col: int, colours: Mapping[str, RGB]) -> list[dict[str, Any]]:
    rng = {
        "sheetId": sheet_id,
        "startRowIndex": 1,
        "startColumnIndex": col,
        "endColumnIndex": col + 1,
    }
    rules = []
    for i, (label, (r, g, b)) in enumerate(colours.items()):
        rules.append(
            {
                "addConditionalFormatRule": {
                    "index": i,
                    "rule": {
                        "ranges": [rng],
                        "booleanRule": {
                            "condition": {
                                "type": "TEXT_EQ",
                                "values": [{"userEnteredValue": label}],
                            },
                            "format": {"backgroundColor": {"red": r, "green": g, "blue": b}},
                        },
                    },
                }
            }
        )
    return rules
