"""demo, sync and check as a user runs them: subprocesses, exit codes, messages."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

from openpyxl import load_workbook

from tests.support import ROOT
from tests.support.workspace import EXPECTED

EXE = [sys.executable, "-m", "facultativo.cli"]


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EXE, *args], capture_output=True, text=True, timeout=timeout)


def estados(workbook: Path) -> list[str]:
    ws = load_workbook(workbook).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    col = list(rows[0]).index("Validación: estado")
    return [r[col] for r in rows[1:]]


def test_demo_runs_end_to_end_and_a_second_run_changes_nothing(tmp_path):
    folder = tmp_path / "demo"
    first = run("demo", "--dir", str(folder))
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    got = estados(folder / "respuestas.xlsx")
    assert got.count("ALTA APLICADA") == 1 and got.count("BAJA APLICADA") == 1
    assert len(got) == len(EXPECTED)
    emails = sorted(p.name for p in (folder / "outbox").glob("*.eml"))
    assert len(emails) == sum(1 for e, _ in EXPECTED if e != "ERROR_TEMPORAL") + 2
    before = hashlib.sha256((folder / "respuestas.xlsx").read_bytes()).hexdigest()
    second = run("demo", "--dir", str(folder))
    assert second.returncode == 0
    assert "Filas procesadas en esta ejecución: 0" in second.stdout
    assert hashlib.sha256((folder / "respuestas.xlsx").read_bytes()).hexdigest() == before
    assert sorted(p.name for p in (folder / "outbox").glob("*.eml")) == emails


def test_demo_workbook_offers_the_estado_pick_list_and_the_summary_says_so(tmp_path):
    folder = tmp_path / "demo"
    done = run("demo", "--dir", str(folder))
    assert done.returncode == 0, done.stderr
    assert "ofrece la lista de decisiones" in done.stdout
    assert "(ACEPTADA, RECHAZADA, CONCLUIDA, ALTA APLICADA, BAJA APLICADA, REVISIÓN MANUAL)" in (
        done.stdout
    )
    ws = load_workbook(folder / "respuestas.xlsx").worksheets[0]
    header = [c.value for c in ws[1]]
    letter = ws.cell(1, header.index("Validación: estado") + 1).column_letter
    (rule,) = [dv for dv in ws.data_validations.dataValidation if f"{letter}2" in dv.sqref]
    assert rule.type == "list" and rule.errorStyle == "warning"
    assert "ALTA APLICADA" in rule.formula1  # kept by the save that marks two rows applied


def test_status_after_the_demo_tells_the_last_cycle_from_the_totals(tmp_path):
    """Right after `demo`, status read «0 filas procesadas de 20» and «Correos: enviados 2»
    although 21 emails had gone out: the last cycle's figures, labelled as nothing."""
    folder = tmp_path / "demo"
    assert run("demo", "--dir", str(folder)).returncode == 0  # two cycles: results, follow-ups
    _status_tells(folder, processed=0, sent=2)
    assert run("demo", "--dir", str(folder)).returncode == 0  # one more that finds nothing
    _status_tells(folder, processed=0, sent=0)


def _status_tells(folder: Path, processed: int, sent: int) -> None:
    """`status` labels the last cycle's figures and the totals, and both are what happened:
    the rows and estados of the workbook, the emails in the outbox."""
    from collections import Counter

    from facultativo.validators import Estado

    config = str(folder / "facultativo.toml")
    mailed = len(list((folder / "outbox").glob("*.eml")))
    sheet = Counter(estados(folder / "respuestas.xlsx"))
    assert mailed > sent and sum(sheet.values()) == len(EXPECTED)

    lines = [line.strip() for line in run("status", "--config", config).stdout.splitlines()]
    last = next(line for line in lines if line.startswith("Último ciclo ("))
    assert last.endswith(f": {len(EXPECTED)} filas en la hoja, {processed} procesadas en ese ciclo")
    assert any(line.startswith(f"Correos de ese ciclo: enviados {sent},") for line in lines)
    total = next(line for line in lines if line.startswith("En total (desde "))
    assert f"): {len(EXPECTED)} respuestas (" in total
    assert total.endswith(f"; correos enviados {mailed}")
    for label, n in sheet.items():
        assert f"{label} {n}" in total, (label, n, total)

    state = json.loads(run("status", "--config", config, "--json").stdout)[0]
    summary = state["last_cycle"]["summary"]  # the keys monitors read, as they were
    assert summary["processed"] == processed and summary["emails"].get("sent", 0) == sent
    totals = state["totals"]
    assert totals["responses"] == len(EXPECTED) and totals["emails"]["sent"] == mailed
    assert Counter({Estado(c).etiqueta: n for c, n in totals["estados"].items()}) == sheet
    assert totals["since"] < state["last_cycle"]["started_at"]


def _demo_config(tmp_path: Path) -> Path:
    from facultativo import demo

    demo.build(tmp_path)
    return tmp_path / "facultativo.toml"


