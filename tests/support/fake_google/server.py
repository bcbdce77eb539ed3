"""A fake Google API server on 127.0.0.1 for the real gspread, googleapiclient and google-auth.

It serves what facultativo calls, under one base URL (the `endpoint` contract):
Sheets v4 `spreadsheets.get`, `values.get`, `values.batchGet`, `values.batchUpdate`,
`spreadsheets.batchUpdate` (room, colours, frozen rows, developer metadata, data
validation, number formats); Drive v3 `files.get` with and without `alt=media` (Range
requests too); and an OAuth token endpoint (service-account JWT grant, refresh-token
grant, authorization-code grant for the installed-app flow).

Tests read `log` to count calls and add `faults` to make calls fail, stall or drop.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlparse

from tests.support.fake_google.a1 import parse_range


@dataclass
class Sheet:
    title: str
    rows: list[list[Any]]
    sheet_id: int = 0
    column_count: int = 26
    frozen_rows: int = 0
    conditional_formats: list[dict] = field(default_factory=list)
    developer_metadata: list[dict] = field(default_factory=list)  # located on this tab
    row_count: int = 1000  # the grid's rows; the Form's answers past it grow it
    # setDataValidation and repeatCell requests, in the order they came: {"range", "rule"}
    # and {"range", "cell", "fields"} (GridRange as sent); the last one over a cell wins
    data_validations: list[dict] = field(default_factory=list)
    formats: list[dict] = field(default_factory=list)

    @property
    def grid_rows(self) -> int:
        return max(self.row_count, len(self.rows) + 1)

    def validation_at(self, row: int, col: int) -> dict | None:
        """The data validation rule on a cell (0-based), as Sheets keeps it."""
        found = None
        for item in self.data_validations:
            if _covers(item["range"], row, col):
                found = item.get("rule")
        return found

    def number_format_at(self, row: int, col: int) -> dict | None:
        """The cell's userEnteredFormat.numberFormat (0-based), or None."""
        found = None
        for item in self.formats:
            fields = item["fields"]
            if _covers(item["range"], row, col) and ("numberFormat" in fields or fields == "*"):
                found = item["cell"].get("userEnteredFormat", {}).get("numberFormat")
        return found


@dataclass
class Spreadsheet:
    title: str
    sheets: list[Sheet]
    time_zone: str = "America/Mexico_City"
    shared: bool = True
    editable: bool = True
    version: int = 1  # Drive's file version: every change moves it
    modified: float = field(default_factory=time.time)

    def touch(self) -> None:
        self.version += 1
        self.modified = time.time()

    def append(self, values: list[Any], title: str | None = None) -> None:
        """What the Form does when a student submits: one row at the end, a new version."""
        self.sheet(title).rows.append(list(values))
        self.touch()

    def sheet(self, title: str | None) -> Sheet:
        if title is None:
            return self.sheets[0]
        return next(s for s in self.sheets if s.title == title)


@dataclass
class DriveFile:
    name: str
    data: bytes
    mime_type: str = "application/pdf"
    shared: bool = True

    @property
    def md5(self) -> str:
        return hashlib.md5(self.data).hexdigest()


@dataclass
class Fault:
    """Answer matching requests with an error, a stall or a dropped connection."""

    match: str  # regex on "METHOD /path?query"
    status: int = 500
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    reason: str = "backendError"
    delay: float = 0.0
    drop: bool = False  # close the connection without an answer
    drop_after: int | None = None  # media: send this many bytes, then drop
    body: dict[str, Any] | None = None  # the exact error body Google sends, when it matters


