"""What staff get in the status block (issue 25): pick-lists on the estado and on
«decisión del personal» that warn but take any text, and «procesada el» and «fecha de
constancia» as real dates, in the workbook (read back with openpyxl) and on Google (the
fake server keeps each setDataValidation and repeatCell it receives)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta

from openpyxl import load_workbook
from openpyxl.worksheet.datavalidation import DataValidation

from facultativo.sync.block import PICK_PROMPT
from facultativo.sync.sources import google_format
from tests.support import google_env as g
from tests.support.sheet import ESTADO, NOTIFICADA
from tests.support.system import require
from tests.support.workspace import Clock, Workspace

DECISION = "Validación: decisión del personal"
PROCESADA = "Validación: procesada el"
FECHA = "Validación: fecha de constancia"
ESTADO_LIST = [
    "ACEPTADA",
    "RECHAZADA",
    "CONCLUIDA",
    "ALTA APLICADA",
    "BAJA APLICADA",
    "REVISIÓN MANUAL",
]
DECISION_LIST = ESTADO_LIST[:-1]
DAY = datetime(2026, 11, 16)  # the demo's constancias are from that day
FIRST = datetime(2026, 11, 16, 11, 0)  # Clock() in Querétaro
ANA, BETO, GABI = 2, 3, 21  # sheet rows: ACEPTADA; unshared on Google; file still syncing


def _moment(serial: object) -> datetime:
    """A date cell as Google returns it UNFORMATTED: days since 1899-12-30."""
    assert isinstance(serial, float), f"not a date serial: {serial!r}"
    return datetime(1899, 12, 30) + timedelta(minutes=round(serial * 1440))


# --- the workbook -------------------------------------------------------------------


def _sheet(ws: Workspace):
    book = load_workbook(ws.workbook)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    return sheet, header


def _list_on(sheet, col: int, row: int):
    """The data validation openpyxl reads back on a cell (1-based column), or None."""
    letter = sheet.cell(1, col).column_letter
    found = [dv for dv in sheet.data_validations.dataValidation if f"{letter}{row}" in dv.sqref]
    return found[0] if found else None


def test_workbook_estado_offers_the_labels_as_a_pick_list_that_only_warns(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    sheet, header = _sheet(ws)
    col = header.index(ESTADO) + 1
    rule = _list_on(sheet, col, 2)
    assert rule is not None and rule.type == "list"
    assert rule.formula1 == '"' + ",".join(ESTADO_LIST) + '"'
    assert rule.errorStyle == "warning" and rule.showErrorMessage  # other text still goes in
    assert "No procede" in rule.error and rule.errorTitle == "Fuera de la lista"
    assert rule.showInputMessage and rule.prompt.startswith("Elige de la lista")
    assert _list_on(sheet, col, sheet.max_row + 500) is rule  # rows still to come
    assert _list_on(sheet, col, 1) is None  # never the header
    assert _list_on(sheet, header.index("Validación: motivo") + 1, 2) is None


def test_workbook_staff_decision_column_gets_its_pick_list_once_staff_add_it(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)

    def add_decision_column(sheet):
        sheet.cell(1, sheet.max_column + 1).value = DECISION

    ws.edit(add_decision_column)
    ws.set_status(ANA, None)  # a re-run: the next cycle writes
    ws.cycle(pool)
    sheet, header = _sheet(ws)
    rule = _list_on(sheet, header.index(DECISION) + 1, 2)
    assert rule is not None and rule.formula1 == '"' + ",".join(DECISION_LIST) + '"'
    assert rule.errorStyle == "warning"
    estado_lists = [dv for dv in sheet.data_validations.dataValidation if "ACEPTADA" in dv.formula1]
    assert len(estado_lists) == 2  # the estado's is not added twice


def _lists_on_column(sheet, col: int) -> list[tuple[str, str]]:
    letter = sheet.cell(1, col).column_letter
    return [
        (str(dv.sqref), dv.errorStyle)
        for dv in sheet.data_validations.dataValidation
        if any(r.min_col <= col <= r.max_col for r in dv.sqref.ranges) or letter in str(dv.sqref)
    ]


def test_workbook_a_staff_list_not_from_row_2_is_theirs_and_never_overlapped(tmp_path, pool):
    """Staff replaced the estado's list with their own from row 3 (J3:J500, «Alto»): it was
    not seen as a list, so facultativo added J2:J100000 over it (Excel repairs such a file,
    LibreOffice keeps one of the two). One an older version added over it is taken off."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    sheet, header = _sheet(ws)
    col = header.index(ESTADO) + 1
    letter = sheet.cell(1, col).column_letter

    def staff_list(sheet, older_version: bool = False):
        sheet.data_validations.dataValidation.clear()
        if older_version:  # ours from row 2 down, added over staff's
            ours = DataValidation(
                type="list",
                formula1='"' + ",".join(ESTADO_LIST) + '"',
                errorStyle="warning",
                showInputMessage=True,
                prompt=PICK_PROMPT,
            )
            ours.add(f"{letter}2:{letter}100000")
            sheet.add_data_validation(ours)
        rule = DataValidation(type="list", formula1='"Procede,No procede"', errorStyle="stop")
        rule.add(f"{letter}3:{letter}500")
        sheet.add_data_validation(rule)

    ws.edit(staff_list)
    ws.set_status(ANA, None)  # a re-run: the next cycle writes
    ws.cycle(pool)
    sheet, _ = _sheet(ws)
    assert _lists_on_column(sheet, col) == [(f"{letter}3:{letter}500", "stop")]

    ws.edit(lambda sheet: staff_list(sheet, older_version=True))  # as the older version left it
    sheet, _ = _sheet(ws)
    assert len(_lists_on_column(sheet, col)) == 2
    ws.set_status(ANA, None)
    ws.clock.advance(1)
    ws.cycle(pool)
    sheet, _ = _sheet(ws)
    assert _lists_on_column(sheet, col) == [(f"{letter}3:{letter}500", "stop")]


