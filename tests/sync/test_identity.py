"""One response, one identity; one sheet, one owner (issue 21). Each test is a scenario
that once mailed students wrongly or never answered them, on the local workbook; the
Google ones against the in-repo fake Google server."""

from __future__ import annotations

import email
import shutil
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from facultativo.sync.block import DEFAULT_BLOCK
from facultativo.sync.sources import SourceError
from facultativo.validators import Motivo
from facultativo.validators.motivos import motivo_cell
from tests.support import google_env as g
from tests.support.sheet import ESTADO, LABEL, MOTIVO, NOTIFICADA
from tests.support.workspace import EXPECTED, Crash, Workspace, code, codes, crash_at

STATUS_HEADERS = DEFAULT_BLOCK.titles  # the demo's block (no prefijo)

TZ = ZoneInfo("America/Mexico_City")
EMAIL = "Dirección de correo electrónico"
ID = STATUS_HEADERS["id"]
MAILED = sum(1 for e, _ in EXPECTED if e != "ERROR_TEMPORAL")
RETRIED = len(EXPECTED) - MAILED  # ERROR TEMPORAL rows: tried again each cycle, never mailed


def recipients(ws: Workspace) -> list[str]:
    return [email.message_from_bytes(p.read_bytes())["To"] for p in ws.emails()]


def header(sheet) -> list[str]:
    return [c.value for c in sheet[1]]


def strip_block(path) -> None:
    """What the Form's own export looks like: the answers, no «Validación» columns."""
    book = load_workbook(path)
    sheet = book.worksheets[0]
    first = header(sheet).index(ESTADO) + 1
    sheet.delete_cols(first, len(STATUS_HEADERS))
    for name in list(book.sheetnames):
        if name != sheet.title:
            del book[name]
    book.save(path)


def set_cell(ws: Workspace, row: int, title: str, value) -> None:
    def change(sheet):
        sheet.cell(row, header(sheet).index(title) + 1).value = value

    ws.edit(change)


def test_a_test_workbook_then_the_real_sheet_mails_nobody(tmp_path, pool):
    """The first-day rule asked «have I ever worked?»: a ledger that had worked a test
    workbook mailed the real sheet's 19 hand-handled students."""
    ws = Workspace(tmp_path)
    real = tmp_path / "real.xlsx"
    shutil.copy(ws.workbook, real)
    ws.cycle(pool)  # the test workbook, processed and mailed
    sent = len(ws.emails())

    def other_students(sheet):  # the real Form: other answers, handled by hand
        for r in range(2, sheet.max_row + 1):
            sheet.cell(r, 1).value = sheet.cell(r, 1).value - timedelta(days=20)
            address = sheet.cell(r, 2).value
            sheet.cell(r, 2).value = address.replace("@", ".real@")

    book = load_workbook(real)
    other_students(book.worksheets[0])
    book.save(real)
    shutil.copy(real, ws.workbook)  # IT points the campus at the real sheet
    ws.campus = replace(ws.campus, desde=None)
    with pytest.raises(SourceError, match="desde"):
        ws.cycle(pool)
    assert len(ws.emails()) == sent
    assert ESTADO not in ws.rows()[0]


def test_anterior_rows_survive_a_lost_block_after_desde_is_removed(tmp_path, pool):
    """ANTERIOR rows were not in the ledger: with `desde` gone and the block lost (a fresh
    export), 12 hand-handled students were validated and mailed."""
    start = datetime(2026, 11, 16, 10, 0, tzinfo=TZ)
    ws = Workspace(tmp_path, desde=start)
    export = tmp_path / "export.xlsx"
    shutil.copy(ws.workbook, export)
    ws.cycle(pool)
    anteriores = [i for i, e in enumerate(ws.column(ESTADO)) if e == "ANTERIOR"]
    assert len(anteriores) >= 5
    sent = len(ws.emails())
    ws.campus = replace(ws.campus, desde=None)
    shutil.copy(export, ws.workbook)
    report = ws.cycle(pool)
    assert report.processed == 0 and len(ws.emails()) == sent
    estados = ws.column(ESTADO)
    assert [i for i, e in enumerate(estados) if e == "ANTERIOR"] == anteriores
    assert report.restored == len(ws.rows())
    ws.edit(lambda sheet: sheet.delete_cols(header(sheet).index(ESTADO) + 1, 8))
    assert ws.cycle(pool).processed == 0 and len(ws.emails()) == sent


