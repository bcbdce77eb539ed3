"""The Form's responses spreadsheet on Google Sheets, through gspread.

A cycle costs two reads (metadata with the time zone and the tab's size; all
values, UNFORMATTED, timestamps as serial numbers) and one values:batchUpdate
per write batch, RAW, whatever the number of rows. The first time the status
block is written the tab also gets room for it, colours per estado, a frozen
header row, the pick-lists and the date formats (one spreadsheets:batchUpdate);
the lists and formats again only when the responses reach past the rows they
cover (`SPARE_ROWS` more each time), never in an ordinary cycle.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, ClassVar

import gspread
import requests
from google.auth.exceptions import GoogleAuthError
from gspread.exceptions import APIError
from gspread.urls import DRIVE_FILES_API_V3_URL
from gspread.utils import rowcol_to_a1

from facultativo.google_api.account import Account
from facultativo.google_api.failures import api_disabled, explain
from facultativo.google_api.retry import RETRY_STATUS
from facultativo.settings import Deps
from facultativo.settings import Table as TomlTable
from facultativo.sync.columns import (
    COLOURS,
    DATE_FORMATS,
    PICK_LISTS,
    PICK_PROMPT,
    STATUS_HEADERS,
    PickList,
)
from facultativo.sync.sources.base import (
    CellWrite,
    ResponseSource,
    SourceError,
    Table,
    google_session,
)
from facultativo.sync.values import date_value, serial
from facultativo.validators.text import fold

_URL_ID = re.compile(r"/spreadsheets/(?:u/\d+/)?d/([a-zA-Z0-9_-]+)")


def spreadsheet_id(text: str) -> str:
    """The ID in any spreadsheet URL a browser shows (also «/u/1/d/…» of a second Google
    account), or the ID itself."""
    found = _URL_ID.search(text)
    return found.group(1) if found else text.strip()


class GoogleSheetSource(ResponseSource):
    def __init__(
        self, client: gspread.Client, spreadsheet: str, tab: str | None, account: str | None = None
    ) -> None:
        self.client = client
        self.id = spreadsheet_id(spreadsheet)
        self.tab = tab
        self.account = account  # service-account email, to name in sharing messages
        self._sheet: dict[str, Any] | None = None
        self._estado_col: int | None = None
        self._timezone: str | None = None
        self._header: list[str] = []  # as last read
        self._used = 0  # rows holding anything (the header included), as last read

    def describe(self) -> str:
        return f"hoja de Google {self.id}" + (f" («{self.tab}»)" if self.tab else "")

    def row_link(self, row: int) -> str:
        gid = self._sheet["properties"]["sheetId"] if self._sheet else 0
        return f"https://docs.google.com/spreadsheets/d/{self.id}/edit#gid={gid}&range=A{row}"

    def _drive_file(self, fields: str) -> dict[str, Any]:
        """The spreadsheet's own Drive metadata: one light call, outside the Sheets quota."""
        http = self.client.http_client
        url = f"{DRIVE_FILES_API_V3_URL}/{self.id}"
        params: dict[str, str | int | bool | float | list[str] | None] = {
            "fields": fields,
            "supportsAllDrives": True,
        }
        got: dict[str, Any] = self._call(lambda: http.request("get", url, params=params).json())
        return got

    def cannot_write(self) -> str | None:
        try:
            got = self._drive_file("capabilities(canEdit)")
        except SourceError as exc:
            return str(exc)
        if not got.get("capabilities", {}).get("canEdit"):
            who = self.account or "la cuenta de facultativo"
            return f"{self.describe()}: solo lectura; compártela con {who} como editor."
        return None

    def version(self) -> str | None:
        """The spreadsheet's Drive version (moved by every edit, ours included)."""
        got = self._drive_file("version,modifiedTime")
        return f"{got.get('version')}@{got.get('modifiedTime')}"

    def read(self) -> Table:
        http = self.client.http_client
        meta = self._call(lambda: http.fetch_sheet_metadata(self.id))
        self._sheet = self._pick(meta)
        self._timezone = meta.get("properties", {}).get("timeZone")
        return self._values()

    def reread(self) -> Table:
        """The values again, in one call: the tab and its grid do not move within a cycle."""
        return self._values() if self._sheet is not None else self.read()

    def _values(self) -> Table:
        http = self.client.http_client
        assert self._sheet is not None
        title = self._sheet["properties"]["title"]
        params: dict[str, str | int | bool | float | list[str] | None] = {
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "SERIAL_NUMBER",
            "majorDimension": "ROWS",
        }
        got = self._call(lambda: http.values_batch_get(self.id, [_quote(title)], params))
        values = (got.get("valueRanges") or [{}])[0].get("values", [])
        if not values:
            raise SourceError(f"{self.describe()}: la pestaña está vacía (falta el encabezado).")
        header = [str(v) for v in values[0]]
        self._header, self._used = header, len(values)
        titles = [fold(h) for h in header]
        wanted = fold(STATUS_HEADERS["estado"])
        self._estado_col = titles.index(wanted) if wanted in titles else None
        return Table(header, values[1:], self._timezone, _mark(self._sheet))

    def write(self, cells: list[CellWrite], mark: str | None = None) -> None:
        if not cells and mark is None:
            return
        if self._sheet is None:
            self.read()
        assert self._sheet is not None
        setup = self._setup_requests(cells) if cells else []
        if mark is not None:
            setup += _mark_requests(self._sheet["properties"]["sheetId"], mark)
        http = self.client.http_client
        if setup:
            self._call(lambda: http.batch_update(self.id, {"requests": setup}))
        if not cells:
            return
        title = self._sheet["properties"]["title"]
        data = [{"range": f"{_quote(title)}!{rng}", "values": [vals]} for rng, vals in _runs(cells)]
        body = {"valueInputOption": "RAW", "data": data}
        self._call(lambda: http.values_batch_update(self.id, body))

    def _setup_requests(self, cells: list[CellWrite]) -> list[dict[str, Any]]:
        """Room for the status block, and once: colours per estado and a frozen header."""
        sheet = self._sheet
        assert sheet is not None
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
        created = (c.col for c in cells if c.row == 1 and c.value == STATUS_HEADERS["estado"])
        col = next(created, self._estado_col)
        if col is not None and not _coloured(sheet, col):
            requests_ += _colour_rules(sheet_id, col)
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
        return requests_ + self._dress(cells)

    def _dress(self, cells: list[CellWrite]) -> list[dict[str, Any]]:
        """Pick-lists that only warn on the estado and «decisión del personal», date
        formats on «procesada el» and «fecha de constancia», from the second row to
        `SPARE_ROWS` past the last response (the tab grows for them). Sent when one of
        those columns is new (created in this batch, or not dressed before: a sheet from
        before the lists, a decision column staff added) or the responses reach past the
        rows dressed last time; how far that was is kept on the tab, where the metadata
        read of every cycle sees it (developer metadata)."""
        sheet = self._sheet
        assert sheet is not None
        props = sheet["properties"]
        grid = props.setdefault("gridProperties", {})
        titles = {fold(h): col for col, h in enumerate(self._header) if h}
        created = {fold(c.value): c.col for c in cells if c.row == 1}
        titles.update(created)
        lists = [(p, titles[fold(p.title)]) for p in PICK_LISTS if fold(p.title) in titles]
        dates = [
            (STATUS_HEADERS[key], pattern, titles[fold(STATUS_HEADERS[key])])
            for key, pattern in DATE_FORMATS.items()
            if fold(STATUS_HEADERS[key]) in titles
        ]
        wanted = sorted({p.title for p, _ in lists} | {title for title, _, _ in dates})
        if not wanted:
            return []
        used = max(self._used, *(c.row for c in cells))
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
        requests_ += _metadata_requests(sheet_id, DRESSED_KEY, value)
        kept = [
            m for m in sheet.get("developerMetadata", []) if m.get("metadataKey") != DRESSED_KEY
        ]
        sheet["developerMetadata"] = [*kept, {"metadataKey": DRESSED_KEY, "metadataValue": value}]
        return requests_

    def _pick(self, meta: dict[str, Any]) -> dict[str, Any]:
        sheets = meta.get("sheets", [])
        if not sheets:
            raise SourceError(f"{self.describe()}: la hoja no tiene pestañas.")
        if self.tab is None:
            return sheets[0]
        for sheet in sheets:
            if sheet["properties"]["title"] == self.tab:
                return sheet
        tabs = ", ".join(f"«{s['properties']['title']}»" for s in sheets)
        raise SourceError(f"{self.describe()}: no hay una pestaña «{self.tab}» (hay {tabs}).")

    def _call(self, fn: Any) -> Any:
        try:
            return fn()
        except APIError as exc:
            try:
                disabled = api_disabled(exc.response.json())
            except ValueError:
                disabled = None
            if disabled:
                raise SourceError(f"{self.describe()}: {disabled}.") from None
            raise self._explain(exc.response.status_code) from None
        except (requests.exceptions.RequestException, GoogleAuthError, OSError) as exc:
            known = explain(exc)
            if known is None:
                raise
            raise SourceError(f"{self.describe()}: {known.text}.", transient=known.outage) from None

    def _explain(self, status: int) -> SourceError:
        who = f" con {self.account}" if self.account else " con la cuenta de facultativo"
        if status == 403:
            return SourceError(
                f"{self.describe()}: sin permiso; comparte la hoja{who} como editor."
            )
        if status == 404:
            return SourceError(
                f"{self.describe()}: no existe; revisa spreadsheet en la configuración."
            )
        if status == 401:
            return SourceError(f"{self.describe()}: credenciales rechazadas; revisa la llave JSON.")
        if status in RETRY_STATUS:
            return SourceError(
                f"{self.describe()}: Google respondió {status}; se reintentará.", True
            )
        return SourceError(
            f"{self.describe()}: Google rechazó la petición (HTTP {status}); revisa spreadsheet y "
            "tab en [campus.google]."
        )


