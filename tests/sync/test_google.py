"""The Google Sheets source and Drive store: the real gspread, googleapiclient and
google-auth against the fake Google API server on loopback."""

from __future__ import annotations

import logging

import pytest

from facultativo.sync.block import COLOURS
from facultativo.sync.sources.base import SourceError
from tests.support import google_env as g
from tests.support.fake_google import Fault
from tests.support.google_env import cycle
from tests.support.sheet import ESTADO, MOTIVO
from tests.support.workspace import EXPECTED, Clock, Workspace, code


def test_form_shaped_sheet_ends_like_the_local_backend(tmp_path, fake, pool):
    book = g.spreadsheet(fake, g.demo_rows(fake))
    report = cycle(g.config(tmp_path, fake), pool)
    assert report.processed == len(EXPECTED)
    local = Workspace(tmp_path / "local")
    local.cycle(pool)
    assert g.column(book, ESTADO) == local.column(ESTADO)
    assert [code(m) for m in g.column(book, MOTIVO)] == [code(m) for m in local.column(MOTIVO)]
    assert fake.spreadsheets[g.SHEET_ID].sheets[0].frozen_rows == 1
    assert len(book.sheets[0].conditional_formats) == len(COLOURS)
    grants = [x for x in fake.grants if x["grant"] == "jwt"]
    assert grants and grants[0]["scope"].split() == [
        "https://www.googleapis.com/auth/spreadsheets",
        "https://www.googleapis.com/auth/drive.readonly",
    ]


def test_status_values_are_written_raw(tmp_path, fake, pool):
    g.spreadsheet(fake, g.demo_rows(fake))
    cycle(g.config(tmp_path, fake), pool)
    cells = [c for row in fake.spreadsheets[g.SHEET_ID].sheets[0].rows for c in row]
    assert not any(isinstance(c, dict) for c in cells)  # no formula was ever entered


def test_call_counts_for_1000_rows_with_200_new(tmp_path, fake, pool):
    template = g.demo_rows(fake, two_links_in_first=False)[0]  # an acceptable alta
    pdf = fake.files[template[-1].split("id=")[1]].data
    old = [[*template[:-1], "", "CONCLUIDA"] for _ in range(800)]
    new = []
    for i in range(200):
        fid = f"1DrvNuevo{i:04d}abcdef"
        fake.add_file(fid, f"c{i}.pdf", pdf + b"\n%" + str(i).encode())  # distinct files
        new.append(
            [
                template[0] + (i + 1) / 86400,
                f"alumno{i}@alumnos.example.mx",
                *template[2:-1],
                f"https://drive.google.com/open?id={fid}",
            ]
        )
    book = g.spreadsheet(fake, old + new, columns=16)
    book.sheets[0].rows[0] += ["Validación: estado"]
    book.sheets[0].conditional_formats = [{"ranges": [{"startColumnIndex": 9}]}]
    book.sheets[0].frozen_rows = 1
    path = g.config(tmp_path, fake)
    fake.reset_log()
    report = cycle(path, pool)
    assert report.processed == 200
    # two reads, one more just before writing (rows may have moved), one or two writes
    assert fake.calls("sheets.read") <= 3
    assert fake.calls("sheets.write") <= 2
    assert fake.calls("sheets.read") + fake.calls("sheets.write") <= 5
    assert fake.calls("drive") <= 2 * 200 + 1  # + one look at write access before mailing
    fake.reset_log()
    assert cycle(path, pool).processed == 0
    assert fake.calls("drive") == 0
    assert fake.calls("sheets.read") <= 2 and fake.calls("sheets.write") == 0
    book.append([*new[0][:1], "otra@alumnos.example.mx", *new[0][2:]])  # one more answer
    fake.reset_log()
    assert cycle(path, pool).processed == 1
    # the sheet is already marked: a cycle that writes costs at most 4 calls
    assert fake.calls("sheets.read") + fake.calls("sheets.write") <= 4


def test_bursts_of_429_and_5xx_lose_nothing(tmp_path, fake, pool):
    book = g.spreadsheet(fake, g.demo_rows(fake))
    fake.faults += [
        Fault(r"values:batchGet", 429, times=2, headers={"Retry-After": "0.2"}),
        Fault(r"^GET /v4/spreadsheets/[^/?]+\?", 503, times=1),
        Fault(r"/drive/v3/files/\w+\?(?!.*alt=media)", 500, times=3),
        Fault(r"alt=media", 503, times=2),
        Fault(r"/drive/v3/files/", 403, times=2, reason="userRateLimitExceeded"),
        Fault(r"values:batchUpdate", 500, times=1),
    ]
    report = cycle(g.config(tmp_path, fake), pool)
    assert report.processed == len(EXPECTED)
    assert all(f.times == 0 for f in fake.faults), "every fault was hit"
    assert [code(m) for m in g.column(book, MOTIVO)] == [m for _, m in EXPECTED]


