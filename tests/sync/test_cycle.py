"""The sync cycle on the local workbook backend (README, "For developers")."""

from __future__ import annotations

import hashlib

import pytest

from facultativo.sync.block import DEFAULT_BLOCK
from facultativo.sync.sources.base import SourceError
from tests.support.sheet import ESTADO, LABEL, MOTIVO, NOTIFICADA, main_motivos
from tests.support.workspace import EXPECTED, Workspace, code, codes, message_id

STATUS_HEADERS = DEFAULT_BLOCK.titles  # the demo's block (no prefijo)


def test_every_scenario_gets_its_estado_and_main_motivo(tmp_path, pool):
    ws = Workspace(tmp_path)
    report = ws.cycle(pool)
    assert report.processed == len(EXPECTED)
    assert main_motivos(ws) == [(LABEL.get(e, e), m) for e, m in EXPECTED]
    needing_email = sum(1 for e, _ in EXPECTED if e != "ERROR_TEMPORAL")
    assert len(ws.emails()) == needing_email
    assert report.emails["sent"] == needing_email


def test_second_cycle_changes_nothing(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before = hashlib.sha256(ws.workbook.read_bytes()).hexdigest()
    emails = ws.emails()
    report = ws.cycle(pool)
    assert report.processed == 0
    assert hashlib.sha256(ws.workbook.read_bytes()).hexdigest() == before
    assert ws.emails() == emails


def test_columns_are_found_by_header_whatever_their_order_and_wording(tmp_path, pool):
    baseline = Workspace(tmp_path / "a")
    baseline.cycle(pool)
    ws = Workspace(tmp_path / "b", columns={"archivo": ("Sube aquí tu comprobante IMSS",)})

    def reorder(sheet):
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        renamed = {
            "Dirección de correo electrónico": "Correo electrónico institucional",
            "Adjunta tu Constancia de Vigencia de Derechos (PDF)": "Sube aquí tu comprobante IMSS",
            "Tipo de solicitud": "¿Qué trámite deseas? (alta o baja)",
        }
        rows[0] = [renamed.get(h, h) for h in rows[0]]
        order = list(reversed(range(len(rows[0]))))
        sheet.delete_rows(1, sheet.max_row)
        for r in rows:
            sheet.append([r[i] for i in order])

    ws.edit(reorder)
    ws.cycle(pool)
    assert main_motivos(ws) == main_motivos(baseline)


def test_sorted_rows_keep_their_status_and_are_not_reprocessed(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    by_email = {r["Dirección de correo electrónico"]: r[ESTADO] for r in ws.rows()}

    def sort_by_name(sheet):
        rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
        rows.sort(key=lambda r: r[2], reverse=True)
        for i, r in enumerate(rows, start=2):
            for j, v in enumerate(r, start=1):
                sheet.cell(i, j).value = v

    ws.edit(sort_by_name)
    emails = len(ws.emails())
    assert ws.cycle(pool).processed == 0
    assert len(ws.emails()) == emails
    # Re-run one row after sorting: its new verdict lands on its own row.
    rows = ws.rows()
    target = next(i for i, r in enumerate(rows) if code(r[MOTIVO]) == "FECHA_NO_COINCIDE")
    ws.set_status(target + 2, None)
    assert ws.cycle(pool).processed == 1
    after = ws.rows()
    assert code(after[target][MOTIVO]) == "FECHA_NO_COINCIDE"
    assert {r["Dirección de correo electrónico"]: r[ESTADO] for r in after} == by_email


def test_staff_clearing_an_estado_reruns_it_without_repeating_the_same_email(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    row = codes(ws.column(MOTIVO)).index("CURP_NO_COINCIDE") + 2
    notified = ws.rows()[row - 2][NOTIFICADA]
    ws.set_status(row, "")
    report = ws.cycle(pool)
    assert report.processed == 1
    assert ws.column(ESTADO)[row - 2] == "RECHAZADA"
    assert not [p for p in ws.emails() if message_id(p).startswith("resultado.1.")]  # same
    assert ws.rows()[row - 2][NOTIFICADA] == notified  # the email that stands for it


def test_a_rerun_with_another_verdict_emails_the_student_again(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    row = codes(ws.column(MOTIVO)).index("CURP_NO_COINCIDE") + 2

    def fix_curp_and_clear(sheet):
        header = [c.value for c in sheet[1]]
        sheet.cell(row, header.index("CURP") + 1).value = None  # staff fixed the typo
        sheet.cell(row, header.index(ESTADO) + 1).value = None

    ws.edit(fix_curp_and_clear)
    assert ws.cycle(pool).processed == 1
    assert ws.column(ESTADO)[row - 2] != "RECHAZADA"
    again = [message_id(p) for p in ws.emails() if message_id(p).startswith("resultado.1.")]
    response = ws.rows()[row - 2][STATUS_HEADERS["id"]]  # the cleared row's response
    assert [m.split("@")[0] for m in again] == [f"resultado.1.{response}"]  # new verdict
    assert f"resultado.0.{response}" in {message_id(p).split("@")[0] for p in ws.emails()}


def test_staff_override_of_a_decided_row_is_left_alone_and_told_once(tmp_path, pool):
    """Staff accept what facultativo rejected: never validated again, and the student,
    told to send the Form again, hears the staff's decision once (issue 22)."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    row = codes(ws.column(MOTIVO)).index("FECHA_NO_COINCIDE") + 2
    ws.set_status(row, "ACEPTADA")
    emails = ws.emails()
    report = ws.cycle(pool)
    assert report.processed == 0
    assert ws.column(ESTADO)[row - 2] == "ACEPTADA"
    new = [p for p in ws.emails() if p not in emails]
    assert [message_id(p).split(".")[0] for p in new] == ["decision"]
    ws.cycle(pool)
    assert len(ws.emails()) == len(emails) + 1


def test_staff_deciding_a_review_writes_to_the_student_once_with_their_note(tmp_path, pool):
    """Issue 13: a student told «una persona revisará tu solicitud» hears the outcome."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    row = codes(ws.column(MOTIVO)).index("SITUACION_NO_PREVISTA") + 2

    def decide(sheet):
        header = [c.value for c in sheet[1]]
        sheet.cell(row, header.index(ESTADO) + 1).value = "aceptada "
        note = len(header) + 1
        sheet.cell(1, note).value = "Validación: nota del personal"
        sheet.cell(row, note).value = "Revisamos tu pensión: sí procede el seguro."

    ws.edit(decide)
    before = set(ws.emails())
    assert ws.cycle(pool).processed == 0
    new = [p for p in ws.emails() if p not in before]
    assert len(new) == 1 and message_id(new[0]).startswith("decision.")
    text = new[0].read_bytes().decode("utf-8", "replace").replace("=\n", "")
    assert "Procede tu alta" in text and "Revisamos tu pensi" in text
    assert "decisión del personal" in ws.rows()[row - 2][NOTIFICADA]
    ws.cycle(pool)
    assert len(ws.emails()) == len(before) + 1  # once


def test_alta_aplicada_sends_one_follow_up(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    row = codes(ws.column(MOTIVO)).index("VIGENTE_CON_PATRON") + 2
    ws.set_status(row, "ALTA APLICADA")
    ws.cycle(pool)
    ws.cycle(pool)
    follow_ups = [p for p in ws.emails() if message_id(p).startswith("aplicada.")]
    assert len(follow_ups) == 1
    assert "(seguimiento)" in ws.rows()[row - 2]["Validación: notificada el"]


def test_locked_workbook_is_reported_and_left_untouched(tmp_path, pool):
    ws = Workspace(tmp_path)
    lock = tmp_path / ".~lock.respuestas.xlsx#"
    lock.write_text("maria,equipo-escolares,2026-11-16")
    before = ws.workbook.read_bytes()
    with pytest.raises(SourceError, match="abierto en Excel o LibreOffice"):
        ws.cycle(pool)
    assert ws.workbook.read_bytes() == before
    lock.unlink()
    assert ws.cycle(pool).processed == len(EXPECTED)


def test_malformed_workbook_gets_a_clear_message(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.workbook.write_bytes(b"esto no es un libro de Excel")
    with pytest.raises(SourceError, match=r"no es un libro \.xlsx válido") as raised:
        ws.cycle(pool)
    assert "BadZipFile" not in str(raised.value)  # Spanish, not the library's class


def test_error_temporal_backs_off_then_succeeds_when_the_file_arrives(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    row = ws.column(ESTADO).index("ERROR TEMPORAL")
    assert "intento 1 de 5" in ws.rows()[row]["Validación: detalle"]
    assert ws.cycle(pool).processed == 0  # not due yet
    ws.clock.advance(6)
    assert ws.cycle(pool).processed == 1
    assert "intento 2 de 5" in ws.rows()[row]["Validación: detalle"]
    (tmp_path / "constancias" / "gabi-aun-sincronizando.pdf").write_bytes(
        (tmp_path / "constancias" / "fer.pdf").read_bytes()  # Gabriela's own constancia
    )
    ws.clock.advance(11)
    assert ws.cycle(pool).processed == 1
    assert ws.rows()[row][ESTADO] == "ACEPTADA"
    assert len([p for p in ws.emails() if message_id(p).startswith("resultado.")]) == len(EXPECTED)


def test_error_temporal_becomes_manual_review_after_max_attempts(tmp_path, pool):
    ws = Workspace(tmp_path, max_attempts=3)
    for _ in range(3):
        ws.cycle(pool)
        ws.clock.advance(60)
    row = next(r for r in ws.rows() if "gabi" in str(r.values()))
    assert row[ESTADO] == "REVISIÓN MANUAL"
    assert "tras 3 intentos" in row["Validación: detalle"]


def test_one_bad_row_never_stops_the_cycle(tmp_path, pool):
    ws = Workspace(tmp_path)
    (tmp_path / "constancias" / "rota.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Kids [")

    def spoil(sheet):
        header = [c.value for c in sheet[1]]
        archivo = header.index("Adjunta tu Constancia de Vigencia de Derechos (PDF)") + 1
        sheet.cell(3, 1).value = "ayer en la tarde"  # broken timestamp
        sheet.cell(4, archivo).value = "../../../../etc/passwd"
        sheet.cell(5, archivo).value = "constancias/rota.pdf"
        sheet.cell(6, header.index("Tipo de solicitud") + 1).value = "Cambio de clínica"

    ws.edit(spoil)
    report = ws.cycle(pool)
    assert report.processed == len(EXPECTED)
    rows, detail = ws.rows(), "Validación: detalle"
    assert rows[1][ESTADO] == "ERROR TEMPORAL" and "marca temporal" in rows[1][detail]
    assert rows[2][ESTADO] == "REVISIÓN MANUAL" and "fuera de la carpeta" in rows[2][detail]
    assert code(rows[3][MOTIVO]) == "ARCHIVO_ILEGIBLE"
    # a tipo that is neither alta nor baja is never a silent ALTA, and its constancia is
    # still checked: this one is from another day, which the student can fix now
    assert (rows[4][ESTADO], code(rows[4][MOTIVO])) == ("RECHAZADA", "FECHA_NO_COINCIDE")
    expected = [(LABEL.get(e, e), m) for e, m in EXPECTED]
    assert main_motivos(ws)[5:] == expected[5:] and main_motivos(ws)[0] == expected[0]


def test_dry_run_touches_nothing(tmp_path, pool):
    ws = Workspace(tmp_path)
    before = ws.workbook.read_bytes()
    report = ws.cycle(pool, dry_run=True)
    assert ws.workbook.read_bytes() == before
    assert not ws.config.ledger.exists()
    assert not ws.outbox.exists()
    assert any(c.value == "RECHAZADA" for c in report.planned_cells)
    assert len(report.planned_emails) == sum(1 for e, _ in EXPECTED if e != "ERROR_TEMPORAL")


def test_status_headers_are_created_once_to_the_right(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    ws.cycle(pool)
    header = list(ws.rows()[0].keys())
    status = [h for h in header if h.startswith("Validación:")]
    assert len(status) == len(STATUS_HEADERS)
    assert header[-len(STATUS_HEADERS) :] == status


def test_no_personal_data_in_message_ids_or_file_names(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    names = " ".join(p.name for p in ws.emails())
    for row in ws.rows():
        nss = str(row["Número de Seguridad Social (NSS)"])
        user = str(row["Dirección de correo electrónico"]).split("@")[0]
        assert nss not in names and user not in names


def test_dry_run_after_a_cycle_plans_nothing(tmp_path, pool):
    """Regression: a dry run ignored the ledger's sent emails and planned them all again."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    report = ws.cycle(pool, dry_run=True)
    assert report.planned_cells == [] and report.planned_emails == []


def test_the_log_says_the_estado_the_sheet_gets_for_a_duplicate(tmp_path, pool, caplog):
    """It logged «fila 16: ACEPTADA (SIN_VIGENCIA)» where CONCLUIDA was written: the line
    came before the duplicate was marked. Lines still come as rows are validated (a long
    first cycle shows its progress), and a duplicate's is said again as marked."""
    ws = Workspace(tmp_path)
    duplicate = next(i + 2 for i, (_, m) in enumerate(EXPECTED) if m == "SOLICITUD_DUPLICADA")

    with caplog.at_level("INFO", logger="facultativo.sync"):
        ws.cycle(pool)

    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("fila ")]
    mine = [line for line in said if line.startswith(f"fila {duplicate}: ")]
    assert mine[-1].startswith(f"fila {duplicate}: CONCLUIDA (")  # its last line is the sheet's
    assert "SOLICITUD_DUPLICADA" in mine[-1] and len(mine) == 2  # as validated, then as marked
    assert len({line.split(":")[0] for line in said}) == len(EXPECTED)