MARK_KEY = "facultativo"


def _mark(sheet: dict[str, Any]) -> str | None:
    """The ownership mark (sync/ownership.py): developer metadata on the tab, which
    spreadsheets.get returns with the tab's properties (no call of its own)."""
    for meta in sheet.get("developerMetadata", []):
        if meta.get("metadataKey") == MARK_KEY:
            value: str | None = meta.get("metadataValue")
            return value
    return None


def _mark_requests(sheet_id: int, mark: str) -> list[dict[str, Any]]:
    """Replace the tab's mark: delete ours (if any), then create it anew."""
    return _metadata_requests(sheet_id, MARK_KEY, mark)


def _metadata_requests(sheet_id: int, key: str, value: str) -> list[dict[str, Any]]:
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
# {"filas": 1500, "columnas": ["Validación: estado", …]}): developer metadata on the tab.
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


def _quote(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _runs(cells: list[CellWrite]) -> list[tuple[str, list[str | float]]]:
    """Group cells into horizontal runs (one range per run) to keep the batch small."""
    out: list[tuple[str, list[str | float]]] = []
    ordered = sorted(cells, key=lambda c: (c.row, c.col))
    start, values, prev = ordered[0], [_raw(ordered[0])], ordered[0]
    for cell in ordered[1:]:
        if cell.row == prev.row and cell.col == prev.col + 1:
            values.append(_raw(cell))
        else:
            out.append((_range(start, prev), values))
            start, values = cell, [_raw(cell)]
        prev = cell
    out.append((_range(start, prev), values))
    return out


def _raw(cell: CellWrite) -> str | float:
    """What a cell gets, RAW: a date cell its serial number (days since 1899-12-30, in
    the campus's local time), which its column's format shows as a date; else the text."""
    day = date_value(cell.value) if cell.date_format else None
    return cell.value if day is None else serial(day)


def _range(first: CellWrite, last: CellWrite) -> str:
    return f"{rowcol_to_a1(first.row, first.col + 1)}:{rowcol_to_a1(last.row, last.col + 1)}"


def _colour_rules(sheet_id: int, col: int) -> list[dict[str, Any]]:
    rng = {
        "sheetId": sheet_id,
        "startRowIndex": 1,
        "startColumnIndex": col,
        "endColumnIndex": col + 1,
    }
    rules = []
    for i, (label, (r, g, b)) in enumerate(COLOURS.items()):
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


KIND = "google"
TABLE = "google"  # its keys live in [campus.google]
STORE = "google"  # the upload cells are Drive links


@dataclass(frozen=True)
class Settings:
    """[campus.google]: the responses spreadsheet, its tab, and the key that reaches it."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"spreadsheet", "tab"}) | Account.KEYS

    account: Account
    spreadsheet: str
    tab: str | None = None

    @classmethod
    def from_table(cls, t: TomlTable) -> Settings:
        spreadsheet = t.text("spreadsheet")
        if not spreadsheet:
            t.problem(f"{t.where}.spreadsheet falta: el ID o la URL de la hoja de respuestas.")
        return cls(Account.from_table(t), spreadsheet, t.text("tab") or None)

    def clashes(self, other: Settings) -> str | None:
        """One spreadsheet, and not two different tabs named explicitly (no tab = the
        first): two campuses would overwrite each other's results."""
        sheet = spreadsheet_id(self.spreadsheet)
        if sheet != spreadsheet_id(other.spreadsheet):
            return None
        a, b = self.tab, other.tab
        if a is not None and b is not None and a.casefold() != b.casefold():
            return None
        return (
            f"usan la misma hoja de Google {sheet}: se pisarían los resultados; da a cada "
            "campus su propia hoja (google.spreadsheet) o su propia pestaña (google.tab)."
        )


def build(settings: Settings, deps: Deps) -> GoogleSheetSource:
    from facultativo.google_api.http import SheetsHTTPClient

    google = google_session(settings.account)
    a = settings.account
    client = gspread.Client(google.credentials)
    client.http_client = SheetsHTTPClient(
        google.credentials, a.endpoint, google.policy, a.timeout_seconds
    )
    return GoogleSheetSource(client, settings.spreadsheet, settings.tab, google.email)