def test_a_fixed_address_beside_an_identical_block_is_answered_once(tmp_path, pool):
    """The key held the address: a corrected one made a new key, and a row with an
    identical block made it look like staff's. No email, «fallidos 0»."""
    ws = Workspace(tmp_path)
    sin_adjunto = [m for _, m in EXPECTED].index("SIN_ADJUNTO") + 2

    def twin(sheet):  # a second student without a file, answering in the same minute
        values = [c.value for c in sheet[sin_adjunto]][:9]
        values[1] = "marina.gue rrero@alumnos.example.mx"  # mistyped: not valid
        values[0] = values[0] + timedelta(seconds=20)
        sheet.append(values)

    ws.edit(twin)
    ws.cycle(pool)
    last = len(ws.rows()) + 1
    notified = ws.column(NOTIFICADA)
    assert str(notified[last - 2]).startswith("ERROR")
    rows = ws.rows()
    block = lambda r: tuple(r[h] for h in (ESTADO, MOTIVO, "Validación: detalle"))  # noqa: E731
    assert block(rows[last - 2]) == block(rows[sin_adjunto - 2])  # identical blocks
    sent = len(ws.emails())
    set_cell(ws, last, EMAIL, "marina.guerrero2@alumnos.example.mx")
    report = ws.cycle(pool)
    assert report.processed == 0
    assert len(ws.emails()) == sent + 1
    assert recipients(ws).count("marina.guerrero2@alumnos.example.mx") == 1
    assert not str(ws.column(NOTIFICADA)[last - 2]).startswith("ERROR")
    ws.cycle(pool)
    assert len(ws.emails()) == sent + 1


def test_an_edited_response_keeps_the_person_and_is_decided_again(tmp_path, pool):
    """A student edits the Form response (new timestamp, now with the PDF): the same
    person, decided again on the new file, one new email."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    sent = len(ws.emails())
    row = 13  # SIN_ADJUNTO
    ident = ws.column(ID)[row - 2]
    attached = ws.rows()[1]["Adjunta tu Constancia de Vigencia de Derechos (PDF)"]

    def edit(sheet):
        sheet.cell(row, 1).value = sheet.cell(row, 1).value + timedelta(minutes=7)
        sheet.cell(row, 9).value = attached  # beto's constancia: not hers, but a file

    ws.edit(edit)
    report = ws.cycle(pool)
    assert report.processed == 1
    assert ws.column(ID)[row - 2] == ident
    assert code(ws.column(MOTIVO)[row - 2]) != "SIN_ADJUNTO"
    assert len(ws.emails()) == sent + 1
    assert ws.cycle(pool).processed == 0


def test_clearing_many_estados_beside_their_ids_re_runs_them_all(tmp_path, pool):
    """After a config fix staff cleared 19 estados to re-run them; facultativo restored
    the wrong verdicts «desde la bitácora». Only two at a time re-ran."""
    ws = Workspace(tmp_path)
    wrong = replace(
        ws.campus.policy, registros_patronales=("Z9999999999",), institutions=("OTRA ESCUELA",)
    )
    right = ws.campus.policy
    ws.campus = replace(ws.campus, policy=wrong)
    ws.cycle(pool)
    before = codes(ws.column(MOTIVO))
    sent = len(ws.emails())
    ws.campus = replace(ws.campus, policy=right)

    def clear_estados(sheet):
        col = header(sheet).index(ESTADO) + 1
        for r in range(2, sheet.max_row + 1):
            sheet.cell(r, col).value = None

    ws.edit(clear_estados)
    report = ws.cycle(pool)
    assert report.restored == 0
    assert report.processed == len(EXPECTED)
    after = codes(ws.column(MOTIVO))
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed  # the fixed registro patronal changed some verdicts
    assert after == [m for _, m in EXPECTED]
    assert len(ws.emails()) == sent + len(changed)


def test_a_deleted_notificada_column_comes_back_with_its_values(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before = ws.column(NOTIFICADA)
    assert sum(1 for v in before if v) == MAILED
    ws.edit(lambda sheet: sheet.delete_cols(header(sheet).index(NOTIFICADA) + 1, 1))
    sent = len(ws.emails())
    ws.cycle(pool)
    assert ws.column(NOTIFICADA) == before
    assert len(ws.emails()) == sent


def test_two_ledgers_on_one_sheet_the_second_refuses(tmp_path, pool):
    """Config and ledger copied to a second folder: both mailed every new answer."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    sent = len(ws.emails())
    copy = tmp_path / "segunda"
    copy.mkdir()
    shutil.copy(ws.config.ledger, copy / "facultativo.db")
    second = replace(ws.config, ledger=copy / "facultativo.db")
    first_config, ws.config = ws.config, second
    with pytest.raises(SourceError, match="adoptar"):
        ws.cycle(pool)  # a copied ledger: it was made elsewhere
    fresh = replace(ws.config, ledger=copy / "nueva.db")
    ws.config = fresh
    with pytest.raises(SourceError, match="otra bitácora"):
        ws.cycle(pool)  # a new ledger: the sheet is marked by the first
    assert len(ws.emails()) == sent
    ws.config = first_config
    assert ws.cycle(pool).processed == 0