def test_dropped_and_slow_downloads_are_retried(tmp_path, fake, pool):
    book = g.spreadsheet(fake, g.demo_rows(fake))
    fake.faults += [
        Fault(r"alt=media", drop_after=100, times=1),
        Fault(r"alt=media", delay=7, times=1),
        Fault(r"values:batchGet", drop=True, times=1),
    ]
    cycle(g.config(tmp_path, fake), pool)
    assert [code(m) for m in g.column(book, MOTIVO)] == [m for _, m in EXPECTED]


def test_unshared_file_says_how_to_fix_it_and_never_rejects(tmp_path, fake, pool):
    book = g.spreadsheet(fake, g.demo_rows(fake))
    fake.files["1Drv001betoxyz"].shared = False
    clock = Clock()
    path = g.config(tmp_path, fake)
    cycle(path, pool, clock)
    row = g.column(book, ESTADO).index("ERROR TEMPORAL")
    detail = g.column(book, "Validación: detalle")[row]
    assert g.column(book, "Nombre completo")[row].startswith("Alberto")
    assert f"comparte la carpeta de respuestas del formulario con {g.SA_EMAIL}" in detail
    for _ in range(5):
        clock.advance(60 * 24)
        cycle(path, pool, clock)
    assert g.column(book, ESTADO)[row] == "REVISIÓN MANUAL"


def test_unshared_sheet_is_one_clear_message(tmp_path, fake, pool):
    book = g.spreadsheet(fake, g.demo_rows(fake))
    book.shared = False
    with pytest.raises(SourceError, match=f"comparte la hoja con {g.SA_EMAIL}"):
        cycle(g.config(tmp_path, fake), pool)
    assert fake.calls("sheets.read") == 1  # a permanent error is not retried


def test_images_and_oversized_files_are_refused_without_download(tmp_path, fake, pool):
    rows = g.demo_rows(fake)
    book = g.spreadsheet(fake, rows)
    fake.add_file("1DrvFotoxyz0001", "foto.jpg", b"\xff\xd8\xff" + b"0" * 100, "image/jpeg")
    fake.add_file("1DrvGrandexyz01", "grande.pdf", b"%PDF-1.4" + b"0" * (11 * 2**20))
    book.sheets[0].rows[2][-1] = "https://drive.google.com/open?id=1DrvFotoxyz0001"
    book.sheets[0].rows[3][-1] = "https://drive.google.com/open?id=1DrvGrandexyz01"
    cycle(g.config(tmp_path, fake), pool)
    details = g.column(book, "Validación: detalle")
    assert "imagen (JPEG)" in details[1] and "10 MB" in details[2]
    media = [p for m, p in fake.log if "alt=media" in p]
    assert not any("Foto" in p or "Grande" in p for p in media)


def test_a_file_attached_twice_is_downloaded_once(tmp_path, fake, pool):
    rows = g.demo_rows(fake)
    book = g.spreadsheet(fake, rows)
    book.sheets[0].rows[15][-1] = rows[0][-1]  # the duplicate row reuses the same files
    cycle(g.config(tmp_path, fake), pool)
    media = [p for _, p in fake.log if "alt=media" in p]
    assert len(media) == len(set(media))


def test_credentials_readable_by_others_are_warned_about(tmp_path, fake, caplog):
    from facultativo.google_api.auth import load_credentials

    key = g.service_account(tmp_path / "k.json", fake)
    key.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="facultativo"):
        load_credentials(key)
    assert f"{key} lo puede leer cualquier usuario; ejecuta: chmod 640 {key}" in caplog.text


def test_a_key_installed_as_the_readme_says_is_not_warned_about(tmp_path, fake, caplog):
    """`install -m 640 -o root -g facultativo`: the service's own group reads the key
    (issue 24: `check` demanded chmod 600, which locks the service out of a root-owned key)."""
    from facultativo.google_api.auth import load_credentials

    key = g.service_account(tmp_path / "k640.json", fake)
    key.chmod(0o640)  # the file's group is this process's group, as the service's would be
    with caplog.at_level(logging.WARNING, logger="facultativo"):
        load_credentials(key)
    assert "k640.json" not in caplog.text
