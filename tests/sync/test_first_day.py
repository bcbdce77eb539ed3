"""Going live on a Form answered (and handled by hand) for months: old responses are
ANTERIOR, never validated nor mailed; without `desde` the first cycle refuses to run."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from email.parser import BytesHeaderParser
from zoneinfo import ZoneInfo

import pytest

from facultativo import demo
from facultativo.sync.block import DEFAULT_BLOCK
from facultativo.sync.sources import SourceError
from tests.support.sheet import ESTADO
from tests.support.workspace import Workspace

STATUS_HEADERS = DEFAULT_BLOCK.titles  # the demo's block (no prefijo)

TZ = ZoneInfo("America/Mexico_City")
EXE = [sys.executable, "-m", "facultativo.cli"]


def test_responses_before_desde_are_anterior_and_nobody_is_mailed_for_them(tmp_path, pool):
    start = datetime(2026, 11, 16, 10, 0, tzinfo=TZ)
    ws = Workspace(tmp_path, desde=start)
    rows = ws.rows()
    old = [i for i, r in enumerate(rows) if r["Marca temporal"].replace(tzinfo=TZ) < start]
    assert 0 < len(old) < len(rows)
    report = ws.cycle(pool)
    assert report.processed == len(rows) - len(old)
    after = ws.rows()
    assert [after[i][ESTADO] for i in old] == ["ANTERIOR"] * len(old)
    mailed = {p.read_bytes() for p in ws.emails()}
    email = "Dirección de correo electrónico"
    current = {r[email] for i, r in enumerate(after) if i not in old}
    for i in old:
        if after[i][email] in current:
            continue  # the same student also answered after the first day
        assert not any(after[i][email].encode() in m for m in mailed), "an old response was mailed"
    assert ws.cycle(pool).processed == 0  # and it stays so


def test_without_desde_the_first_cycle_on_an_answered_form_refuses_to_run(tmp_path, pool):
    ws = Workspace(tmp_path, desde=None)
    before = ws.workbook.read_bytes()
    with pytest.raises(SourceError, match="desde"):
        ws.cycle(pool)
    assert ws.workbook.read_bytes() == before and ws.emails() == []


def test_sync_and_check_say_how_to_set_desde(tmp_path):
    demo.build(tmp_path)
    config = tmp_path / "facultativo.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text("\n".join(x for x in text.splitlines() if not x.startswith("desde")))
    check = subprocess.run(
        [*EXE, "check", "--config", str(config)], capture_output=True, text=True, timeout=120
    )
    assert check.returncode != 0 and "primera ejecución" in check.stdout
    assert "20 respuestas" in check.stdout
    sync = subprocess.run(
        [*EXE, "sync", "--config", str(config), "--once"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sync.returncode != 0 and "desde" in sync.stderr and "Traceback" not in sync.stderr
    assert not (tmp_path / "outbox").exists() or not list((tmp_path / "outbox").iterdir())


def test_a_bulk_clear_never_turns_old_responses_into_new_ones(tmp_path, pool):
    start = datetime(2026, 11, 16, 10, 0, tzinfo=TZ)
    ws = Workspace(tmp_path, desde=start)
    ws.cycle(pool)
    sent = len(ws.emails())
    estados = ws.column(ESTADO)
    old = [i for i, r in enumerate(ws.rows()) if r["Marca temporal"].replace(tzinfo=TZ) < start]
    assert old and [i for i, e in enumerate(estados) if e == "ANTERIOR"] == old

    def clear_block(sheet):
        header = [c.value for c in sheet[1]]
        col = header.index(ESTADO) + 1
        for r in range(2, sheet.max_row + 1):
            for c in range(col, col + len(STATUS_HEADERS)):
                sheet.cell(r, c).value = None

    ws.edit(clear_block)
    assert ws.cycle(pool).processed == 0
    assert len(ws.emails()) == sent
    assert ws.column(ESTADO) == estados  # written back from the ledger, row by row
    assert [i for i, e in enumerate(ws.column(ESTADO)) if e == "ANTERIOR"] == old


def test_a_response_stamped_at_the_very_instant_of_desde_is_decided(tmp_path, pool):
    """DESIGN: responses from *before* `desde` are ANTERIOR; one stamped at that very
    instant is the first of facultativo's, validated and mailed like any later one."""
    ws = Workspace(tmp_path)
    stamps = [r["Marca temporal"].replace(tzinfo=TZ) for r in ws.rows()]
    first = stamps.index(datetime(2026, 11, 16, 10, 3, 56, tzinfo=TZ))  # a RECHAZADA
    ws.campus = replace(ws.campus, desde=stamps[first])
    report = ws.cycle(pool)
    assert report.processed == len(stamps) - first
    estados = ws.column(ESTADO)
    assert [i for i, e in enumerate(estados) if e == "ANTERIOR"] == list(range(first))
    assert estados[first] == "RECHAZADA"
    email = "Dirección de correo electrónico"
    to = {BytesHeaderParser().parsebytes(p.read_bytes())["To"] for p in ws.emails()}
    assert ws.rows()[first][email] in to


def test_shadow_mode_writes_verdicts_and_mails_nobody_then_or_later(tmp_path, pool):
    """The first weeks: verdicts in the sheet, no student email; switching the mode off
    later mails only what is decided from then on."""
    from dataclasses import replace

    ws = Workspace(tmp_path)
    ws.campus = replace(ws.campus, mail=replace(ws.campus.mail, modo="sombra"))
    report = ws.cycle(pool)
    assert report.processed == len(ws.rows()) and ws.emails() == []
    assert "sombra" in report.emails
    notified = [v for v in ws.column("Validación: notificada el") if v]
    assert notified and set(notified) == {"no enviado (modo sombra)"}
    ws.campus = replace(ws.campus, mail=replace(ws.campus.mail, modo="normal"))
    ws.cycle(pool)
    assert ws.emails() == []  # the shadow weeks stay unmailed