def anas_request_from(ws: Workspace, pool, later: timedelta, address: str, name) -> dict:
    """Ana's alta applied; then her NSS, CURP and PDF arrive from `address` as `name`."""
    ws.cycle(pool)
    set_cell(ws, 2, ESTADO, "ALTA APLICADA")
    ws.cycle(pool)

    def stranger(sheet):
        values = [c.value for c in sheet[2]][:9]
        values[0], values[1], values[2] = values[0] + later, address, name
        sheet.append(values)

    ws.edit(stranger)
    ws.cycle(pool)
    return ws.rows()[-1]


def test_someone_elses_request_with_anas_nss_is_not_her_duplicate(tmp_path, pool):
    """Another person's name and address, Ana's NSS and PDF, on another day: it became
    CONCLUIDA as her duplicate, and its email told a stranger her alta was applied."""
    ws = Workspace(tmp_path)
    last = anas_request_from(ws, pool, timedelta(days=3), "intruso@example.com", "Pedro Páramo")
    assert last[ESTADO] != "CONCLUIDA"
    assert code(last[MOTIVO]) != "SOLICITUD_DUPLICADA"
    mail = next(p for p in ws.emails() if "intruso" in p.read_text("utf-8", "replace"))
    assert "ya quedó aplicada" not in mail.read_text("utf-8", "replace")


def test_joined_motivo_texts_start_each_sentence_with_a_capital():
    text = motivo_cell(
        [Motivo.FECHA_NO_COINCIDE, Motivo.CURP_NO_COINCIDE, Motivo.NOMBRE_NO_COINCIDE]
    )
    assert ". el " not in text and "solicitud. El nombre" not in text
    assert "Además: la CURP" in text and "constancia. El nombre" in text


def test_google_sheet_is_marked_and_a_second_ledger_is_refused(tmp_path, fake, pool):
    book = g.spreadsheet(fake, g.demo_rows(fake))
    first = tmp_path / "uno"
    first.mkdir()
    g.cycle(g.config(first, fake), pool)
    meta = book.sheets[0].developer_metadata
    # the mark, once, and how far the pick-lists and date formats reach (the same batch)
    assert sorted(m["metadataKey"] for m in meta) == ["facultativo", "facultativo.formato"]
    ids = g.column(book, ID)
    assert all(ids) and len(set(ids)) == len(ids)
    sent = len(list((first / "outbox").glob("*.eml")))
    second = tmp_path / "dos"
    second.mkdir()
    with pytest.raises(SourceError, match="otra bitácora"):
        g.cycle(g.config(second, fake), pool)
    assert not (second / "outbox").exists()
    report = g.cycle(g.config(first, fake), pool)
    assert report.processed == RETRIED
    assert len(list((first / "outbox").glob("*.eml"))) == sent


def test_google_bulk_clear_beside_ids_re_runs_and_a_sort_keeps_each_id(tmp_path, fake, pool):
    book = g.spreadsheet(fake, g.demo_rows(fake))
    path = g.config(tmp_path, fake)
    g.cycle(path, pool)
    sheet = book.sheets[0]
    col = sheet.rows[0].index(ESTADO)
    by_id = {r[sheet.rows[0].index(ID)]: r[col] for r in sheet.rows[1:]}
    sheet.rows[1:] = list(reversed(sheet.rows[1:]))  # staff sort whole rows
    for r in sheet.rows[1:]:
        r[col] = ""
    report = g.cycle(path, pool)
    assert report.restored == 0 and report.processed == len(EXPECTED)
    after = {r[sheet.rows[0].index(ID)]: r[col] for r in sheet.rows[1:]}
    assert after == by_id


