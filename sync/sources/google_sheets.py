"""The Form's responses spreadsheet on Google Sheets, through gspread.

A cycle costs two reads (metadata with the time zone and the tab's size; all
values, UNFORMATTED, timestamps as serial numbers) and one values:batchUpdate
per write batch, RAW, whatever the number of rows. The first time the status
block is written the tab also gets room for it, colours per estado, a frozen
header row, the pick-lists and the date formats (one spreadsheets:batchUpdate);
the lists and formats again only when the responses reach past the rows they
cover (`SPARE_ROWS` more each time), never in an ordinary cycle. Those formatting
requests are built in sync/sources/google_format.py, from the campus's status block.
"""

from __future__ import annotations

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
from facultativo.sync.block import DEFAULT_BLOCK, Block
from facultativo.sync.sources.base import (
    CellWrite,
    ResponseSource,
    SourceError,
    Table,
    google_session,
)
from facultativo.sync.sources.google_format import Tab, metadata_requests, setup_requests
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
        self,
        client: gspread.Client,
        spreadsheet: str,
        tab: str | None,
        account: str | None = None,
        block: Block = DEFAULT_BLOCK,
    ) -> None:
        self.client = client
        self.id = spreadsheet_id(spreadsheet)
        self.tab = tab
        self.account = account  # service-account email, to name in sharing messages
        self.block = block  # the campus's status block: its headers, colours and lists
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
        wanted = fold(self.block.titles["estado"])
        self._estado_col = titles.index(wanted) if wanted in titles else None
        return Table(header, values[1:], self._timezone, _mark(self._sheet))

    def write(self, cells: list[CellWrite], mark: str | None = None) -> None:
        if not cells and mark is None:
            return
        if self._sheet is None:
            self.read()
        assert self._sheet is not None
        tab = Tab(self._sheet, self._header, self._used, self._estado_col, self.block)
        setup = setup_requests(tab, cells) if cells else []
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
    return metadata_requests(sheet_id, MARK_KEY, mark)


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


def build(settings: Settings, deps: Deps, block: Block) -> GoogleSheetSource:
    """The campus's spreadsheet, written with its status block (app/wiring.py)."""
    from facultativo.google_api.http import SheetsHTTPClient

    google = google_session(settings.account)
    a = settings.account
    client = gspread.Client(google.credentials)
    client.http_client = SheetsHTTPClient(
        google.credentials, a.endpoint, google.policy, a.timeout_seconds
    )
    return GoogleSheetSource(client, settings.spreadsheet, settings.tab, google.email, block)