def test_sync_dry_run_lists_cells_and_emails_and_touches_nothing(tmp_path):
    config = _demo_config(tmp_path)
    before = (tmp_path / "respuestas.xlsx").read_bytes()
    result = run("sync", "--config", str(config), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "simulación" in result.stdout and "RECHAZADA" in result.stdout
    assert "19 correos por enviar" in result.stdout
    assert "a an***@alumnos.example.mx" in result.stdout  # to whom, masked
    assert (tmp_path / "respuestas.xlsx").read_bytes() == before
    assert not (tmp_path / "facultativo.db").exists() and not (tmp_path / "outbox").exists()


def test_sync_once_then_a_second_process_is_refused_while_one_runs(tmp_path):
    config = _demo_config(tmp_path)
    once = run("sync", "--config", str(config), "--once")
    assert once.returncode == 0, once.stderr
    assert "20 procesadas" in once.stdout
    loop = subprocess.Popen(
        [*EXE, "sync", "--config", str(config)],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "servicio iniciado" not in _peek(loop):
            time.sleep(0.2)
        second = run("sync", "--config", str(config), "--once")
        assert second.returncode == 1
        assert "otro proceso de facultativo" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        loop.terminate()
        loop.wait(timeout=30)


def _peek(proc: subprocess.Popen) -> str:
    import os
    import select

    assert proc.stderr is not None
    chunks = []
    while select.select([proc.stderr], [], [], 0)[0]:
        line = os.read(proc.stderr.fileno(), 4096).decode(errors="replace")
        if not line:
            break
        chunks.append(line)
    _peek.seen = getattr(_peek, "seen", "") + "".join(chunks)  # type: ignore[attr-defined]
    return _peek.seen  # type: ignore[attr-defined]


def test_check_reports_columns_and_problems(tmp_path):
    config = _demo_config(tmp_path)
    good = run("check", "--config", str(config))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Todo en orden." in good.stdout and "constancia: «" in good.stdout
    (tmp_path / "respuestas.xlsx").unlink()
    bad = run("check", "--config", str(config))
    assert bad.returncode == 1
    assert "ERROR campus demo: no existe el libro" in bad.stdout


def test_check_shows_how_a_reprinted_constancia_is_judged(tmp_path):
    config = _demo_config(tmp_path)
    default = run("check", "--config", str(config))
    assert 'una reimpresa va a REVISIÓN MANUAL (reimpresion = "revision")' in default.stdout
    text = config.read_text(encoding="utf-8")
    config.write_text(text + '\n[campus.policy]\nreimpresion = "aceptar"\n', encoding="utf-8")
    accepting = run("check", "--config", str(config))
    assert accepting.returncode == 0, accepting.stdout + accepting.stderr
    assert "una reimpresa se decide por su contenido" in accepting.stdout


def test_check_lists_every_config_problem_with_its_key(tmp_path):
    config = tmp_path / "facultativo.toml"
    config.write_text(
        '[[campus]]\nname = "q"\ninstitution_names = ["ITQ"]\nmax_attempts = 0\n'
        '[campus.source]\nkind = "ftp"\n[campus.columns]\ncorreo = ["Email"]\n'
        '[campus.contact]\nemail = "no-es-correo"\n',
        encoding="utf-8",
    )
    result = run("check", "--config", str(config))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    for key in (
        "max_attempts",
        "source.kind",
        "[campus.columns] de «q»: «correo»",
        "contact.email",
    ):
        assert any(key in line for line in lines), key
    assert "Traceback" not in result.stderr


def test_validate_json_contract_still_holds_after_sync_commands(tmp_path):
    sample = Path(json.__file__)  # any non-PDF file
    result = run("validate", str(sample), "--json", "--institucion", "X")
    assert json.loads(result.stdout)["motivos"] == ["ARCHIVO_ILEGIBLE"]


def test_example_config_is_valid():
    from facultativo.config import load

    root = ROOT
    config = load(root / "facultativo.example.toml")
    assert config.campuses[0].source.kind == "xlsx"
    assert config.campuses[0].contact.email


def test_status_after_a_failed_cycle_says_it_failed_and_when_the_last_good_one_was(tmp_path, pool):
    """«Último ciclo (…, 0.0 s): 0 filas en la hoja … Filas por estado: —» for a cycle that
    never read the sheet."""
    import pytest

    from facultativo.commands.status import campus_status, render
    from facultativo.sync.sources.base import SourceError
    from tests.support.workspace import Workspace

    ws = Workspace(tmp_path)
    ws.cycle(pool)
    good = ws.clock()
    ws.clock.advance(30)
    ws.workbook.write_bytes(b"no es un libro de Excel")
    with pytest.raises(SourceError) as raised:
        ws.cycle(pool)
    state = campus_status(ws.config, ws.campus, now=ws.clock())
    text = render([state])
    [last] = [line.strip() for line in text.splitlines() if "Último ciclo (" in line]
    assert last.startswith("Último ciclo (2026-11-16 11:30, ") and "s): falló: " in last, last
    assert f"falló: {str(raised.value)[:60]}" in last, last  # its error line
    assert "0 filas en la hoja" not in text and "Filas por estado" not in text.split(last)[1]
    assert f"Último ciclo correcto: {good:%Y-%m-%d} 11:00" in text, text
    assert state["last_cycle_failed"] and state["last_good_cycle"]["started_at"]


def test_status_on_cron_says_the_cycles_come_from_cron_and_how_long_ago(tmp_path, pool):
    """On cron `status` always said «servicio detenido»."""
    from datetime import timedelta

    from facultativo.commands.status import campus_status, render
    from tests.support.workspace import Workspace

    ws = Workspace(tmp_path)
    ws.cycle(pool)
    state = campus_status(ws.config, ws.campus, now=ws.clock() + timedelta(minutes=7))
    first = render([state]).splitlines()[0]
    assert first == (
        "Campus demo: sin servicio: los ciclos los corre cron o `sync --once`; el último "
        "empezó hace 7 min"
    ), first
    assert state["runner"] == "cron" and not state["running"]
    assert "servicio detenido" not in render([state])