def test_workbook_list_cut_short_by_a_libreoffice_save_is_extended_when_rows_pass_it(
    tmp_path, pool
):
    """Saved in LibreOffice, the estado's list becomes J2:J1021: answers from row 1022 on
    had none."""
    require("soffice", packages="libreoffice-calc-nogui")
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    out = tmp_path / "guardado"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'perfil'}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(ws.workbook),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    shutil.copy(out / ws.workbook.name, ws.workbook)
    sheet, header = _sheet(ws)
    col = header.index(ESTADO) + 1
    letter = sheet.cell(1, col).column_letter
    ((cut, _),) = _lists_on_column(sheet, col)
    last = int(cut.split(":")[1].lstrip(letter))
    assert last < 100_000

    def answer_below(sheet):
        values = [c.value for c in sheet[2]][: header.index(ESTADO)]
        values[0] = values[0] + timedelta(minutes=5)
        values[header.index("Dirección de correo electrónico")] = "nuevo@alumnos.example.mx"
        for i, value in enumerate(values, start=1):
            sheet.cell(last + 1, i).value = value

    ws.edit(answer_below)
    ws.clock.advance(10)
    ws.cycle(pool)
    sheet, _ = _sheet(ws)
    assert sheet.cell(last + 1, col).value  # its verdict
    assert _lists_on_column(sheet, col) == [(f"{letter}2:{letter}{100_000}", "warning")]


