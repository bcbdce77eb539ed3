"""Cycle cost against the fake Google server with injected latency per call.

The cycle runs as `facultativo sync --once` in its own process (its peak RSS is read
from wait4); the fake server runs here and counts the calls. The naive baseline
does the same work row by row in this process: read the row, fetch its file,
validate, write its cells, one call each.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import gspread

from facultativo.google_api.auth import load_credentials
from facultativo.google_api.http import SheetsHTTPClient
from facultativo.google_api.retry import RetryPolicy
from facultativo.sync.attachments.google_drive import DriveStore
from facultativo.sync.block import DEFAULT_BLOCK
from facultativo.validators import Policy, Request, ValidatorPool
from tests.support import google_env as g
from tests.support.fake_google import FakeGoogle

STATUS = DEFAULT_BLOCK.titles["estado"]  # the bench's configuration sets no prefijo


def _sheet(fake: FakeGoogle, rows: int, new_fraction: float) -> None:
    template = g.demo_rows(fake, two_links_in_first=False)[0]  # an acceptable alta
    pdf = fake.files[template[-1].split("id=")[1]].data
    new = int(rows * new_fraction)
    old = [[*template[:-1], "", "CONCLUIDA"] for _ in range(rows - new)]
    fresh = []
    for i in range(new):
        fid = f"1DrvBench{i:06d}abc"
        fake.add_file(fid, f"c{i}.pdf", pdf + b"\n%" + str(i).encode())
        fresh.append(
            [
                template[0] + (i + 1) / 86400,
                f"alumno{i}@alumnos.example.mx",
                *template[2:-1],
                f"https://drive.google.com/open?id={fid}",
            ]
        )
    book = g.spreadsheet(fake, old + fresh, columns=16)
    book.sheets[0].rows[0] += [STATUS]
    book.sheets[0].conditional_formats = [{"ranges": [{"startColumnIndex": 9}]}]
    book.sheets[0].frozen_rows = 1


def _config(folder: Path, fake: FakeGoogle) -> Path:
    path = g.config(folder, fake, timeout_seconds=30)
    text = path.read_text().replace(
        '[campus.mail]\noutbox = "outbox"', '[campus.mail]\noutbox = "outbox"\ndaily_cap = 100000'
    )
    path.write_text(text.replace("timeout_seconds = 5\n", ""), encoding="utf-8")
    return path


def _sync_once(config: Path) -> tuple[int, float, Any, str]:
    """`facultativo sync --once` in its own process: exit status, wall s, rusage, stdout."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "facultativo.cli", "sync", "--config", str(config), "--once"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    out = proc.stdout.read().decode() if proc.stdout else ""
    return status, wall, usage, out


def facultativo_cycle(rows: int, latency: float, new_fraction: float = 0.2) -> dict:
    """The first cycle on a sheet: it creates the status block (and marks the sheet)."""
    fake = FakeGoogle().start()
    try:
        _sheet(fake, rows, new_fraction)
        with tempfile.TemporaryDirectory() as tmp:
            config = _config(Path(tmp), fake)
            fake.latency = latency
            fake.reset_log()
            status, wall, usage, out = _sync_once(config)
        return {
            "rows": rows,
            "new_rows": int(rows * new_fraction),
            "ok": status == 0,
            "sheets_calls": fake.calls("sheets.read") + fake.calls("sheets.write"),
            "sheets_reads": fake.calls("sheets.read"),
            "sheets_writes": fake.calls("sheets.write"),
            "drive_calls": fake.calls("drive"),
            "token_calls": fake.calls("token"),
            "wall_s": round(wall, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "summary": out.strip()[:200],
        }
    finally:
        fake.stop()


def ordinary_cycle(rows: int, latency: float, new: int = 20) -> dict:
    """A cycle like every later one: the block exists and the sheet is marked, `new`
    answers arrived since the last cycle (appended as the Form does)."""
    fake = FakeGoogle().start()
    try:
        _sheet(fake, rows, 0.2)
        book = fake.spreadsheets[g.SHEET_ID]
        template = g.demo_rows(fake, two_links_in_first=False)[0]  # an acceptable alta
        pdf = fake.files[template[8].split("id=")[1]].data
        with tempfile.TemporaryDirectory() as tmp:
            config = _config(Path(tmp), fake)
            first, *_ = _sync_once(config)  # the first cycle, not counted
            for i in range(new):
                fid = f"1DrvOrdinary{i:06d}abc"
                fake.add_file(fid, f"n{i}.pdf", pdf + b"\n%n" + str(i).encode())
                book.append(
                    [
                        template[0] + (i + 1) / 86400,
                        f"nuevo{i}@alumnos.example.mx",
                        *template[2:8],
                        f"https://drive.google.com/open?id={fid}",
                    ]
                )
            fake.latency = latency
            fake.reset_log()
            status, wall, _, out = _sync_once(config)
        return {
            "rows": rows,
            "new_rows": new,
            "ok": first == 0 and status == 0,
            "sheets_calls": fake.calls("sheets.read") + fake.calls("sheets.write"),
            "sheets_reads": fake.calls("sheets.read"),
            "sheets_writes": fake.calls("sheets.write"),
            "wall_s": round(wall, 1),
            "summary": out.strip()[:200],
        }
    finally:
        fake.stop()


def naive_cycle(rows: int, latency: float, new_fraction: float = 0.2) -> dict:
    """Row by row: the obvious program someone would write first."""
    fake = FakeGoogle().start()
    try:
        _sheet(fake, rows, new_fraction)
        with tempfile.TemporaryDirectory() as tmp:
            creds = load_credentials(g.service_account(Path(tmp) / "k.json", fake))
            policy = RetryPolicy()
            client = gspread.Client(creds)
            client.http_client = SheetsHTTPClient(creds, fake.url, policy, 30)
            store = DriveStore(creds, fake.url, policy, 30)
            fake.latency = latency
            fake.reset_log()
            http = client.http_client
            started = time.monotonic()
            tab = f"'{g.TAB}'"
            header = http.values_get(g.SHEET_ID, f"{tab}!1:1")["values"][0]
            col = header.index(STATUS)
            with ValidatorPool(workers=1) as pool:
                for r in range(2, rows + 2):
                    row = http.values_get(g.SHEET_ID, f"{tab}!A{r}:Z{r}").get("values", [[]])[0]
                    if len(row) > col and row[col]:
                        continue
                    got = store.fetch(store.refs(row[8])[0], 10 * 2**20)
                    verdict = pool.validate(got.data, Request(), Policy(("ITQ",)))
                    cell = gspread.utils.rowcol_to_a1(r, col + 1)
                    http.values_update(
                        g.SHEET_ID,
                        f"{tab}!{cell}",
                        params={"valueInputOption": "RAW"},
                        body={"values": [[verdict.estado.etiqueta]]},
                    )
            wall = time.monotonic() - started
        return {
            "rows": rows,
            "sheets_calls": fake.calls("sheets.read") + fake.calls("sheets.write"),
            "drive_calls": fake.calls("drive"),
            "wall_s": round(wall, 1),
        }
    finally:
        fake.stop()
