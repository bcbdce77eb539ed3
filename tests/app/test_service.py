"""`facultativo run` as the office leaves it running: cycles on a schedule, picks up new
rows, stops cleanly on SIGTERM, refuses a second instance, and never logs personal data."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from openpyxl import load_workbook

from facultativo import demo
from facultativo.sync.ledger import Ledger
from tests.support import ROOT
from tests.support.workspace import EXPECTED, message_id

EXE = [sys.executable, "-m", "facultativo.cli"]
DEMO = json.loads(
    (Path(demo.__file__).parent / "samples" / "demo" / "demo.json").read_text("utf-8")
)["respuestas"]


class Proc:
    """A subprocess whose stderr is read without blocking."""

    def __init__(self, *args: str) -> None:
        self.p = subprocess.Popen([*EXE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.err = ""

    def read(self) -> str:
        assert self.p.stderr is not None
        while select.select([self.p.stderr], [], [], 0)[0]:
            chunk = os.read(self.p.stderr.fileno(), 65536)
            if not chunk:
                break
            self.err += chunk.decode(errors="replace")
        return self.err

    def wait_for(self, predicate, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.read()):
                return True
            if self.p.poll() is not None:
                return predicate(self.read())
            time.sleep(0.1)
        return False


def workspace(tmp_path: Path, interval: float = 0.03) -> Path:
    demo.build(tmp_path)
    config = tmp_path / "facultativo.toml"
    config.write_text(config.read_text() + f"\n[service]\ninterval_minutes = {interval}\n")
    return config


def add_row(workbook: Path, template: int = 0) -> None:
    """Staff-style edit, saved atomically so the running service never reads half a file."""
    book = load_workbook(workbook)
    ws = book.worksheets[0]
    row = [c.value for c in ws[template + 2]][:9]
    row[1] = "nueva.alumna@alumnos.example.mx"
    row[0] = row[0].replace(hour=13)
    ws.append(row)
    tmp = workbook.with_suffix(".tmp.xlsx")
    book.save(tmp)
    os.replace(tmp, workbook)


def test_run_cycles_picks_up_new_rows_and_stops_cleanly(tmp_path):
    config = workspace(tmp_path)
    service = Proc("run", "--config", str(config))
    try:
        assert service.wait_for(lambda e: e.count("20 procesadas") == 1), service.err
        assert service.wait_for(lambda e: e.count("0 procesadas") >= 1), service.err
        second = subprocess.run(
            [*EXE, "run", "--config", str(config)], capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 1
        assert "otro proceso de facultativo" in second.stderr
        assert "Traceback" not in second.stderr
        state = json.loads(
            subprocess.run(
                [*EXE, "status", "--config", str(config), "--json"],
                capture_output=True,
                text=True,
                timeout=60,
            ).stdout
        )[0]
        assert state["running"] and state["pid"] == service.p.pid and state["next_run_at"]
        add_row(tmp_path / "respuestas.xlsx")
        assert service.wait_for(lambda e: "21 filas, 1 procesadas" in e), service.err
    finally:
        service.p.send_signal(signal.SIGTERM)
        code = service.p.wait(timeout=60)
    assert code == 0, service.read()
    assert "servicio detenido" in service.read()
    rows = list(
        load_workbook(tmp_path / "respuestas.xlsx").worksheets[0].iter_rows(values_only=True)
    )
    estado = list(rows[0]).index("Validación: estado")
    assert all(r[estado] for r in rows[1:]), "a row was left without estado"
    # Ana's accepted alta again, from another address: staff look (it may not be her)
    assert rows[-1][estado] == "REVISIÓN MANUAL"
    ledger = Ledger(tmp_path / "facultativo.db")
    try:
        entries = ledger.entries("demo").values()
        assert all(e.pending_cells is None for e in entries)
        assert all(e.validations == 1 for e in entries)
    finally:
        ledger.close()


def _many_rows(workbook: Path, copies: int) -> None:
    book = load_workbook(workbook)
    ws = book.worksheets[0]
    base = [[c.value for c in row][:9] for row in ws.iter_rows(min_row=2)]
    for i in range(copies):
        row = list(base[i % 4])  # acceptable altas and a baja
        row[0] = row[0].replace(hour=14, minute=i // 60, second=i % 60)
        row[1] = f"copia{i}@alumnos.example.mx"
        ws.append(row)
    book.save(workbook)


def test_sigterm_mid_cycle_writes_what_was_decided_and_loses_nothing(tmp_path):
    config = workspace(tmp_path, interval=5)
    _many_rows(tmp_path / "respuestas.xlsx", 300)
    service = Proc("run", "--config", str(config))
    try:
        assert service.wait_for(lambda e: "fila " in e), service.err
    finally:
        service.p.send_signal(signal.SIGTERM)
        code = service.p.wait(timeout=60)
    assert code == 0, service.read()
    header, *rows = (
        load_workbook(tmp_path / "respuestas.xlsx").worksheets[0].iter_rows(values_only=True)
    )
    estado = list(header).index("Validación: estado")
    done = sum(1 for r in rows if r[estado])
    assert 0 < done < len(rows), "the stop came mid-cycle"
    finish = subprocess.run(
        [*EXE, "sync", "--config", str(config), "--once"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finish.returncode == 0, finish.stderr
    rows = list(
        load_workbook(tmp_path / "respuestas.xlsx").worksheets[0].iter_rows(values_only=True)
    )[1:]
    assert all(r[estado] for r in rows)
    ledger = Ledger(tmp_path / "facultativo.db")
    try:
        assert all(e.validations == 1 for e in ledger.entries("demo").values())
    finally:
        ledger.close()
    sends = [message_id(p) for p in (tmp_path / "outbox").glob("*.eml")]
    assert sends and len(sends) == len(set(sends)), "an email went twice"


def test_status_reports_the_last_cycle_and_backlog(tmp_path):
    config = workspace(tmp_path)
    subprocess.run(
        [*EXE, "sync", "--config", str(config), "--once"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    result = subprocess.run(
        [*EXE, "status", "--config", str(config), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    state = json.loads(result.stdout)[0]
    assert state["running"] is False
    assert state["backlog_error_temporal"] == 1
    assert state["last_cycle"]["summary"]["processed"] == len(EXPECTED)
    assert state["last_cycle"]["summary"]["emails"]["sent"] == len(EXPECTED) - 1
    text = subprocess.run(
        [*EXE, "status", "--config", str(config)], capture_output=True, text=True, timeout=60
    ).stdout
    assert "sin servicio: los ciclos los corre cron o `sync --once`" in text  # no `run` yet
    assert "ERROR TEMPORAL esperando reintento: 1" in text


def test_logs_of_a_full_cycle_hold_no_personal_data(tmp_path):
    config = workspace(tmp_path)
    (tmp_path / "constancias" / "rota.pdf").write_bytes(b"%PDF-1.4 rota")
    result = subprocess.run(
        [*EXE, "sync", "--config", str(config), "--once", "--log-format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    logs = result.stderr + result.stdout
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert lines and all({"ts", "level", "msg"} <= set(line) for line in lines)
    assert any("fila" in line["msg"] for line in lines)
    for row in DEMO:
        assert row["nss"] not in logs, "an NSS reached the logs"
        assert row["curp"] not in logs, "a CURP reached the logs"
        assert row["correo"] not in logs, "an email address reached the logs"


def test_every_log_line_is_scrubbed_even_from_careless_calls(capsys):
    import logging

    from facultativo.logs import setup

    setup("json")
    try:
        raise ValueError("constancia de ana.martinez@alumnos.example.mx 12220456789")
    except ValueError:
        logging.getLogger("facultativo.x").exception(
            "NSS %s CURP %s correo %s", "12220456789", "MAGA040312MQTRMNA3", "ana@alumnos.mx"
        )
    err = capsys.readouterr().err
    line = json.loads(err.strip().splitlines()[-1])
    for secret in ("12220456789", "MAGA040312MQTRMNA3", "ana@alumnos.mx", "ana.martinez@"):
        assert secret not in err
    assert "*******6789" in line["msg"] and "MAGA**************" in line["msg"]
    assert "an***@alumnos.mx" in line["msg"] and "ValueError" in line["error"]


def test_systemd_unit_runs_as_a_dedicated_user_with_hardening():
    unit = (ROOT / "deploy" / "facultativo.service").read_text()
    settings = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#")
    )
    assert settings["User"] == "facultativo" and settings["KillSignal"] == "SIGTERM"
    assert "facultativo run --config" in settings["ExecStart"]
    for key in ("NoNewPrivileges", "ProtectSystem", "PrivateTmp", "ProtectHome"):
        assert settings[key] in ("yes", "strict"), key
    assert settings["Restart"] == "on-failure"


def test_run_refuses_a_broken_config_with_one_line_per_problem(tmp_path):
    config = tmp_path / "facultativo.toml"
    config.write_text(
        '[[campus]]\nname = "q"\ntimezone = "Luna/Base"\n[service]\ninterval_minutes = 0\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [*EXE, "run", "--config", str(config)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert any("timezone" in line for line in lines)
    assert any("interval_minutes" in line for line in lines)
    assert any("institution_names" in line for line in lines)
    assert "Traceback" not in result.stderr