class FakeGoogle:
    def __init__(self) -> None:
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.files: dict[str, DriveFile] = {}
        self.log: list[tuple[str, str]] = []
        self.faults: list[Fault] = []
        self.latency = 0.0
        self.tokens: set[str] = set()
        self.token_refusal: dict[str, str] | None = None  # the token endpoint's 400 body
        self.revoked_keys: set[str] = set()  # private_key_id of keys deleted in Cloud
        self.grants: list[dict[str, Any]] = []
        self.codes: dict[str, str] = {}
        self.sent: list[bytes] = []  # raw messages received by users.messages.send
        self.batches: list[list[dict]] = []  # each spreadsheets.batchUpdate's requests
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeGoogle:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- test helpers -------------------------------------------------------------

    def calls(self, kind: str) -> int:
        """Count logged calls: "sheets.read", "sheets.write", "drive", "token"."""
        patterns = {
            "sheets.read": r"^GET /v4/spreadsheets/",
            "sheets.write": r"^(POST|PUT) /v4/spreadsheets/",
            "drive": r"^GET /drive/v3/files/",
            "drive.media": r"^GET /drive/v3/files/[^?]+\?.*alt=media",
            "token": r"^POST /token",
        }
        return sum(1 for m, p in self.log if re.search(patterns[kind], f"{m} {p}"))

    def reset_log(self) -> None:
        with self.lock:
            self.log.clear()

    def add_file(self, file_id: str, name: str, data: bytes, mime: str = "application/pdf"):
        self.files[file_id] = DriveFile(name, data, mime)

    def _take_fault(self, line: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and re.search(fault.match, line):
                    fault.times -= 1
                    return fault
        return None


def _handler(fake: FakeGoogle) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes: without this, Nagle's
            # algorithm and delayed ACKs add 40 ms to every call.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with fake.lock:
                fake.log.append((method, self.path))
            if fake.latency:
                time.sleep(fake.latency)
            fault = fake._take_fault(f"{method} {self.path}")
            if fault and fault.delay:
                time.sleep(fault.delay)
            if fault and fault.drop:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if fault and fault.body is not None:
                return self._json(fault.status, fault.body, fault.headers)
            if fault and fault.drop_after is None and not fault.delay:
                return self._error(fault.status, fault.reason, fault.headers)
            try:
                self._route(method, body, fault)
            except _Reply as reply:
                self._json(reply.status, reply.body, reply.headers)

        def _route(self, method: str, body: bytes, fault: Fault | None) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            if method == "POST" and url.path == "/token":
                return _token(fake, body)
            self._authorize()
            m = re.fullmatch(r"/v4/spreadsheets/([^/:]+)(.*)", url.path)
            if m:
                return _sheets(fake, method, m.group(1), unquote(m.group(2)), query, body)
            m = re.fullmatch(r"/gmail/v1/users/([^/]+)/messages/send", url.path)
            if m and method == "POST":
                return _gmail_send(fake, m.group(1), body)
            m = re.fullmatch(r"/drive/v3/files/([^/]+)", url.path)
            if m and method == "GET":
                return self._drive(m.group(1), query, fault)
            raise _Reply(404, _err(404, "notFound", f"no route {method} {url.path}"))

        def _authorize(self) -> None:
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or auth[7:] not in fake.tokens:
                raise _Reply(401, _err(401, "authError", "Request had invalid credentials."))

        def _drive(self, file_id: str, query: dict, fault: Fault | None) -> None:
            book = fake.spreadsheets.get(file_id)
            if book is not None and book.shared:
                modified = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(book.modified))
                full = {
                    "capabilities": {"canEdit": book.editable},
                    "version": str(book.version),
                    "modifiedTime": f"{modified}.{int(book.modified * 1000) % 1000:03d}Z",
                }
                wanted = query.get("fields", [""])[0]
                keys = [k for k in full if k in wanted] or list(full)
                raise _Reply(200, {k: full[k] for k in keys})
            f = fake.files.get(file_id)
            if f is None or not f.shared:
                raise _Reply(404, _err(404, "notFound", f"File not found: {file_id}."))
            if query.get("alt") == ["media"]:
                return self._media(f, fault)
            raise _Reply(200, _file_json(file_id, f, query.get("fields", [""])[0]))

        def _media(self, f: DriveFile, fault: Fault | None) -> None:
            data, status, headers = f.data, 200, {}
            rng = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
            if rng:
                start = int(rng.group(1))
                end = int(rng.group(2)) if rng.group(2) else len(data) - 1
                end = min(end, len(data) - 1)
                headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
                data, status = data[start : end + 1], 206
            self.send_response(status)
            self.send_header("Content-Type", f.mime_type)
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if fault and fault.drop_after is not None:
                self.wfile.write(data[: fault.drop_after])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.wfile.write(data)

        def _error(self, status: int, reason: str, headers: dict[str, str]) -> None:
            self._json(status, _err(status, reason, "injected fault"), headers)

        def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

    return Handler