def test_workbook_dates_are_date_cells_with_a_spanish_format(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    sheet, header = _sheet(ws)
    processed = sheet.cell(ANA, header.index(PROCESADA) + 1)
    issued = sheet.cell(ANA, header.index(FECHA) + 1)
    assert processed.is_date and processed.value == FIRST
    assert processed.number_format == "dd/mm/yyyy hh:mm"
    assert issued.is_date and issued.value == DAY and issued.number_format == "dd/mm/yyyy"
    assert sheet.cell(GABI, header.index(FECHA) + 1).value in (None, "")  # nothing read
    notified = sheet.cell(ANA, header.index(NOTIFICADA) + 1).value
    assert isinstance(notified, str) and notified.startswith("2026-11-16 11:00")


def test_workbook_a_retried_row_gets_its_new_date_over_the_date_read_back(tmp_path, pool):
    """A date read back as a datetime is the one facultativo wrote, not a staff note: the
    file-still-syncing row, tried again, shows the time of its new try."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    ws.clock.advance(60)
    ws.cycle(pool)
    sheet, header = _sheet(ws)
    assert sheet.cell(GABI, header.index(ESTADO) + 1).value == "ERROR TEMPORAL"
    assert sheet.cell(GABI, header.index(PROCESADA) + 1).value == FIRST + timedelta(hours=1)
    assert "(intento 2 de 5; reintento después de 16/11/2026 " in str(
        sheet.cell(GABI, header.index("Validación: detalle") + 1).value
    )


def test_workbook_from_before_the_dates_keeps_its_text_and_sees_no_staff_edit(tmp_path, pool):
    """A workbook written by the version before: text dates, no pick-list. After the
    upgrade its text dates are facultativo's own (no staff note, no email), the row tried
    again gets a date, and the pick-list is added."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before = ws.emails()

    def as_before(sheet):
        header = [c.value for c in sheet[1]]
        for title, shown in ((PROCESADA, "%Y-%m-%d %H:%M"), (FECHA, "%Y-%m-%d")):
            for row in range(2, sheet.max_row + 1):
                cell = sheet.cell(row, header.index(title) + 1)
                if isinstance(cell.value, datetime):
                    cell.value, cell.number_format = cell.value.strftime(shown), "General"
        sheet.data_validations.dataValidation.clear()

    ws.edit(as_before)
    ws.clock.advance(60)
    ws.cycle(pool)
    sheet, header = _sheet(ws)
    assert sheet.cell(ANA, header.index(PROCESADA) + 1).value == "2026-11-16 11:00"
    assert sheet.cell(ANA, header.index(FECHA) + 1).value == "2026-11-16"
    assert sheet.cell(GABI, header.index(PROCESADA) + 1).value == FIRST + timedelta(hours=1)
    assert ws.emails() == before
    assert _list_on(sheet, header.index(ESTADO) + 1, 2) is not None


# --- Google ----------------------------------------------------------------------------


def _col(book, title: str) -> int:
    return book.sheets[0].rows[0].index(title)


def _cell(book, row: int, title: str):
    values = book.sheets[0].rows[row - 1]
    col = _col(book, title)
    return values[col] if col < len(values) else ""


def _setup_batches(fake) -> list[list[dict]]:
    return [b for b in fake.batches if any("setDataValidation" in r for r in b)]


def test_google_estado_and_decision_get_pick_lists_in_the_block_setup_batch(tmp_path, fake, pool):
    rows = [[*r, ""] for r in g.demo_rows(fake)]  # the Form, and staff's decision column
    book = g.spreadsheet(fake, rows)
    book.sheets[0].rows[0] = [*g.HEADERS, DECISION]
    fake.reset_log()
    g.cycle(g.config(tmp_path, fake), pool)
    sheet = book.sheets[0]
    assert fake.calls("sheets.write") == 2  # one spreadsheets.batchUpdate, one values batch
    (batch,) = fake.batches
    kinds = {next(iter(r)) for r in batch}
    assert {"addConditionalFormatRule", "setDataValidation", "repeatCell"} <= kinds
    for title, labels in ((ESTADO, ESTADO_LIST), (DECISION, DECISION_LIST)):
        col = _col(book, title)
        rule = sheet.validation_at(1, col)
        assert rule is not None and rule["condition"]["type"] == "ONE_OF_LIST"
        assert [v["userEnteredValue"] for v in rule["condition"]["values"]] == labels
        assert rule["strict"] is False and rule["showCustomUi"] is True
        assert rule["inputMessage"].startswith("Elige de la lista")
        assert sheet.validation_at(len(sheet.rows) - 1, col) == rule
        assert sheet.validation_at(0, col) is None  # never the header
    assert sheet.validation_at(1, _col(book, "Validación: motivo")) is None


def test_google_dates_are_serial_numbers_under_a_spanish_date_format(tmp_path, fake, pool):
    book = g.spreadsheet(fake, g.demo_rows(fake))
    g.cycle(g.config(tmp_path, fake), pool, Clock())
    sheet = book.sheets[0]
    processed, issued = _cell(book, ANA, PROCESADA), _cell(book, ANA, FECHA)
    assert _moment(processed) == FIRST and _moment(issued) == DAY  # serials, written RAW
    assert sheet.number_format_at(ANA - 1, _col(book, PROCESADA)) == {
        "type": "DATE_TIME",
        "pattern": "dd/mm/yyyy hh:mm",
    }
    assert sheet.number_format_at(ANA - 1, _col(book, FECHA)) == {
        "type": "DATE",
        "pattern": "dd/mm/yyyy",
    }
    assert str(_cell(book, ANA, NOTIFICADA)).startswith("2026-11-16 11:00")  # text still


def test_google_a_retried_row_gets_its_new_date_over_the_serial_read_back(tmp_path, fake, pool):
    """Read back UNFORMATTED, a date is a serial number: it is the one facultativo wrote,
    not a staff note, so the row tried again shows the time of its new verdict."""
    book = g.spreadsheet(fake, g.demo_rows(fake))
    fake.files["1Drv001betoxyz"].shared = False
    clock, path = Clock(), g.config(tmp_path, fake)
    g.cycle(path, pool, clock)
    assert _cell(book, BETO, ESTADO) == "ERROR TEMPORAL"
    fake.files["1Drv001betoxyz"].shared = True
    clock.advance(30)
    g.cycle(path, pool, clock)
    assert _cell(book, BETO, ESTADO) != "ERROR TEMPORAL"
    assert _moment(_cell(book, BETO, PROCESADA)) == FIRST + timedelta(minutes=30)
    assert _moment(_cell(book, BETO, FECHA)) == DAY


def test_google_sheet_from_before_the_dates_keeps_its_text_and_sees_no_staff_edit(
    tmp_path, fake, pool
):
    """A sheet written by the version before: text dates, no pick-lists, no record of
    them. Its text dates are facultativo's own (no staff note, nothing mailed again), the
    row decided again gets a date, and the lists and formats come in one batch."""
    book = g.spreadsheet(fake, g.demo_rows(fake))
    fake.files["1Drv001betoxyz"].shared = False
    clock, path = Clock(), g.config(tmp_path, fake)
    g.cycle(path, pool, clock)
    sheet = book.sheets[0]
    for title, shown in ((PROCESADA, "%Y-%m-%d %H:%M"), (FECHA, "%Y-%m-%d")):
        col = _col(book, title)
        for values in sheet.rows[1:]:
            if isinstance(values[col], float):
                values[col] = _moment(values[col]).strftime(shown)
    sheet.data_validations.clear()
    sheet.formats.clear()
    sheet.developer_metadata = [
        m for m in sheet.developer_metadata if m["metadataKey"] == "facultativo"
    ]
    sent = len(list((tmp_path / "outbox").glob("*.eml")))
    fake.files["1Drv001betoxyz"].shared = True
    clock.advance(30)
    fake.batches.clear()
    g.cycle(path, pool, clock)
    assert _cell(book, ANA, PROCESADA) == "2026-11-16 11:00"
    assert _cell(book, ANA, FECHA) == "2026-11-16"
    assert _moment(_cell(book, BETO, PROCESADA)) == FIRST + timedelta(minutes=30)
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == sent + 1  # Beto's result only
    assert len(_setup_batches(fake)) == 1
    assert sheet.validation_at(1, _col(book, ESTADO))["strict"] is False


def test_google_ordinary_cycles_send_no_formatting_until_answers_pass_the_dressed_rows(
    tmp_path, fake, pool, monkeypatch
):
    """The lists and formats reach `SPARE_ROWS` past the last answer (the tab grows for
    them); a cycle whose answers stay within sends no spreadsheets.batchUpdate (4 Sheets
    calls), the one whose answers pass them sends one, reaching further down."""
    monkeypatch.setattr(google_format, "SPARE_ROWS", 3)
    rows = g.demo_rows(fake)
    book = g.spreadsheet(fake, rows)
    sheet = book.sheets[0]
    sheet.row_count = 22  # the header, 20 answers and one empty row
    path, clock = g.config(tmp_path, fake), Clock()
    g.cycle(path, pool, clock)
    assert sheet.grid_rows == 21 + 3
    estado = _col(book, ESTADO)
    assert sheet.validation_at(23, estado) and sheet.validation_at(24, estado) is None

    def answer(n: int) -> list:
        return [rows[1][0] + n / 86400, f"nuevo{n}@alumnos.example.mx", *rows[1][2:]]

    for n in range(3):
        book.append(answer(n))
    fake.reset_log()
    fake.batches.clear()
    g.cycle(path, pool, clock)
    assert fake.calls("sheets.read") + fake.calls("sheets.write") == 4
    assert fake.batches == []
    book.append(answer(3))  # row 25: past the rows dressed
    g.cycle(path, pool, clock)
    (batch,) = fake.batches
    assert any(r.get("appendDimension", {}).get("dimension") == "ROWS" for r in batch)
    assert sheet.grid_rows == 25 + 3
    assert sheet.validation_at(24, estado)["strict"] is False
    assert sheet.validation_at(27, estado) and sheet.validation_at(28, estado) is None
    assert sheet.number_format_at(24, _col(book, PROCESADA))["type"] == "DATE_TIME"
    assert isinstance(_cell(book, 25, PROCESADA), float)


def test_google_a_decision_column_staff_add_gets_its_list_alone(tmp_path, fake, pool):
    """Staff add «decisión del personal» to a dressed sheet: its list was sent with the
    estado's list and both date formats again (over whatever staff had set since)."""
    book = g.spreadsheet(fake, g.demo_rows(fake))
    sheet = book.sheets[0]
    path, clock = g.config(tmp_path, fake), Clock()
    g.cycle(path, pool, clock)
    sheet.rows[0].append(DECISION)
    sheet.column_count = max(sheet.column_count, len(sheet.rows[0]))
    sheet.rows[ANA - 1][_col(book, ESTADO)] = ""  # a re-run: the next cycle writes
    book.touch()
    fake.batches.clear()
    clock.advance(30)

    g.cycle(path, pool, clock)

    (batch,) = _setup_batches(fake)
    kinds = [next(iter(r)) for r in batch]
    assert kinds.count("setDataValidation") == 1 and "repeatCell" not in kinds
    (sent,) = [r["setDataValidation"] for r in batch if "setDataValidation" in r]
    assert sent["range"]["startColumnIndex"] == _col(book, DECISION)
    rule = sheet.validation_at(1, _col(book, DECISION))
    assert [v["userEnteredValue"] for v in rule["condition"]["values"]] == DECISION_LIST
    assert sheet.validation_at(len(sheet.rows) - 1, _col(book, DECISION)) == rule

    fake.batches.clear()
    sheet.rows[ANA - 1][_col(book, ESTADO)] = ""
    book.touch()
    clock.advance(30)
    g.cycle(path, pool, clock)
    assert _setup_batches(fake) == []  # recorded: not sent again
