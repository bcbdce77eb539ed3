"""Files and inputs (issue 12): odd attachment files, merged cells, how the workbook is
saved, file permissions of the ledger and of the SMTP password file, Drive links in
workbook mode."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from facultativo.commands.check import check_campus as _check_campus
from facultativo.config import load
from facultativo.sync.attachments.base import FetchFailure
from facultativo.sync.attachments.folder import FolderStore
from facultativo.sync.ledger import Ledger
from facultativo.sync.sources.base import CellWrite, SourceError
from facultativo.sync.sources.xlsx import XlsxSource
from facultativo.wiring import build_sender
from tests.support.workspace import EXPECTED, Workspace

ESTADO, DETALLE = "Validación: estado", "Validación: detalle"
ARCHIVO = "Adjunta tu Constancia de Vigencia de Derechos (PDF)"
LABEL = {"REVISION_MANUAL": "REVISIÓN MANUAL", "ERROR_TEMPORAL": "ERROR TEMPORAL"}


def in_thread(work: Callable[[], Any], seconds: float, unblock: Callable[[], None]) -> Any:
    """Run work with a deadline, so a regression fails the test instead of hanging the suite."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = work()
        except BaseException as exc:  # reported below
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        unblock()
        thread.join(10)
        pytest.fail(f"still running after {time.monotonic() - started:.0f} s (blocked?)")
    if "error" in result:
        raise result["error"]
    return result["value"]


def set_archivo(ws: Workspace, row: int, value: str) -> None:
    def change(sheet: Any) -> None:
        header = [c.value for c in sheet[1]]
        sheet.cell(row, header.index(ARCHIVO) + 1).value = value

    ws.edit(change)


def release_reader(fifo: Path) -> Callable[[], None]:
    """Opening the write end lets a reader blocked in open() go on."""

    def unblock() -> None:
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    return unblock


# 1. Only regular files are opened ------------------------------------------------------


def test_a_fifo_attachment_is_not_opened_and_the_row_is_not_rejected(tmp_path, pool):
    ws = Workspace(tmp_path)
    fifo = tmp_path / "constancias" / "tuberia.pdf"
    os.mkfifo(fifo)
    set_archivo(ws, 2, "constancias/tuberia.pdf")
    report = in_thread(lambda: ws.cycle(pool), 60, release_reader(fifo))
    assert report.processed == len(EXPECTED)
    row = ws.rows()[0]
    assert row[ESTADO] in ("ERROR TEMPORAL", "REVISIÓN MANUAL")
    assert "el adjunto no es un archivo normal" in row[DETALLE]
    assert all(r[ESTADO] for r in ws.rows())  # the others went on


def test_check_does_not_hang_on_a_fifo_attachment(tmp_path):
    ws = Workspace(tmp_path)
    fifo = tmp_path / "constancias" / "tuberia.pdf"
    os.mkfifo(fifo)
    set_archivo(ws, 2, "constancias/tuberia.pdf")
    results = in_thread(
        lambda: _check_campus(ws.campus, ws.config.ledger), 30, release_reader(fifo)
    )
    assert (False, "archivo adjunto: «constancias/tuberia.pdf»: el adjunto no es un archivo normal "
            "(tubería, dispositivo o socket)") in results  # fmt: skip


def test_sockets_and_fifos_are_refused_before_opening(tmp_path):
    folder = tmp_path / "adjuntos"
    folder.mkdir()
    os.mkfifo(folder / "fifo.pdf")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "socket.pdf"))
    try:
        store = FolderStore(folder)
        for name in ("fifo.pdf", "socket.pdf"):
            got = in_thread(
                lambda n=name: store.fetch(n, 1000), 10, release_reader(folder / "fifo.pdf")
            )
            assert isinstance(got, FetchFailure) and got.transient
            assert "el adjunto no es un archivo normal" in got.detail
            assert store.probe(name) == got
    finally:
        server.close()
    (folder / "bien.pdf").write_bytes(b"%PDF-1.4 hola")
    assert store.fetch("bien.pdf", 1000).data == b"%PDF-1.4 hola"


# 2. Merged cells in the status block -----------------------------------------------------


