"""Quick versions of the reliability runs (the long ones are commands, see docs/RELIABILITY.md):
the fault matrix, kill -9 while syncing, hostile PDFs, injection and privacy."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from openpyxl import Workbook, load_workbook

from tests.reliability import crash, faults, hostile
from tests.support import ROOT, TESTS
from tests.support.workspace import Workspace, code

pytestmark = pytest.mark.slow

CORPUS = TESTS / "hostile_corpus"
DEMO = __import__("json").loads(
    (ROOT / "app" / "samples" / "demo" / "demo.json").read_text("utf-8")
)["respuestas"]


@pytest.mark.parametrize("scenario", faults.SCENARIOS, ids=lambda s: s.name)
def test_fault_matrix(tmp_path, pool, scenario):
    outcome = faults.run_one(scenario, tmp_path, pool)
    assert outcome.ok, outcome
    if scenario.name == "smtp-550":
        assert outcome.failures_shown == 1
    if scenario.name == "drive-404":
        assert outcome.manual_review == 6  # the unreadable file's row, never a rejection
    if scenario.ledger:
        assert outcome.cycle_errors == 1


def test_kill_9_at_random_moments_loses_nothing(tmp_path):
    result = crash.run(kills=4, rows=120, seed=3, folder=tmp_path, delays=[0.8, 1.3, 1.9, 2.6])
    assert result.ok, result
    assert result.kills_mid_cycle >= 1


def test_mutated_and_crafted_pdfs_all_get_verdicts_in_time():
    result = hostile.run(count=150, seed=5, timeout=3.0)
    assert result.ok, result
    v = result.crafted_verdicts
    assert v["bomba_de_descompresion"] == "RECHAZADA ARCHIVO_ILEGIBLE"
    assert v["veinte_mil_paginas"] == "RECHAZADA ARCHIVO_ILEGIBLE"
    assert v["javascript"].startswith("REVISION_MANUAL CONSTANCIA_SOSPECHOSA")
    assert v["archivo_incrustado"].startswith("REVISION_MANUAL CONSTANCIA_SOSPECHOSA")


def test_seed_corpus_through_the_cli():
    files = sorted(CORPUS.glob("*.pdf"))
    assert len(files) >= 20
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "facultativo.cli",
            "validate",
            "--json",
            "--institucion",
            "ITQ",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert len(result.stdout.strip().splitlines()) == len(files)


def test_formula_like_answers_stay_text_in_the_sheet(tmp_path, pool):
    ws = Workspace(tmp_path)

    def inject(sheet):
        for (r, c), text in {
            (2, 3): '=HYPERLINK("http://x.example","clic")',
            (2, 6): "=1+1",
            (3, 3): "@SUM(A1:A9)",
        }.items():
            sheet.cell(r, c).value = text
            sheet.cell(r, c).data_type = "s"  # as Forms stores answers: text

    ws.edit(inject)
    ws.cycle(pool)
    sheet = load_workbook(ws.workbook).worksheets[0]
    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} became a formula"
    first = ws.rows()[0]
    assert code(first["Validación: motivo"]) == "NSS_INVALIDO"
    assert "=1+1" in first["Validación: detalle"]


def test_oversized_cells_and_thousands_of_columns(tmp_path, pool):
    ws = Workspace(tmp_path)

    def widen(sheet):
        sheet.cell(2, 3).value = "Ana " * 250_000  # a 1 MB name
        for col in range(20, 3020):
            sheet.cell(1, col).value = f"Pregunta {col}"

    ws.edit(widen)
    report = ws.cycle(pool)
    assert report.processed == 20
    header = [c.value for c in load_workbook(ws.workbook).worksheets[0][1]]
    assert header.index("Validación: estado") == 3019  # right after the last question
    assert len(ws.rows()[0]["Validación: detalle"]) < 1000


def test_no_pdf_is_left_on_disk_and_the_ledger_holds_no_personal_data(tmp_path, pool):
    outcome = faults.run_one(
        next(s for s in faults.SCENARIOS if s.name == "smtp-550"), tmp_path, pool
    )
    assert outcome.ok
    pdfs = [p for p in tmp_path.rglob("*") if p.is_file() and p.read_bytes()[:5] == b"%PDF-"]
    assert pdfs == [], "a downloaded constancia was written to disk"
    dump = "\n".join(sqlite3.connect(tmp_path / "facultativo.db").iterdump())
    for row in DEMO:
        assert row["nss"] not in dump, "a full NSS is in the ledger"
        assert row["curp"] not in dump, "a CURP is in the ledger"
        assert row["correo"] not in dump, "an email address is in the ledger"
    assert "@alumnos.example.mx" not in dump.replace("***@alumnos", "")


def test_pending_cells_are_the_only_personal_data_and_only_until_written(tmp_path, pool):
    from tests.support.workspace import Crash, crash_at

    ws = Workspace(tmp_path)
    with pytest.raises(Crash):
        ws.cycle(pool, checkpoint=crash_at("recorded"))
    dump = "\n".join(sqlite3.connect(ws.config.ledger).iterdump())
    assert DEMO[0]["nss"] in dump  # the NSS read, waiting to be written to the sheet
    ws.cycle(pool)
    dump = "\n".join(sqlite3.connect(ws.config.ledger).iterdump())
    assert not any(row["nss"] in dump for row in DEMO)


def test_workbook_written_by_others_with_no_status_block(tmp_path):
    """A blank workbook with only a header: check says what is missing, nothing crashes."""
    book = Workbook()
    book.active.append(["Marca temporal", "Correo", "Tipo de solicitud", "Constancia"])
    book.save(tmp_path / "r.xlsx")
    from facultativo.sync.columns import MissingColumns, map_columns
    from facultativo.sync.sources.xlsx import XlsxSource

    table = XlsxSource(tmp_path / "r.xlsx").read()
    assert map_columns(table.header).missing_status()
    with pytest.raises(MissingColumns, match="tipo"):  # no tipo question: never a silent ALTA
        map_columns(["Marca temporal", "Correo", "Constancia"])
