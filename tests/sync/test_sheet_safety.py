"""The right verdict on the right row, and the ledger as the memory of what was decided
and sent. Each test pins a finding that once reached real students: whole sheets
re-mailed after a renamed header, verdicts on other students' rows after a sort,
a dry run that promised no emails right before a real run sent them.
"""

from __future__ import annotations

import shutil

import pytest

from facultativo.config import load
from facultativo.sync.block import COLOURS, DEFAULT_BLOCK
from facultativo.sync.cycle import run_cycle
from facultativo.sync.privacy import mask_nss
from facultativo.sync.sources import SourceError
from facultativo.wiring import open_runtime
from tests.support import google_env as g
from tests.support.google_env import cycle
from tests.support.sheet import ESTADO, LABEL, MOTIVO, NOTIFICADA, main_motivos
from tests.support.workspace import EXPECTED, Workspace, code, codes

STATUS_HEADERS = DEFAULT_BLOCK.titles  # the demo's block (no prefijo)

EMAIL = "Dirección de correo electrónico"
NSS_LEIDO = "Validación: NSS leído"
MAILED = sum(1 for e, _ in EXPECTED if e != "ERROR_TEMPORAL")


def verdicts_by_email(ws: Workspace) -> dict[tuple, tuple]:
    """Each response's verdict, by what identifies it (not by its row)."""
    return {
        (r["Marca temporal"], r[EMAIL]): (
            r[ESTADO],
            code(r[MOTIVO]),
            _nss(r[NSS_LEIDO]),
        )
        for r in ws.rows()
    }


def _nss(value: object) -> str:
    """A restored NSS read that differs from the typed one comes back masked (the ledger
    keeps no full NSS): compare the part that survives."""
    return mask_nss(str(value)) if value else ""


def _header(sheet) -> list[str]:
    return [c.value for c in sheet[1]]


def clear_block(sheet) -> None:
    """Staff select the whole status block and press Delete."""
    col = _header(sheet).index(ESTADO) + 1
    for r in range(2, sheet.max_row + 1):
        for c in range(col, col + len(STATUS_HEADERS)):
            sheet.cell(r, c).value = None


def sort_answers_only(sheet) -> None:
    """Staff sort the answer columns (A:I) but not the status block next to them."""
    width = _header(sheet).index(ESTADO)
    rows = [list(r)[:width] for r in sheet.iter_rows(min_row=2, values_only=True)]
    for r, values in enumerate(reversed(rows), start=2):
        for c, value in enumerate(values, start=1):
            sheet.cell(r, c).value = value