class _Reply(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


def _err(status: int, reason: str, message: str) -> dict:
    names = {
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL",
        503: "UNAVAILABLE",
    }
    domain = "usageLimits" if "RateLimit" in reason else "global"
    return {
        "error": {
            "code": status,
            "message": message,
            "status": names.get(status, "UNKNOWN"),
            "errors": [{"domain": domain, "reason": reason, "message": message}],
        }
    }


# --- OAuth -----------------------------------------------------------------------------


def _token(fake: FakeGoogle, body: bytes) -> None:
    if fake.token_refusal is not None:  # Google's own words for a revoked key, a bad clock…
        raise _Reply(400, fake.token_refusal)
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    grant = form.get("grant_type", "")
    if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
        if _jwt_claims(form.get("assertion", ""), part=0).get("kid") in fake.revoked_keys:
            raise _Reply(
                400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            )
        claims = _jwt_claims(form.get("assertion", ""))
        fake.grants.append({"grant": "jwt", **claims})
    elif grant == "refresh_token":
        fake.grants.append({"grant": "refresh", "client_id": form.get("client_id")})
    elif grant == "authorization_code":
        if form.get("code") not in fake.codes:
            raise _Reply(400, {"error": "invalid_grant"})
        fake.grants.append({"grant": "code", "scope": fake.codes.pop(form["code"])})
        token = _issue(fake)
        raise _Reply(
            200,
            {
                "access_token": token,
                "expires_in": 3600,
                "token_type": "Bearer",
                "refresh_token": "refresh-" + secrets.token_hex(8),
            },
        )
    else:
        raise _Reply(400, {"error": "unsupported_grant_type"})
    raise _Reply(200, {"access_token": _issue(fake), "expires_in": 3600, "token_type": "Bearer"})


def _issue(fake: FakeGoogle) -> str:
    token = "ya29.fake-" + secrets.token_hex(12)
    fake.tokens.add(token)
    return token


def _jwt_claims(assertion: str, part: int = 1) -> dict[str, Any]:
    """The JWT's claims (part 1), or its header (part 0: alg, kid)."""
    try:
        payload = assertion.split(".")[part]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as exc:
        raise _Reply(400, {"error": "invalid_grant"}) from exc


def authorize_code(fake: FakeGoogle, auth_url: str) -> str:
    """What a person clicking «Permitir» does: the redirect URL with a code."""
    query = {k: v[0] for k, v in parse_qs(urlparse(auth_url).query).items()}
    code = "code-" + secrets.token_hex(6)
    fake.codes[code] = query.get("scope", "")
    return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"


def _gmail_send(fake: FakeGoogle, user: str, body: bytes) -> None:
    raw = json.loads(body or b"{}").get("raw", "")
    try:
        message = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except ValueError as exc:
        raise _Reply(400, _err(400, "invalidArgument", "Invalid raw")) from exc
    if b"\nTo: " not in message and not message.startswith(b"To: "):
        raise _Reply(400, _err(400, "invalidArgument", "Recipient address required"))
    fake.sent.append(message)
    raise _Reply(
        200, {"id": secrets.token_hex(8), "threadId": secrets.token_hex(8), "labelIds": ["SENT"]}
    )


# --- Sheets ------------------------------------------------------------------------------


def _sheets(fake: FakeGoogle, method: str, sid: str, rest: str, query: dict, body: bytes):
    book = fake.spreadsheets.get(sid)
    if book is None:
        raise _Reply(404, _err(404, "notFound", "Requested entity was not found."))
    if not book.shared:
        raise _Reply(403, _err(403, "forbidden", "The caller does not have permission"))
    if method == "GET" and rest == "":
        raise _Reply(200, _metadata(sid, book))
    if method == "GET" and rest == "/values:batchGet":
        ranges = [_values(book, r, query) for r in query.get("ranges", [])]
        raise _Reply(200, {"spreadsheetId": sid, "valueRanges": ranges})
    if method == "GET" and rest.startswith("/values/"):
        raise _Reply(200, _values(book, rest[len("/values/") :], query))
    payload = json.loads(body or b"{}")
    if method == "PUT" and rest.startswith("/values/"):  # values.update (one range)
        option = query.get("valueInputOption", [None])[0]
        data = [{"range": rest[len("/values/") :], "values": payload.get("values", [])}]
        raise _Reply(200, _values_update(sid, book, {"valueInputOption": option, "data": data}))
    if method == "POST" and rest == "/values:batchUpdate":
        raise _Reply(200, _values_update(sid, book, payload))
    if method == "POST" and rest == ":batchUpdate":
        fake.batches.append(payload.get("requests", []))
        raise _Reply(200, _batch_update(sid, book, payload))
    raise _Reply(404, _err(404, "notFound", f"no route {rest}"))


def _metadata(sid: str, book: Spreadsheet) -> dict:
    return {
        "spreadsheetId": sid,
        "properties": {"title": book.title, "locale": "es_MX", "timeZone": book.time_zone},
        "sheets": [
            {
                "properties": {
                    "sheetId": s.sheet_id,
                    "title": s.title,
                    "index": i,
                    "sheetType": "GRID",
                    "gridProperties": {
                        "rowCount": s.grid_rows,
                        "columnCount": s.column_count,
                        "frozenRowCount": s.frozen_rows,
                    },
                },
                **({"conditionalFormats": s.conditional_formats} if s.conditional_formats else {}),
                **({"developerMetadata": s.developer_metadata} if s.developer_metadata else {}),
            }
            for i, s in enumerate(book.sheets)
        ],
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{sid}/edit",
    }


def _values(book: Spreadsheet, a1: str, query: dict) -> dict:
    title, (r0, c0, r1, c1) = parse_range(a1)
    try:
        sheet = book.sheet(title)
    except StopIteration as exc:
        raise _Reply(400, _err(400, "badRequest", f"Unable to parse range: {a1}")) from exc
    unformatted = query.get("valueRenderOption") == ["UNFORMATTED_VALUE"]
    rows = []
    for row in sheet.rows[r0 : None if r1 is None else r1 + 1]:
        cells = row[c0 : None if c1 is None else c1 + 1]
        cells = [c if unformatted or isinstance(c, str) else _formatted(c) for c in cells]
        while cells and cells[-1] in ("", None):
            cells.pop()
        rows.append(["" if c is None else c for c in cells])
    while rows and not rows[-1]:
        rows.pop()
    out = {"range": f"'{sheet.title}'!{a1.split('!')[-1]}", "majorDimension": "ROWS"}
    if rows:
        out["values"] = rows
    return out


def _formatted(value: Any) -> str:
    return str(value)


def _values_update(sid: str, book: Spreadsheet, payload: dict) -> dict:
    option = payload.get("valueInputOption")
    if option not in ("RAW", "USER_ENTERED"):
        raise _Reply(400, _err(400, "badRequest", "valueInputOption is required"))
    cells = 0
    for item in payload.get("data", []):
        title, (r0, c0, _r1, _c1) = parse_range(item["range"])
        sheet = book.sheet(title)
        for dr, row in enumerate(item.get("values", [])):
            for dc, value in enumerate(row):
                if c0 + dc >= sheet.column_count:
                    raise _Reply(
                        400,
                        _err(400, "badRequest", f"Range ({item['range']}) exceeds grid limits."),
                    )
                _set(sheet, r0 + dr, c0 + dc, value, option)
                cells += 1
    if cells:
        book.touch()
    book_log = {
        "spreadsheetId": sid,
        "totalUpdatedCells": cells,
        "totalUpdatedRanges": len(payload.get("data", [])),
    }
    return book_log


def _set(sheet: Sheet, r: int, c: int, value: Any, option: str) -> None:
    while len(sheet.rows) <= r:
        sheet.rows.append([])
    row = sheet.rows[r]
    while len(row) <= c:
        row.append("")
    if option == "USER_ENTERED" and isinstance(value, str) and value.startswith("="):
        value = {"formula": value}  # what Sheets would do: tests assert this never happens
    row[c] = value


def _batch_update(sid: str, book: Spreadsheet, payload: dict) -> dict:
    replies = []
    for request in payload.get("requests", []):
        if "appendDimension" in request:
            a = request["appendDimension"]
            sheet = next(s for s in book.sheets if s.sheet_id == a["sheetId"])
            if a["dimension"] == "COLUMNS":
                sheet.column_count += a["length"]
            elif a["dimension"] == "ROWS":
                sheet.row_count = sheet.grid_rows + a["length"]
        elif "setDataValidation" in request:
            item = request["setDataValidation"]
            sheet = _grid_sheet(book, item["range"])
            rule = item.get("rule")
            if rule is not None:
                _check_validation_rule(rule)
            sheet.data_validations.append({"range": item["range"], "rule": rule})
        elif "repeatCell" in request:
            item = request["repeatCell"]
            if not item.get("fields"):
                raise _Reply(400, _err(400, "badRequest", "repeatCell: fields is required"))
            sheet = _grid_sheet(book, item["range"])
            sheet.formats.append(
                {"range": item["range"], "cell": item.get("cell", {}), "fields": item["fields"]}
            )
        elif "addConditionalFormatRule" in request:
            rule = request["addConditionalFormatRule"]["rule"]
            sid_ = rule["ranges"][0]["sheetId"]
            next(s for s in book.sheets if s.sheet_id == sid_).conditional_formats.append(rule)
        elif "updateSheetProperties" in request:
            props = request["updateSheetProperties"]["properties"]
            sheet = next(s for s in book.sheets if s.sheet_id == props["sheetId"])
            sheet.frozen_rows = props.get("gridProperties", {}).get("frozenRowCount", 0)
        elif "createDeveloperMetadata" in request:
            meta = dict(request["createDeveloperMetadata"]["developerMetadata"])
            sheet = next(s for s in book.sheets if s.sheet_id == meta["location"]["sheetId"])
            meta["metadataId"] = 1 + sum(len(s.developer_metadata) for s in book.sheets)
            meta["location"] = {"locationType": "SHEET", "sheetId": sheet.sheet_id}
            sheet.developer_metadata.append(meta)
        elif "deleteDeveloperMetadata" in request:
            lookup = request["deleteDeveloperMetadata"]["dataFilter"]["developerMetadataLookup"]
            for sheet in book.sheets:
                if sheet.sheet_id != lookup.get("metadataLocation", {}).get("sheetId"):
                    continue
                sheet.developer_metadata = [
                    m
                    for m in sheet.developer_metadata
                    if m.get("metadataKey") != lookup.get("metadataKey")
                ]
        else:
            raise _Reply(400, _err(400, "badRequest", f"unsupported request {list(request)}"))
        replies.append({})
    if replies:
        book.touch()
    return {"spreadsheetId": sid, "replies": replies}


def _covers(rng: dict, row: int, col: int) -> bool:
    """Whether a GridRange (half-open, unbounded where an index is missing) holds a cell."""
    inside = (
        rng.get("startRowIndex", 0) <= row < rng.get("endRowIndex", row + 1),
        rng.get("startColumnIndex", 0) <= col < rng.get("endColumnIndex", col + 1),
    )
    return all(inside)


def _grid_sheet(book: Spreadsheet, rng: dict) -> Sheet:
    """The tab a GridRange names; a range past the grid's last row or column is refused
    as Sheets does (the tab must grow first: appendDimension)."""
    sheet = next((s for s in book.sheets if s.sheet_id == rng.get("sheetId", 0)), None)
    if sheet is None:
        raise _Reply(400, _err(400, "badRequest", f"No grid with id: {rng.get('sheetId')}"))
    if (
        rng.get("endRowIndex", 0) > sheet.grid_rows
        or rng.get("endColumnIndex", 0) > sheet.column_count
    ):
        raise _Reply(400, _err(400, "badRequest", f"Range ({rng}) exceeds grid limits."))
    return sheet


_CONDITIONS = {"ONE_OF_LIST", "ONE_OF_RANGE", "TEXT_EQ", "NUMBER_BETWEEN", "DATE_IS_VALID"}


def _check_validation_rule(rule: dict) -> None:
    """A DataValidationRule as Sheets v4 reads it: a condition of a known type (list items
    as {"userEnteredValue": text}), booleans for strict and showCustomUi."""
    condition = rule.get("condition") or {}
    if condition.get("type") not in _CONDITIONS:
        raise _Reply(400, _err(400, "badRequest", f"Invalid condition {condition.get('type')}"))
    for value in condition.get("values", []):
        if set(value) != {"userEnteredValue"} or not isinstance(value["userEnteredValue"], str):
            raise _Reply(400, _err(400, "badRequest", f"Invalid ConditionValue {value}"))
    for name in ("strict", "showCustomUi"):
        if name in rule and not isinstance(rule[name], bool):
            raise _Reply(400, _err(400, "badRequest", f"Invalid value for {name}"))
    unknown = set(rule) - {"condition", "inputMessage", "strict", "showCustomUi"}
    if unknown:
        raise _Reply(400, _err(400, "badRequest", f"Unknown name {sorted(unknown)}"))


def _file_json(file_id: str, f: DriveFile, fields: str) -> dict:
    full = {
        "kind": "drive#file",
        "id": file_id,
        "name": f.name,
        "mimeType": f.mime_type,
        "size": str(len(f.data)),
        "md5Checksum": f.md5,
    }
    wanted = [x.strip() for x in fields.split(",") if x.strip()]
    return {k: v for k, v in full.items() if not wanted or k in wanted}