def test_merged_status_cells_are_unmerged_and_every_row_gets_its_estado(tmp_path, pool):
    ws = Workspace(tmp_path)

    def merge(sheet: Any) -> None:
        col = sheet.max_column + 1
        sheet.cell(1, col).value = ESTADO
        sheet.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
        sheet.merge_cells(start_row=5, start_column=col, end_row=5, end_column=col + 2)

    ws.edit(merge)
    report = ws.cycle(pool)
    assert report.processed == len(EXPECTED)
    assert ws.column(ESTADO) == [LABEL.get(e, e) for e, _ in EXPECTED]
    assert not load_workbook(ws.workbook).worksheets[0].merged_cells.ranges


# 3. How the workbook is saved -------------------------------------------------------------


def test_a_cycle_keeps_the_workbook_mode(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.workbook.chmod(0o664)
    ws.cycle(pool)
    assert stat.S_IMODE(ws.workbook.stat().st_mode) == 0o664
    assert ws.column(ESTADO)[0]


def test_a_symlinked_workbook_stays_a_link_and_its_target_is_updated(tmp_path, pool):
    ws = Workspace(tmp_path)
    real = tmp_path / "compartida" / "respuestas.xlsx"
    real.parent.mkdir()
    ws.workbook.rename(real)
    ws.workbook.symlink_to(real)
    ws.cycle(pool)
    assert ws.workbook.is_symlink() and ws.workbook.resolve() == real
    rows = list(load_workbook(real).worksheets[0].iter_rows(values_only=True))
    col = list(rows[0]).index(ESTADO)
    assert [r[col] for r in rows[1:]] == [LABEL.get(e, e) for e, _ in EXPECTED]
    assert not list(real.parent.glob(".facultativo-*")) and not list(
        tmp_path.glob(".facultativo-*")
    )


def _small_book(path: Path) -> XlsxSource:
    book = Workbook()
    book.active.append(["Marca temporal", "Validación: estado"])
    book.active.append(["2026-11-16", None])
    book.save(path)
    return XlsxSource(path)


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left"), KeyboardInterrupt()])
def test_a_failed_or_interrupted_save_leaves_no_temporary_file(tmp_path, monkeypatch, failure):
    source = _small_book(tmp_path / "respuestas.xlsx")
    before = source.path.read_bytes()

    def replace(*_: Any) -> None:
        raise failure

    monkeypatch.setattr(os, "replace", replace)
    expected = KeyboardInterrupt if isinstance(failure, KeyboardInterrupt) else SourceError
    with pytest.raises(expected):
        source.write([CellWrite(2, 1, "ACEPTADA")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["respuestas.xlsx"]
    assert source.path.read_bytes() == before


def test_a_temporary_file_left_by_a_killed_save_is_removed_by_the_next_save(tmp_path):
    source = _small_book(tmp_path / "respuestas.xlsx")
    stale = tmp_path / ".facultativo-respuestas-k1ll3d.xlsx"
    stale.write_bytes(b"half a workbook")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = tmp_path / ".facultativo-otro-libro-abc.xlsx"  # another workbook's save in flight
    fresh.write_bytes(b"")
    source.write([CellWrite(2, 1, "ACEPTADA")])
    assert not stale.exists() and fresh.exists()


def test_a_save_that_cannot_change_the_owner_still_lands(tmp_path, monkeypatch):
    source = _small_book(tmp_path / "respuestas.xlsx")

    def chown(*_: Any) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "chown", chown)
    source.path.chmod(0o640)
    source.write([CellWrite(2, 1, "ACEPTADA")])
    assert stat.S_IMODE(source.path.stat().st_mode) == 0o640
    assert load_workbook(source.path).active["B2"].value == "ACEPTADA"


# 4. The ledger is private ----------------------------------------------------------------


def test_the_ledger_and_its_wal_files_are_created_private(tmp_path):
    old = os.umask(0o022)
    try:
        ledger = Ledger(tmp_path / "facultativo.db")
        ledger.digest_sent("demo", _now())
    finally:
        os.umask(old)
    try:
        db = tmp_path / "facultativo.db"
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
        for extra in ("facultativo.db-wal", "facultativo.db-shm"):  # SQLite copies the mode
            assert stat.S_IMODE((tmp_path / extra).stat().st_mode) == 0o600, extra
    finally:
        ledger.close()


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime(2026, 11, 16, 17, 0, tzinfo=UTC)


# 5. The SMTP password file ---------------------------------------------------------------

SMTP_CONFIG = """\
[[campus]]
name = "q"
institution_names = ["ITQ"]
[campus.source]
path = "respuestas.xlsx"
[campus.mail]
sender = "smtp"
host = "127.0.0.1"
username = "escolares@itq.example.mx"
password_file = "smtp-password.txt"
"""


# 640 with the service's own group is what the README installs (issue 24): not warned.
@pytest.mark.parametrize(("mode", "warned"), [(0o644, True), (0o640, False), (0o600, False)])
def test_a_password_file_others_can_read_is_warned_about_and_still_used(
    tmp_path, caplog, mode, warned
):
    (tmp_path / "facultativo.toml").write_text(SMTP_CONFIG, encoding="utf-8")
    secret = tmp_path / "smtp-password.txt"
    secret.write_text("abcd efgh ijkl mnop\n", encoding="utf-8")
    secret.chmod(mode)
    sender = build_sender(load(tmp_path / "facultativo.toml").campuses[0])
    with caplog.at_level(logging.WARNING):
        assert sender.password() == "abcd efgh ijkl mnop"
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    if warned:
        assert lines == [f"{secret} lo puede leer cualquier usuario; ejecuta: chmod 640 {secret}"]
    else:
        assert lines == []


def test_a_secret_in_the_service_group_is_not_warned_about_when_root_runs_the_command(
    tmp_path, monkeypatch, caplog
):
    """README installs keys 640 root:facultativo; IT runs `check` as root, whose group is
    root's: the service's group still counts, and no line says `chmod 600` (which would
    lock the service out of its own key)."""
    import grp

    from facultativo.settings import secrets

    own = {os.getgid(), os.getegid(), *os.getgroups()}
    service = next(g for g in grp.getgrall() if g.gr_gid not in own)  # a group we are not in
    monkeypatch.setattr(secrets, "SERVICE_GROUP", service.gr_name)
    key = tmp_path / "credentials.json"
    assert service.gr_gid in secrets.service_groups()
    assert secrets.readers_problem(key, 0o640, service.gr_gid, {0}, service.gr_gid) is None
    foreign = secrets.readers_problem(key, 0o640, 4242, {0}, service.gr_gid)
    assert foreign == (
        f"{key} lo puede leer un grupo que no es el de este servicio; ejecuta: "
        f"chgrp {service.gr_name} {key}"
    )
    if os.geteuid() == 0:  # the real file, as root sees it
        key.write_text("{}", encoding="utf-8")
        os.chown(key, 0, service.gr_gid)
        key.chmod(0o640)
        with caplog.at_level(logging.WARNING):
            assert not secrets.warn_if_readable_by_others(key)
        assert "chmod" not in caplog.text


# 7. Drive links in workbook mode -----------------------------------------------------------

DRIVE = "https://drive.google.com/open?id=1AbCdEfGhIjKlMnOpQrStUvWxYz"


def test_a_drive_link_in_workbook_mode_says_what_to_do(tmp_path, pool):
    ws = Workspace(tmp_path)
    set_archivo(ws, 2, DRIVE)
    ws.cycle(pool)
    detail = ws.rows()[0][DETALLE]
    assert detail.startswith(
        "el archivo es un enlace de Google Drive: en modo libro local descarga los adjuntos "
        f"a la carpeta {tmp_path.resolve()} o configura [campus.google]"
    )
    assert ws.rows()[0][ESTADO] == "ERROR TEMPORAL"
    results = _check_campus(ws.campus, ws.config.ledger)
    hint = [m for ok, m in results if not ok and "enlace de Google Drive" in m]
    assert len(hint) == 1 and "\n" not in hint[0] and "[campus.google]" in hint[0]


def test_check_finds_drive_links_even_when_the_first_row_is_a_local_file(tmp_path):
    ws = Workspace(tmp_path)
    set_archivo(ws, 5, DRIVE)
    set_archivo(ws, 7, DRIVE.replace("open?id=", "file/d/") + "/view")
    results = _check_campus(ws.campus, ws.config.ledger)
    hint = [m for ok, m in results if not ok and "enlace de Google Drive" in m]
    assert len(hint) == 1 and "2 respuestas" in hint[0], results