def test_renamed_estado_header_is_restored_from_the_ledger_not_remailed(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before, sent = verdicts_by_email(ws), len(ws.emails())

    def rename(sheet):
        sheet.cell(1, _header(sheet).index(ESTADO) + 1).value = "Estado (lo revisó Lupita)"

    ws.edit(rename)
    report = ws.cycle(pool)
    assert report.processed == 0 and report.restored == len(EXPECTED)
    assert len(ws.emails()) == sent
    assert verdicts_by_email(ws) == before  # in a new «Validación: estado» column
    assert ws.cycle(pool).restored == 0  # and then it is simply there


def test_deleted_status_block_and_fresh_export_are_restored_not_remailed(tmp_path, pool):
    ws = Workspace(tmp_path)
    export = tmp_path / "export.xlsx"
    shutil.copy(ws.workbook, export)  # the Form's own export: no status block
    ws.cycle(pool)
    before, sent = verdicts_by_email(ws), len(ws.emails())

    def delete_block(sheet):
        sheet.delete_cols(_header(sheet).index(ESTADO) + 1, len(STATUS_HEADERS))

    ws.edit(delete_block)
    assert ws.cycle(pool).restored == len(EXPECTED)
    assert verdicts_by_email(ws) == before
    shutil.copy(export, ws.workbook)  # the workbook replaced by a fresh export
    assert ws.cycle(pool).restored == len(EXPECTED)
    assert verdicts_by_email(ws) == before
    assert len(ws.emails()) == sent
    assert all(
        ws.column(NOTIFICADA)[i] for i, (e, _) in enumerate(EXPECTED) if e != "ERROR_TEMPORAL"
    )


def test_a_bulk_clear_keeps_aplicada_labels_and_sends_nothing(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    row = codes(ws.column(MOTIVO)).index("VIGENTE_CON_PATRON") + 2
    ws.set_status(row, "ALTA APLICADA")
    ws.cycle(pool)
    sent = len(ws.emails())

    ws.edit(clear_block)
    dry = ws.cycle(pool, dry_run=True)
    assert dry.planned_emails == []
    assert ws.cycle(pool).restored == len(EXPECTED)
    assert ws.column(ESTADO)[row - 2] == "ALTA APLICADA"
    assert len(ws.emails()) == sent
    assert ws.cycle(pool).processed == 0 and len(ws.emails()) == sent


def test_dry_run_lists_exactly_the_emails_the_real_run_sends(tmp_path, pool):
    ws = Workspace(tmp_path)
    dry = ws.cycle(pool, dry_run=True)
    assert len(dry.planned_emails) == MAILED
    real = ws.cycle(pool)
    assert real.emails["sent"] == MAILED
    # A cleared row whose verdict would change: both runs say one email.
    row = codes(ws.column(MOTIVO)).index("CURP_NO_COINCIDE") + 2

    def fix_curp_and_clear(sheet):
        header = _header(sheet)
        sheet.cell(row, header.index("CURP") + 1).value = None
        sheet.cell(row, header.index(ESTADO) + 1).value = None

    ws.edit(fix_curp_and_clear)
    dry = ws.cycle(pool, dry_run=True)
    assert [d.row.key for d in dry.planned_emails] == [
        d.row.key for d in ws.cycle(pool, dry_run=True).planned_emails
    ]
    assert len(dry.planned_emails) == 1
    assert ws.cycle(pool).emails["sent"] == 1


def test_a_sort_during_the_cycle_leaves_every_verdict_on_its_own_row(tmp_path, pool):
    """Staff sort newest-first and insert a row while the cycle validates and sends."""
    reference = Workspace(tmp_path / "ref")
    reference.cycle(pool)
    expected = verdicts_by_email(reference)
    ws = Workspace(tmp_path / "ws")

    def sort_and_insert(step: str) -> None:
        if step != "recorded":
            return

        def change(sheet):
            rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
            sheet.delete_rows(2, sheet.max_row)
            sheet.append(["2026-11-16 18:00:00", "nueva@alumnos.example.mx"])  # a new answer
            for r in reversed(rows):
                sheet.append(r)

        ws.edit(change)

    report = ws.cycle(pool, checkpoint=sort_and_insert)
    assert report.moved > len(EXPECTED) // 2
    got = verdicts_by_email(ws)
    new = next(k for k in got if k[1] == "nueva@alumnos.example.mx")
    assert {k: v for k, v in got.items() if k != new} == expected
    assert got[new][0] is None  # not decided in this cycle: nothing was written on it
    ws.cycle(pool)
    assert verdicts_by_email(ws)[new][0]  # decided now
    ledger = ws.ledger()
    try:
        staff = [e for e in ledger.entries(ws.campus.name).values() if e.staff_label]
    finally:
        ledger.close()
    assert staff == [], "a verdict of ours was taken for a staff decision"


def test_a_partial_sort_that_moves_only_the_status_block_is_put_right(tmp_path, pool):
    """Staff sort columns A:I only: each status block now sits on another student's row.
    Those are ours, misplaced: never a staff decision, never a new email."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before, sent = verdicts_by_email(ws), len(ws.emails())

    ws.edit(sort_answers_only)
    ws.cycle(pool)
    assert verdicts_by_email(ws) == before
    assert len(ws.emails()) == sent


def test_an_unreadable_upload_link_goes_to_staff_not_rejected(tmp_path, fake, pool):
    rows = g.demo_rows(fake)
    first_ok = next(i for i, (e, _) in enumerate(EXPECTED) if e == "ACEPTADA")
    rows[first_ok][-1] = "https://drive.google.com/drive/folders/mi-carpeta (ahí está)"
    book = g.spreadsheet(fake, rows)
    cycle(g.config(tmp_path, fake), pool)
    got = (g.column(book, ESTADO)[first_ok], code(g.column(book, MOTIVO)[first_ok]))
    assert got == (LABEL["REVISION_MANUAL"], "ADJUNTO_NO_DISPONIBLE")


def test_google_sort_during_the_cycle_lands_each_verdict_on_its_row(tmp_path, fake, pool):
    book = g.spreadsheet(fake, g.demo_rows(fake))
    config = load(g.config(tmp_path, fake))

    def sort_newest_first(step: str) -> None:
        if step == "recorded":
            sheet = book.sheets[0]
            sheet.rows[1:] = list(reversed(sheet.rows[1:]))

    with open_runtime(config, config.campuses[0], pool) as rt:
        rt.hooks.checkpoint = sort_newest_first
        report = run_cycle(rt)
    assert report.moved > 0
    local = Workspace(tmp_path / "local")
    local.cycle(pool)
    want = {(r[EMAIL], str(r["Número de control"])): r[ESTADO] for r in local.rows()}
    got = {(r[1], str(r[3])): r[len(g.HEADERS)] for r in book.sheets[0].rows[1:]}
    assert got == want


def test_google_renamed_status_header_is_restored_not_remailed(tmp_path, fake, pool):
    book = g.spreadsheet(fake, g.demo_rows(fake))
    path = g.config(tmp_path, fake)
    cycle(path, pool)
    estados = g.column(book, ESTADO)
    sent = len(list((tmp_path / "outbox").glob("*.eml")))
    header = book.sheets[0].rows[0]
    header[header.index(ESTADO)] = "Estado (viejo)"
    assert cycle(path, pool).restored == len(EXPECTED)
    assert g.column(book, ESTADO) == estados
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == sent


def test_a_file_that_never_arrives_is_adjunto_no_disponible(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    row = [e for e, _ in EXPECTED].index("ERROR_TEMPORAL")
    for _ in range(ws.campus.max_attempts + 1):
        ws.clock.advance(60 * 13)
        ws.cycle(pool)
    got = ws.rows()[row]
    assert (got[ESTADO], code(got[MOTIVO])) == (LABEL["REVISION_MANUAL"], "ADJUNTO_NO_DISPONIBLE")
    user = got[EMAIL].split("@")[0].encode()
    mail = [p.read_bytes() for p in ws.emails() if user in p.read_bytes()]
    assert len(mail) == 1  # told honestly: nobody read the constancia
    assert b"no es un problema de tu constancia" in mail[0].replace(b"=\n", b"")


def test_control_characters_never_reach_a_cell():
    from facultativo.sync.cells import clean as _clean
    from facultativo.sync.sources import CellWrite

    cell = _clean(CellWrite(2, 3, "Formulario: «Ana\x07 Sofía\x00»\tok\nbien", "k"))
    assert cell.value == "Formulario: «Ana  Sofía »\tok\nbien"


def test_a_restored_block_is_told_in_status_and_in_the_digest(tmp_path, pool):
    from facultativo.commands.status import campus_status, render
    from facultativo.sync import digest

    ws = Workspace(tmp_path)
    ws.cycle(pool)

    def rename(sheet):
        sheet.cell(1, _header(sheet).index(ESTADO) + 1).value = "Estado anterior"

    ws.edit(rename)
    ws.cycle(pool)
    text = render([campus_status(ws.config, ws.campus)])
    assert f"restaurado desde la bitácora: {len(EXPECTED)} filas" in text
    with open_runtime(ws.config, ws.campus, pool) as rt:
        rt.hooks.clock = ws.clock
        email = digest.build(rt, ("jefa@demo.example.mx",), ws.clock())
    assert "se escribió de nuevo desde la" in email.text
    assert f": {len(EXPECTED)} filas" in email.text


def test_a_restore_never_replaces_a_newer_verdict_still_waiting_to_be_written(tmp_path, pool):
    """Regression (chaos staff): the write of a new verdict was refused (staff saved the
    workbook meanwhile), then the block was lost; the restore wrote the older cells and the
    row stayed «ERROR TEMPORAL, intento 4 de 5» for good."""
    ws = Workspace(tmp_path)
    row = [e for e, _ in EXPECTED].index("ERROR_TEMPORAL")
    ws.cycle(pool)
    for _ in range(ws.campus.max_attempts - 2):
        ws.clock.advance(60 * 13)
        ws.cycle(pool)
    assert ws.rows()[row][ESTADO] == "ERROR TEMPORAL"

    lock = tmp_path / ".~lock.respuestas.xlsx#"

    def staff_open_it(step: str) -> None:
        if step == "recorded":  # the last attempt is decided; staff open the workbook
            lock.write_text("lupita,escolares,2026-11-16")

    ws.clock.advance(60 * 13)
    with pytest.raises(SourceError):  # nothing written while it is open
        ws.cycle(pool, checkpoint=staff_open_it)
    lock.unlink()

    ws.edit(clear_block)
    assert ws.cycle(pool).restored == len(EXPECTED)
    got = ws.rows()[row]
    assert (got[ESTADO], code(got[MOTIVO])) == (LABEL["REVISION_MANUAL"], "ADJUNTO_NO_DISPONIBLE")
    assert ws.cycle(pool).processed == 0


# --- found by the second outside attack ----------------------------------------------


def test_a_column_inserted_during_the_cycle_moves_our_block_with_it(tmp_path, pool):
    """Staff add a «Notas» column while a cycle validates: their notes stay, and each
    status cell lands under its own header (it used to land on the notes)."""
    ws = Workspace(tmp_path)

    def insert_notes(step: str) -> None:
        if step == "recorded":

            def change(sheet):
                sheet.insert_cols(3)
                sheet.cell(1, 3).value = "Notas"
                for r in range(2, sheet.max_row + 1):
                    sheet.cell(r, 3).value = f"nota {r}"

            ws.edit(change)

    ws.cycle(pool, checkpoint=insert_notes)
    rows = ws.rows()
    assert [r["Notas"] for r in rows] == [f"nota {r}" for r in range(2, len(rows) + 2)]
    assert main_motivos(ws) == [(LABEL.get(e, e), m) for e, m in EXPECTED]


def test_no_student_is_mailed_while_the_sheet_cannot_be_written(tmp_path, fake, pool):
    """Shared as viewer by mistake: nothing is mailed until the verdicts can be shown."""
    book = g.spreadsheet(fake, g.demo_rows(fake))
    book.editable = False
    path = g.config(tmp_path, fake)
    with pytest.raises(SourceError, match="editor"):
        cycle(path, pool)
    assert not list((tmp_path / "outbox").glob("*.eml"))
    book.editable = True
    report = cycle(path, pool)
    assert report.emails["sent"] == MAILED
    assert report.processed == 0  # decided once, in the first cycle: only written and sent now


def test_a_numeric_nss_cell_keeps_its_leading_zero():
    from facultativo.sync import values

    assert values.nss(3190312342) == "03190312342"
    assert values.nss(3190312342.0) == "03190312342"
    assert values.nss("0319-03-1234-2") == "0319-03-1234-2"
    assert values.nss(True) == "True"


def test_personal_data_is_masked_however_it_is_written():
    from facultativo.sync.privacy import scrub

    text = scrub("NSS «1222-04-5678-9», 1222 04 5678 9; curp maga040312mqtrmna3")
    assert "5678" not in text.replace("*******6789", "") and "maga0403" not in text


def test_a_spreadsheet_url_of_a_second_google_account_is_understood():
    from facultativo.sync.sources.google_sheets import spreadsheet_id

    url = "https://docs.google.com/spreadsheets/u/1/d/1FormRespuestas-Qro_26/edit#gid=0"
    assert spreadsheet_id(url) == "1FormRespuestas-Qro_26"


def test_a_file_name_with_a_comma_is_one_file(tmp_path):
    from facultativo.sync.attachments.folder import FolderStore

    (tmp_path / "Vigencia, Lucía Pérez.pdf").write_bytes(b"%PDF-1.4")
    store = FolderStore(tmp_path)
    assert store.refs("Vigencia, Lucía Pérez.pdf") == ["Vigencia, Lucía Pérez.pdf"]
    assert store.refs("a.pdf, b.pdf") == ["a.pdf", "b.pdf"]


def test_a_partial_sort_never_sends_a_follow_up_for_a_label_that_moved(tmp_path, pool):
    """Second attack: after sorting only the answers, an ALTA APLICADA sat on another
    student's row and that student was told their alta was applied in IMSS."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    row = codes(ws.column(MOTIVO)).index("VIGENTE_CON_PATRON") + 2
    ws.set_status(row, "ALTA APLICADA")
    ws.cycle(pool)
    before, sent = verdicts_by_email(ws), sorted(p.name for p in ws.emails())

    ws.edit(sort_answers_only)
    ws.cycle(pool)
    ws.cycle(pool)
    assert verdicts_by_email(ws) == before  # the APLICADA on its own response
    assert sorted(p.name for p in ws.emails()) == sent  # no follow-up to anybody else
    ledger = ws.ledger()
    try:
        labels = {e.staff_label for e in ledger.entries(ws.campus.name).values()} - {None}
    finally:
        ledger.close()
    assert labels == {"ALTA APLICADA"}


def test_pasted_copies_of_rows_are_never_decided_nor_mailed_again(tmp_path, pool):
    """Second attack: the whole sheet pasted below itself sent 17 emails again, and a row
    copied above its original took the original's identity and re-ran it."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before, sent = verdicts_by_email(ws), len(ws.emails())

    def paste_all_below(sheet):
        for r in [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]:
            sheet.append(r)

    ws.edit(paste_all_below)
    assert ws.cycle(pool).processed == 0
    assert len(ws.emails()) == sent
    rows = ws.rows()
    originals, copies = rows[: len(EXPECTED)], rows[len(EXPECTED) :]
    assert [r[ESTADO] for r in copies] == [r[ESTADO] for r in originals]  # left as pasted

    def copy_answers_above(sheet):
        header = _header(sheet)
        answers = [c.value for c in sheet[2]][: header.index(ESTADO)]
        sheet.insert_rows(2)
        for c, value in enumerate(answers, start=1):
            sheet.cell(2, c).value = value

    ws.edit(copy_answers_above)
    assert ws.cycle(pool).processed == 0
    assert len(ws.emails()) == sent
    rows = ws.rows()
    assert rows[0][ESTADO] == LABEL["REVISION_MANUAL"]  # the new copy: staff decide
    assert (
        code(rows[0][MOTIVO]) == "SOLICITUD_DUPLICADA"
        and "copia de la fila" in rows[0]["Validación: detalle"]
    )
    assert {k: v for k, v in verdicts_by_email(ws).items() if k in before} == before


def test_another_time_zone_neither_re_decides_nor_re_mails(tmp_path, pool):
    """Second attack: keys held the timestamp as an instant, so a corrected time zone gave
    every response a new key: 44 ledger entries for 22 rows, follow-ups sent again."""
    from dataclasses import replace

    ws = Workspace(tmp_path)
    ws.cycle(pool)
    row = codes(ws.column(MOTIVO)).index("VIGENTE_CON_PATRON") + 2
    ws.set_status(row, "ALTA APLICADA")
    ws.cycle(pool)
    sent, before = len(ws.emails()), verdicts_by_email(ws)
    ws.campus = replace(ws.campus, policy=replace(ws.campus.policy, timezone="America/Tijuana"))
    report = ws.cycle(pool)
    assert report.processed == 0 and len(ws.emails()) == sent
    assert verdicts_by_email(ws) == before
    ledger = ws.ledger()
    try:
        assert len(ledger.entries(ws.campus.name)) == len(EXPECTED)
    finally:
        ledger.close()


def test_a_fresh_export_into_a_sheet_in_another_time_zone_is_restored(tmp_path, fake, pool):
    book = g.spreadsheet(fake, g.demo_rows(fake))
    path = g.config(tmp_path, fake)
    cycle(path, pool)
    estados, sent = g.column(book, ESTADO), len(list((tmp_path / "outbox").glob("*.eml")))
    width = len(g.HEADERS)
    book.sheets[0].rows = [r[:width] for r in book.sheets[0].rows]  # the Form's own export
    book.time_zone = "America/Tijuana"  # …into a spreadsheet set to another zone
    report = cycle(path, pool)
    assert report.processed == 0 and report.restored == len(EXPECTED)
    assert g.column(book, ESTADO) == estados
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == sent


def test_the_workbook_status_block_looks_like_the_google_one(tmp_path, pool):
    """Issue 13: estado colours, a frozen header, readable widths, a wrapped detalle."""
    from openpyxl import load_workbook

    ws = Workspace(tmp_path)
    ws.cycle(pool)
    sheet = load_workbook(ws.workbook).worksheets[0]
    header = _header(sheet)
    col = header.index(ESTADO) + 1
    rules = [
        (str(rng.sqref), r.formula[0], r.dxf.fill.fgColor.rgb)
        for rng in sheet.conditional_formatting
        for r in rng.rules
    ]
    letter = sheet.cell(1, col).column_letter
    assert (f"{letter}2:{letter}100000", '"RECHAZADA"', "00F4B2B2") in rules
    assert len(rules) == len(COLOURS)
    assert sheet.freeze_panes == "A2"
    detalle = header.index("Validación: detalle") + 1
    assert sheet.column_dimensions[sheet.cell(1, detalle).column_letter].width == 60
    assert sheet.cell(2, detalle).alignment.wrap_text