def test_a_lost_ledger_is_refused_then_adopted_without_a_single_email(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    sent = len(ws.emails())
    ws.config.ledger.unlink()
    with pytest.raises(SourceError, match="adoptar"):
        ws.cycle(pool)
    from facultativo.commands.adoptar import adopt

    assert adopt(ws.config, ws.campus) > 0
    report = ws.cycle(pool)
    assert report.processed == RETRIED and len(ws.emails()) == sent


def test_anas_nss_and_pdf_from_another_address_goes_to_staff_and_reveals_nothing(tmp_path, pool):
    """Attack: Ana's NSS, CURP and PDF, her name or none, from another address: it was
    CONCLUIDA «ya aplicada», told to the stranger."""
    ws = Workspace(tmp_path)
    last = anas_request_from(ws, pool, timedelta(hours=2), "mallory@example.com", None)
    assert last[ESTADO] == "REVISIÓN MANUAL"
    mail = next(p for p in ws.emails() if "mallory" in p.read_text("utf-8", "replace"))
    assert "aplicada" not in mail.read_text("utf-8", "replace").lower()


def test_a_cleared_estado_and_a_fixed_address_in_one_edit_mail_the_new_address(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    sent = len(ws.emails())

    def both(sheet):
        sheet.cell(3, header(sheet).index(ESTADO) + 1).value = None
        sheet.cell(3, header(sheet).index(EMAIL) + 1).value = "alberto.nuevo@alumnos.example.mx"

    ws.edit(both)
    ws.cycle(pool)
    assert len(ws.emails()) == sent + 1
    assert "alberto.nuevo@alumnos.example.mx" in recipients(ws)


def test_the_first_day_refusal_suggests_a_desde_after_every_answer(tmp_path, pool):
    ws = Workspace(tmp_path, desde=None)
    with pytest.raises(SourceError, match='desde = "2026-11-16T') as refused:
        ws.cycle(pool)
    suggested = datetime.fromisoformat(str(refused.value).split('desde = "')[1][:16])
    assert all(r["Marca temporal"] < suggested for r in ws.rows())
    assert ws.emails() == []


def test_a_rerun_that_keeps_its_verdict_and_dies_after_recording_mails_nobody(tmp_path, pool):
    """Found by the stateful test: estados cleared, the process killed right after the new
    verdicts were recorded; the next cycle mailed the same verdicts to 10 students again."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    sent = len(ws.emails())

    def clear_estados(sheet):
        col = header(sheet).index(ESTADO) + 1
        for r in range(2, sheet.max_row + 1):
            sheet.cell(r, col).value = None

    ws.edit(clear_estados)
    with pytest.raises(Crash):
        ws.cycle(pool, checkpoint=crash_at("recorded"))
    ws.cycle(pool)
    assert len(ws.emails()) == sent
    assert codes(ws.column(MOTIVO)) == [m for _, m in EXPECTED]


def test_a_sheet_whose_mark_was_deleted_is_refused_by_a_new_ledger(tmp_path, pool):
    """Attack: Excel's document inspector removed the hidden mark; a new, empty ledger then
    took the sheet over silently. The ids in the block still say it is another's."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    sent = len(ws.emails())

    def remove_mark(book_path):
        book = load_workbook(book_path)
        del book["facultativo"]
        book.save(book_path)

    remove_mark(ws.workbook)
    ws.config = replace(ws.config, ledger=tmp_path / "nueva.db")
    with pytest.raises(SourceError, match="adoptar"):
        ws.cycle(pool)
    assert len(ws.emails()) == sent


def test_an_edited_answer_whose_block_was_deleted_keeps_its_id_and_is_not_remailed(tmp_path, pool):
    """Attack: a new timestamp (an edit with the same file), then the block's columns
    deleted: the row got a new id and the same email again."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    sent = len(ws.emails())
    row = [m for _, m in EXPECTED].index("VIGENTE_OTRA_INSTITUCION") + 2
    ident = ws.column(ID)[row - 2]

    def edit_then_delete_block(sheet):
        sheet.cell(row, 1).value = sheet.cell(row, 1).value + timedelta(minutes=3)
        sheet.delete_cols(header(sheet).index(ESTADO) + 1, len(STATUS_HEADERS))

    ws.edit(edit_then_delete_block)
    ws.cycle(pool)
    assert ws.column(ID)[row - 2] == ident
    assert code(ws.column(MOTIVO)[row - 2]) == "VIGENTE_OTRA_INSTITUCION"
    assert len(ws.emails()) == sent


def test_an_address_changed_back_and_forth_hears_each_verdict_once(tmp_path, pool):
    """Attack: an address corrected, put back, corrected again mailed the same verdict
    three times; a re-export that brings the old address back did the same."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    sent = len(ws.emails())
    row = [m for _, m in EXPECTED].index("VIGENTE_OTRA_INSTITUCION") + 2
    original = ws.column(EMAIL)[row - 2]
    for address in ("diego.t@gmail.com", original, "diego.t@gmail.com", original):
        set_cell(ws, row, EMAIL, address)
        ws.cycle(pool)
    assert len(ws.emails()) == sent + 1
    assert recipients(ws).count("diego.t@gmail.com") == 1
    assert recipients(ws).count(original) == 1


def test_an_address_put_back_and_corrected_again_with_the_block_lost_keeps_the_person(
    tmp_path, pool
):
    """Second attack: a corrected address, a re-export with the old one, then one with the
    new one again: the row became a new person and the same address heard ACEPTADA twice."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    ident = ws.column(ID)[1]
    original = ws.column(EMAIL)[1]

    def export_with(address):
        def change(sheet):
            sheet.cell(3, header(sheet).index(EMAIL) + 1).value = address
            if ESTADO in header(sheet):
                sheet.delete_cols(header(sheet).index(ESTADO) + 1, len(STATUS_HEADERS))

        return change

    set_cell(ws, 3, EMAIL, "beto2@example.com")
    ws.cycle(pool)
    sent = len(ws.emails())
    for address in (original, "beto2@example.com"):
        ws.edit(export_with(address))
        ws.cycle(pool)
    assert ws.column(ID)[1] == ident
    assert len(ws.emails()) == sent


def test_a_ledger_that_worked_a_copy_is_refused_on_the_real_sheet_without_its_mark(tmp_path, pool):
    """Second attack: a second install that had worked an identical copy of the answers
    took the real sheet over once its hidden mark was deleted, and locked the first out."""
    first = Workspace(tmp_path / "uno")
    first.cycle(pool)
    second = Workspace(tmp_path / "dos")
    second.cycle(pool)  # the same answers, in its own copy
    sent = len(second.emails())
    book = load_workbook(first.workbook)
    del book["facultativo"]
    book.save(second.workbook)  # the second install pointed at the real sheet
    with pytest.raises(SourceError, match="adoptar"):
        second.cycle(pool)
    assert len(second.emails()) == sent
    shutil.copy(second.workbook, first.workbook)
    first.clock.advance(60)  # the ERROR TEMPORAL row is due again
    assert first.cycle(pool).processed == RETRIED  # the first one still works it


def test_a_restore_fills_only_the_empty_cells_and_keeps_staff_notes(tmp_path, pool):
    """A renamed estado header restores the block from the ledger: it wrote every cell
    back, over the note staff had typed in «detalle» and the NSS read (masked in the
    ledger's copy)."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    nss = ws.column("Validación: NSS leído")
    set_cell(ws, 5, "Validación: detalle", "Hablamos con Diego por teléfono el lunes.")
    ws.edit(lambda sheet: sheet.cell(1, header(sheet).index(ESTADO) + 1, "Estado (Lupita)"))
    sent = len(ws.emails())
    assert ws.cycle(pool).restored == len(EXPECTED)
    assert ws.column("Validación: detalle")[3] == "Hablamos con Diego por teléfono el lunes."
    assert ws.column("Validación: NSS leído") == nss
    assert ws.column(ESTADO) == [LABEL.get(e, e) for e, _ in EXPECTED]
    assert len(ws.emails()) == sent


def test_a_note_on_an_anterior_row_survives_a_renamed_estado_header(tmp_path, pool):
    """Found by the stateful test: the ANTERIOR note was written back over staff's note."""
    ws = Workspace(tmp_path, desde=datetime(2026, 11, 16, 10, 0, tzinfo=TZ))
    ws.cycle(pool)
    assert ws.column(ESTADO)[0] == "ANTERIOR"
    set_cell(ws, 2, "Validación: detalle", "Atendida a mano en octubre.")
    ws.edit(lambda sheet: sheet.cell(1, header(sheet).index(ESTADO) + 1, "Estado (Lupita)"))
    ws.cycle(pool)
    assert ws.column(ESTADO)[0] == "ANTERIOR"
    assert ws.column("Validación: detalle")[0] == "Atendida a mano en octubre."


def test_an_answer_edited_after_a_fresh_export_is_the_same_person(tmp_path, pool):
    """Found by the stateful test: a fresh export (no mark, no block), then Ana edited her
    answer: a new person, and the same «aceptada» went to her twice."""
    ws = Workspace(tmp_path)
    export = tmp_path / "export.xlsx"
    shutil.copy(ws.workbook, export)
    ws.cycle(pool)
    sent = len(ws.emails())
    shutil.copy(export, ws.workbook)
    row = [m for _, m in EXPECTED].index("SIN_VIGENCIA") + 2

    def edit(sheet):
        sheet.cell(row, 1).value = sheet.cell(row, 1).value + timedelta(minutes=1)

    ws.edit(edit)
    ws.cycle(pool)
    assert len(ws.emails()) == sent
