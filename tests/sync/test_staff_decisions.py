"""Staff decisions as staff mean them (issue 22): plain words, notes, corrections, a grace
period, and silence for students who never heard from facultativo. Each test is a
scenario tried as a careless staff member would, on the local workbook."""

from __future__ import annotations

import email
from dataclasses import replace
from email import policy
from pathlib import Path

import pytest

from facultativo.sync import digest
from facultativo.wiring import open_runtime
from tests.support.sheet import ESTADO, MOTIVO, NOTIFICADA
from tests.support.workspace import EXPECTED
from tests.support.workspace import Workspace as _Workspace

DETALLE = "Validación: detalle"
PROCESADA = "Validación: procesada el"
FECHA = "Validación: fecha de constancia"
NSS_LEIDO = "Validación: NSS leído"
GRACE = 10  # minutes: [campus.mail] espera_decision_minutos by default


def Workspace(folder: Path, **changes) -> _Workspace:
    """The demo's workspace with the grace period a real install has (the demo's is 0)."""
    ws = _Workspace(folder, **changes)
    mail = replace(ws.campus.mail, espera_decision_minutos=GRACE)
    ws.campus = replace(ws.campus, mail=mail)
    return ws


def row_of(estado: str, motivo: str | None = None) -> int:
    return next(i + 2 for i, (e, m) in enumerate(EXPECTED) if e == estado and motivo in (None, m))


REVIEW = row_of("REVISION_MANUAL", "NOMBRE_NO_COINCIDE")
REVIEW_2 = row_of("REVISION_MANUAL", "SITUACION_NO_PREVISTA")
ACCEPTED_ALTA = row_of("ACEPTADA", "VIGENTE_CON_PATRON")
REJECTED = row_of("RECHAZADA", "FECHA_NO_COINCIDE")


def parse(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def text_of(path: Path) -> str:
    return parse(path).get_body(("plain",)).get_content()


def cell(ws: _Workspace, row: int, title: str) -> str:
    return str(ws.rows()[row - 2].get(title) or "")


def address(ws: _Workspace, row: int) -> str:
    return cell(ws, row, "Dirección de correo electrónico")


def set_cell(ws: _Workspace, row: int, title: str, value: object) -> None:
    def change(sheet):
        header = [c.value for c in sheet[1]]
        sheet.cell(row, header.index(title) + 1).value = value

    ws.edit(change)


def new_emails(ws: _Workspace, before: list[Path]) -> list[Path]:
    return [p for p in ws.emails() if p not in before]


def to(ws: _Workspace, row: int, paths: list[Path]) -> list[Path]:
    return [p for p in paths if parse(p)["To"] == address(ws, row)]


def add_column(ws: _Workspace, title: str) -> None:
    """Staff add one of the optional block columns (a note, a decision) at the right."""

    def change(sheet):
        sheet.cell(1, sheet.max_column + 1).value = title

    ws.edit(change)


def check_problems(ws: _Workspace) -> list[str]:
    """What `check` lists as problems for the workspace's campus."""
    from facultativo.commands.check import check_campus

    return [m for ok, m in check_campus(ws.campus, ws.config.ledger) if not ok]


def typed_and_settled(ws: _Workspace, pool, row: int, typed: str) -> list[Path]:
    """A decided sheet; staff type `typed` over `row`'s estado; the emails that follow."""
    ws.cycle(pool)
    before = ws.emails()
    ws.set_status(row, typed)
    settled(ws, pool)
    return new_emails(ws, before)


def settled(ws: _Workspace, pool) -> None:
    """A cycle that sees what staff typed, then one once the grace period has passed."""
    ws.cycle(pool)
    ws.clock.advance(GRACE + 1)
    ws.cycle(pool)


@pytest.mark.parametrize(
    ("typed", "estado"),
    [
        ("Aceptado", "ACEPTADA"),
        ("aceptada.", "ACEPTADA"),
        ("ACEPTADO", "ACEPTADA"),
        ("Procede", "ACEPTADA"),
        ("No procede", "RECHAZADA"),
        ("rechazado", "RECHAZADA"),
        ("Concluido.", "CONCLUIDA"),
    ],
)
def test_plain_words_over_a_review_are_a_decision_the_student_hears(tmp_path, pool, typed, estado):
    """«Aceptado» or «No procede» typed over the estado sent nothing, silently."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before = ws.emails()
    ws.set_status(REVIEW, typed)
    settled(ws, pool)
    mails = to(ws, REVIEW, new_emails(ws, before))
    assert len(mails) == 1, [parse(p)["Subject"] for p in mails]
    assert "revisó tu solicitud" in text_of(mails[0])
    assert cell(ws, REVIEW, ESTADO) == typed  # staff's own words stay
    assert estado.replace("_", " ") in cell(ws, REVIEW, NOTIFICADA)
    settled(ws, pool)
    assert len(to(ws, REVIEW, new_emails(ws, before))) == 1  # once


def test_aplicada_alone_is_the_follow_up_of_the_rows_own_tipo(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before = ws.emails()
    ws.set_status(ACCEPTED_ALTA, "Aplicada")
    settled(ws, pool)
    mails = to(ws, ACCEPTED_ALTA, new_emails(ws, before))
    assert len(mails) == 1 and "alta ya fue aplicada" in parse(mails[0])["Subject"]


def test_a_decision_with_a_note_in_the_motivo_cell_stands_and_the_note_reaches_the_student(
    tmp_path, pool
):
    """The block was taken for misplaced and restored: the estado went back to REVISIÓN
    MANUAL, the note was overwritten, and no email went out."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before = ws.emails()
    note = "Se confirmó con el IMSS por teléfono que el nombre es el mismo."
    ws.set_status(REVIEW, "ACEPTADA")
    set_cell(ws, REVIEW, MOTIVO, note)
    ws.clock.advance(1)
    ws.cycle(pool)
    settled(ws, pool)
    assert cell(ws, REVIEW, ESTADO) == "ACEPTADA"
    assert cell(ws, REVIEW, MOTIVO) == note
    mails = to(ws, REVIEW, new_emails(ws, before))
    assert len(mails) == 1 and note in " ".join(text_of(mails[0]).split())


def test_a_note_in_the_staff_column_reaches_the_student_with_the_decision(tmp_path, pool):
    ws = Workspace(tmp_path)
    add_column(ws, "Validación: nota del personal")
    ws.cycle(pool)
    before = ws.emails()
    ws.set_status(REVIEW, "No procede")
    set_cell(ws, REVIEW, "Validación: nota del personal", "Tu constancia es de otra persona.")
    settled(ws, pool)
    (mail,) = to(ws, REVIEW, new_emails(ws, before))
    assert "Tu constancia es de otra persona." in text_of(mail)


@pytest.mark.parametrize(
    ("title", "value"),
    [
        (PROCESADA, "2026-11-17 09:00"),
        (FECHA, "17/11/2026"),
        (NSS_LEIDO, "ver expediente"),
        (DETALLE, "Llamó el 17/11; se le explicó."),
        (MOTIVO, "Ya habló con la coordinadora"),
    ],
)
def test_staff_edits_to_the_other_block_cells_are_theirs(tmp_path, pool, title, value):
    """Editing «procesada el», «fecha de constancia» or «NSS leído» had the block restored."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before = ws.emails()
    for row in (REJECTED, REVIEW):
        set_cell(ws, row, title, value)
    settled(ws, pool)
    settled(ws, pool)
    for row, estado in ((REJECTED, "RECHAZADA"), (REVIEW, "REVISIÓN MANUAL")):
        assert cell(ws, row, title) == value
        assert cell(ws, row, ESTADO) == estado
    assert new_emails(ws, before) == []


def test_the_decision_standing_when_the_grace_period_ends_is_the_one_sent(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before = ws.emails()
    ws.set_status(REVIEW, "ACEPTADA")
    ws.clock.advance(1)
    ws.cycle(pool)
    assert to(ws, REVIEW, new_emails(ws, before)) == []  # still within the grace period
    ws.set_status(REVIEW, "RECHAZADA")  # staff fix their mistake
    ws.clock.advance(GRACE - 2)
    ws.cycle(pool)  # ACEPTADA's period would be over by now, RECHAZADA's is not
    assert to(ws, REVIEW, new_emails(ws, before)) == []
    settled(ws, pool)
    (mail,) = to(ws, REVIEW, new_emails(ws, before))
    assert "No pudimos hacer tu trámite" in text_of(mail)
    assert "RECHAZADA" in cell(ws, REVIEW, NOTIFICADA)


def test_no_grace_period_sends_at_the_next_cycle(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.campus = replace(ws.campus, mail=replace(ws.campus.mail, espera_decision_minutos=0))
    ws.cycle(pool)
    before = ws.emails()
    ws.set_status(REVIEW, "Aceptado")
    ws.cycle(pool)
    assert len(to(ws, REVIEW, new_emails(ws, before))) == 1


def test_a_decision_corrected_after_it_was_sent_gets_a_correction(tmp_path, pool):
    """Staff fixed ACEPTADA to RECHAZADA a minute after it was sent: nothing more went out,
    and «notificada el» still read «(decisión del personal)» as if RECHAZADA was told."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before = ws.emails()
    ws.set_status(REVIEW, "ACEPTADA")
    settled(ws, pool)
    assert len(to(ws, REVIEW, new_emails(ws, before))) == 1
    assert "ACEPTADA" in cell(ws, REVIEW, NOTIFICADA)
    ws.set_status(REVIEW, "RECHAZADA")
    ws.clock.advance(1)
    ws.cycle(pool)
    assert "ACEPTADA" in cell(ws, REVIEW, NOTIFICADA)  # what the student was told, so far
    settled(ws, pool)
    mails = to(ws, REVIEW, new_emails(ws, before))
    assert len(mails) == 2
    correction = text_of(mails[1])
    assert "corrige" in correction.lower() and "No pudimos hacer tu trámite" in correction
    assert "RECHAZADA" in cell(ws, REVIEW, NOTIFICADA)
    ws.set_status(REVIEW, "ACEPTADA")  # and back again: the student hears it again
    settled(ws, pool)
    settled(ws, pool)
    assert len(to(ws, REVIEW, new_emails(ws, before))) == 3


def test_a_decision_put_back_within_the_grace_period_sends_nothing(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before = ws.emails()
    ws.set_status(REVIEW, "ACEPTADA")
    settled(ws, pool)
    ws.set_status(REVIEW, "RECHAZADA")
    ws.clock.advance(1)
    ws.cycle(pool)
    ws.set_status(REVIEW, "Aceptado")  # the same decision the student already has
    settled(ws, pool)
    assert len(to(ws, REVIEW, new_emails(ws, before))) == 1


def test_staff_override_of_our_rejection_is_told(tmp_path, pool):
    """Staff accept what facultativo rejected: the student, told to send the Form again,
    hears that it is accepted after all."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before = ws.emails()
    ws.set_status(REJECTED, "Aceptada")
    settled(ws, pool)
    (mail,) = to(ws, REJECTED, new_emails(ws, before))
    assert "Procede tu alta" in text_of(mail)


@pytest.mark.parametrize("typed", ["Aceptda", "listo", "ok?"])
def test_words_not_understood_are_flagged_everywhere_and_stay_pending(tmp_path, pool, typed):
    from facultativo.commands.status import campus_status, render

    ws = Workspace(tmp_path)
    assert typed_and_settled(ws, pool, REVIEW, typed) == []
    lines = check_problems(ws)
    assert any(f"fila {REVIEW}: «{typed}»" in m for m in lines), lines
    shown = render([campus_status(ws.config, ws.campus)])
    assert f"fila {REVIEW}: «{typed}»" in shown, shown
    with open_runtime(ws.config, ws.campus, pool) as rt:
        rt.hooks.clock = ws.clock
        sent = digest.build(rt, ("jefa@demo.example.mx",), ws.clock())
    assert f"fila {REVIEW}: «{typed}»" in sent.text
    assert f"respuestas.xlsx, fila {REVIEW}:" in sent.text  # still in the pending list


def test_a_typo_gets_the_label_meant(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    ws.set_status(REVIEW, "Aceptda")
    lines = check_problems(ws)
    assert any("¿quisiste decir ACEPTADA?" in m for m in lines), lines


def _shadow_then_live(tmp_path, pool, **mail) -> _Workspace:
    ws = Workspace(tmp_path)
    ws.campus = replace(ws.campus, mail=replace(ws.campus.mail, modo="sombra"))
    ws.cycle(pool)
    assert ws.emails() == []
    ws.campus = replace(ws.campus, mail=replace(ws.campus.mail, modo="normal", **mail))
    ws.set_status(ACCEPTED_ALTA, "ALTA APLICADA")
    ws.set_status(REVIEW, "ACEPTADA")
    ws.set_status(REJECTED, "Aceptado")
    settled(ws, pool)
    settled(ws, pool)
    return ws


def test_shadow_era_students_are_not_mailed_after_shadow_mode_ends(tmp_path, pool):
    """«solo se escribe a quienes lleguen desde entonces», yet ALTA APLICADA and ACEPTADA
    typed on shadow-era rows mailed students who never got a first email."""
    ws = _shadow_then_live(tmp_path, pool)
    assert ws.emails() == []
    assert cell(ws, ACCEPTED_ALTA, ESTADO) == "ALTA APLICADA"


def test_shadow_era_students_hear_staff_when_the_office_opts_in(tmp_path, pool):
    ws = _shadow_then_live(tmp_path, pool, avisar_anteriores=True)
    assert len(ws.emails()) == 3


def test_anterior_rows_staff_decide_are_mailed_once_when_the_office_opts_in(tmp_path, pool):
    """[campus.mail] avisar_anteriores on a campus with `desde`: an APLICADA or a decision
    staff type on an ANTERIOR row is mailed, once; an ANTERIOR row left alone is not."""
    from dataclasses import replace
    from datetime import datetime
    from zoneinfo import ZoneInfo

    day = datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("America/Mexico_City"))
    ws = Workspace(tmp_path, desde=day)
    ws.campus = replace(ws.campus, mail=replace(ws.campus.mail, avisar_anteriores=True))
    ws.cycle(pool)
    first = row_of("ACEPTADA", "SIN_VIGENCIA")  # 08:03, before `desde`
    assert cell(ws, first, ESTADO) == cell(ws, first + 1, ESTADO) == "ANTERIOR"
    before = ws.emails()
    ws.set_status(first, "ALTA APLICADA")
    ws.set_status(first + 1, "Aceptado")
    settled(ws, pool)
    settled(ws, pool)
    new = new_emails(ws, before)
    assert len(to(ws, first, new)) == 1 and len(to(ws, first + 1, new)) == 1
    assert len(new) == 2  # the other ANTERIOR rows, left alone, hear nothing


def test_anterior_rows_are_never_mailed_for_what_staff_type(tmp_path, pool):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    day = datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("America/Mexico_City"))
    ws = Workspace(tmp_path, desde=day)
    ws.cycle(pool)
    first = row_of("ACEPTADA", "SIN_VIGENCIA")  # 08:03, before `desde`
    assert cell(ws, first, ESTADO) == "ANTERIOR"
    before = ws.emails()
    ws.set_status(first, "ALTA APLICADA")
    ws.set_status(first + 1, "Aceptado")
    settled(ws, pool)
    settled(ws, pool)
    assert to(ws, first, new_emails(ws, before)) == []
    assert to(ws, first + 1, new_emails(ws, before)) == []


def test_a_note_on_a_row_without_its_id_is_still_staffs(tmp_path, pool):
    """A sheet from before ids (or an id cell cleared): the block with staff's note was
    taken for another response's and written over."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before = ws.emails()
    note = "Se confirmó con el IMSS por teléfono."

    def decide_and_clear_ids(sheet):
        header = [c.value for c in sheet[1]]
        for r in range(2, sheet.max_row + 1):
            sheet.cell(r, header.index("Validación: id") + 1).value = None
        sheet.cell(REVIEW, header.index(ESTADO) + 1).value = "Aceptado"
        sheet.cell(REVIEW, header.index(MOTIVO) + 1).value = note
        sheet.cell(REJECTED, header.index(FECHA) + 1).value = "pedir original"

    ws.edit(decide_and_clear_ids)
    settled(ws, pool)
    assert (cell(ws, REVIEW, ESTADO), cell(ws, REVIEW, MOTIVO)) == ("Aceptado", note)
    assert cell(ws, REJECTED, FECHA) == "pedir original"
    (mail,) = to(ws, REVIEW, new_emails(ws, before))
    assert note in " ".join(text_of(mail).split())
    assert all(ws.column("Validación: id"))  # the ids are back


def test_a_shadow_era_row_re_run_after_go_live_stays_silent_unless_answered_anew(tmp_path, pool):
    """Staff clearing estados of the trial weeks to have them checked again would mail
    every student of those weeks their first email, weeks late."""
    ws = Workspace(tmp_path)
    ws.campus = replace(ws.campus, mail=replace(ws.campus.mail, modo="sombra"))
    ws.cycle(pool)
    ws.campus = replace(ws.campus, mail=replace(ws.campus.mail, modo="normal"))
    for row in (REVIEW, REJECTED, ACCEPTED_ALTA):
        ws.set_status(row, None)
    settled(ws, pool)
    assert ws.emails() == []
    assert cell(ws, REJECTED, ESTADO) == "RECHAZADA"
    assert "modo sombra" in cell(ws, REJECTED, NOTIFICADA)
    set_cell(ws, REJECTED, "Número de Seguridad Social (NSS)", "02210355263")  # a new answer
    settled(ws, pool)
    assert len(to(ws, REJECTED, ws.emails())) == 1


def test_check_shows_the_grace_period(tmp_path):
    from facultativo.commands.check import check_campus

    ws = Workspace(tmp_path)
    lines = [m for _, m in check_campus(ws.campus, ws.config.ledger)]
    assert any("se envía tras 10 minutos sin cambiar" in m for m in lines), lines


@pytest.mark.parametrize("title", [DETALLE, MOTIVO, FECHA])
def test_a_note_typed_after_a_kill_between_writing_and_recording_stays(tmp_path, pool, title):
    """The cycle wrote the cells and died before telling the ledger: the retry wrote the
    whole verdict again, over the note staff typed in between."""
    from tests.support.workspace import Crash, crash_at

    ws = Workspace(tmp_path)
    with pytest.raises(Crash):
        ws.cycle(pool, checkpoint=crash_at("written"))
    assert cell(ws, REJECTED, ESTADO) == "RECHAZADA"
    set_cell(ws, REJECTED, title, "Le llamamos el lunes")
    ws.cycle(pool)
    ws.cycle(pool)
    assert cell(ws, REJECTED, title) == "Le llamamos el lunes"
    assert cell(ws, REJECTED, ESTADO) == "RECHAZADA"


@pytest.mark.parametrize(
    ("row", "back", "told"),
    [
        (REJECTED, "RECHAZADA", "No pudimos hacer tu trámite"),
        (REVIEW, "REVISIÓN MANUAL", "está revisando de nuevo tu solicitud"),
    ],
)
def test_a_sent_decision_undone_back_to_our_verdict_is_corrected(tmp_path, pool, row, back, told):
    """Found by attack: staff undid «Aceptado» (Ctrl+Z, or our own label typed back) after
    it was mailed; the student kept believing ACEPTADA, and «notificada el» said so."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before = ws.emails()
    ws.set_status(row, "Aceptado")
    settled(ws, pool)
    ws.set_status(row, back)
    settled(ws, pool)
    mails = to(ws, row, new_emails(ws, before))
    assert len(mails) == 2, [parse(p)["Subject"] for p in mails]
    assert told in " ".join(text_of(mails[1]).split()) and "corrige" in text_of(mails[1])
    assert back in cell(ws, row, NOTIFICADA)
    settled(ws, pool)
    assert len(to(ws, row, new_emails(ws, before))) == 2


@pytest.mark.parametrize("typed", ["¿Procede?", "Procede?", "¿No procede?"])
def test_a_question_is_not_a_decision(tmp_path, pool, typed):
    """Found by attack: «¿Procede?» lost its question mark and was mailed as ACEPTADA."""
    ws = Workspace(tmp_path)
    assert typed_and_settled(ws, pool, REVIEW, typed) == []
    lines = check_problems(ws)
    assert any(f"fila {REVIEW}: «{typed}»" in m for m in lines), lines


def test_the_aplicada_of_the_other_tipo_is_flagged_not_mailed(tmp_path, pool):
    """Found by attack: «Baja aplicada» on an alta mailed «tu alta ya fue aplicada»."""
    ws = Workspace(tmp_path)
    assert typed_and_settled(ws, pool, ACCEPTED_ALTA, "Baja aplicada") == []
    lines = check_problems(ws)
    assert any("«Baja aplicada» (¿quisiste decir ALTA APLICADA?)" in m for m in lines), lines


def test_a_typo_in_the_decision_column_is_flagged(tmp_path, pool):
    """Found by attack: only estado-cell typos were flagged; «Aceptda» in «decisión del
    personal» left `check` saying «Todo en orden»."""
    ws = Workspace(tmp_path)
    add_column(ws, "Validación: decisión del personal")
    ws.cycle(pool)
    set_cell(ws, REVIEW, "Validación: decisión del personal", "Aceptda")
    settled(ws, pool)
    lines = check_problems(ws)
    expected = f"fila {REVIEW} (decisión del personal): «Aceptda» (¿quisiste decir ACEPTADA?)"
    assert any(expected in m for m in lines), lines


def test_concluida_in_the_decision_column_over_our_review_mails_the_student_once(tmp_path, pool):
    """Staff close a REVISIÓN MANUAL as CONCLUIDA in «decisión del personal» (the same as
    typing it over the estado): the student hears it once."""
    ws = Workspace(tmp_path)
    add_column(ws, "Validación: decisión del personal")
    ws.cycle(pool)
    before = ws.emails()
    set_cell(ws, REVIEW, "Validación: decisión del personal", "CONCLUIDA")
    settled(ws, pool)
    mails = to(ws, REVIEW, new_emails(ws, before))
    assert len(mails) == 1, [parse(p)["Subject"] for p in mails]
    assert "revisó tu solicitud" in text_of(mails[0])
    assert "decisión del personal: CONCLUIDA" in cell(ws, REVIEW, NOTIFICADA)
    assert new_emails(ws, before) == mails  # nobody else
    settled(ws, pool)
    assert new_emails(ws, before) == mails  # once


def test_personal_data_pasted_in_an_estado_never_reaches_logs_or_status(tmp_path, pool, caplog):
    """Found by attack: an NSS, CURP or address pasted over the estado appeared whole in
    the cycle summary, the ledger and `status`."""
    from facultativo.commands.status import campus_status, render

    ws = Workspace(tmp_path)
    ws.cycle(pool)
    ws.set_status(REVIEW, "12230510161 AUCF050515HQTGNRA0 ana.lopez@alumnos.example.mx")
    settled(ws, pool)
    shown = render([campus_status(ws.config, ws.campus)]) + str(campus_status(ws.config, ws.campus))
    for secret in ("12230510161", "AUCF050515HQTGNRA0", "ana.lopez@"):
        assert secret not in shown and secret not in caplog.text
    assert "*******0161" in shown


WAITING = row_of("ERROR_TEMPORAL")


def test_notes_on_an_error_temporal_row_stay_when_its_file_arrives(tmp_path, pool):
    """Found by attack: staff's notes in motivo and «NSS leído» of a row waiting for its
    file were replaced by the verdict once the file arrived."""
    import shutil

    ws = Workspace(tmp_path)
    ws.cycle(pool)
    set_cell(ws, WAITING, MOTIVO, "Le escribimos por WhatsApp")
    set_cell(ws, WAITING, NSS_LEIDO, "ver expediente")
    shutil.copy(
        tmp_path / "constancias" / "beto.pdf",
        tmp_path / "constancias" / "gabi-aun-sincronizando.pdf",
    )
    for _ in range(4):
        ws.clock.advance(30)
        ws.cycle(pool)
    assert cell(ws, WAITING, ESTADO) not in ("", "ERROR TEMPORAL")  # decided now
    assert cell(ws, WAITING, MOTIVO) == "Le escribimos por WhatsApp"
    assert cell(ws, WAITING, NSS_LEIDO) == "ver expediente"
    assert cell(ws, WAITING, DETALLE)  # the verdict is written around the notes


def test_a_note_stays_when_the_student_edits_the_answer(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    set_cell(ws, REJECTED, DETALLE, "Habló a la oficina el martes")
    set_cell(ws, REJECTED, "Tipo de solicitud", "Alta (no tengo ningún seguro médico)")
    settled(ws, pool)
    assert cell(ws, REJECTED, DETALLE) == "Habló a la oficina el martes"
    assert cell(ws, REJECTED, ESTADO) == "RECHAZADA"


def test_staff_who_clear_the_estado_get_the_whole_fresh_verdict(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    ours = cell(ws, REJECTED, DETALLE)
    set_cell(ws, REJECTED, DETALLE, "revisar de nuevo")
    ws.set_status(REJECTED, None)
    settled(ws, pool)
    assert cell(ws, REJECTED, DETALLE) == ours


def test_an_answer_changed_under_a_staff_decision_is_flagged_for_staff(tmp_path, pool):
    """Found by attack: the student sent a new file after staff's «No procede»; nothing
    was validated, mailed or flagged. Staff's estado is theirs (never overwritten), so
    staff are told in `check`, `status` and the digest until they decide again."""
    from facultativo.commands.status import campus_status, render

    ws = Workspace(tmp_path)
    ws.cycle(pool)
    ws.set_status(REVIEW, "No procede")
    settled(ws, pool)
    before = ws.emails()
    set_cell(
        ws, REVIEW, "Adjunta tu Constancia de Vigencia de Derechos (PDF)", "constancias/saul.pdf"
    )
    settled(ws, pool)
    assert new_emails(ws, before) == [] and cell(ws, REVIEW, ESTADO) == "No procede"
    flag = f"fila {REVIEW}: el estudiante cambió su respuesta después de la decisión"
    lines = check_problems(ws)
    assert any(flag in m for m in lines), lines
    assert flag in render([campus_status(ws.config, ws.campus)])
    with open_runtime(ws.config, ws.campus, pool) as rt:
        rt.hooks.clock = ws.clock
        sent = digest.build(rt, ("jefa@demo.example.mx",), ws.clock())
    assert "cambió su respuesta después de tu decisión" in sent.text
    ws.set_status(REVIEW, "Aceptado")  # staff look again and decide: the flag goes
    settled(ws, pool)
    lines = check_problems(ws)
    assert not any(flag in m for m in lines)
    assert len(to(ws, REVIEW, new_emails(ws, before))) == 1


def test_upgrading_mails_none_of_the_decisions_staff_handled_by_hand_before(tmp_path, pool):
    """Before this version only a REVISIÓN MANUAL decided by staff was mailed: overrides
    of our verdicts were staff's to tell. An upgrade must not mail them all at once."""
    import sqlite3

    ws = Workspace(tmp_path)
    ws.cycle(pool)
    ws.set_status(REJECTED, "ACEPTADA")  # an override typed, and seen, before the upgrade
    key = cell(ws, REJECTED, "Validación: id")
    db = sqlite3.connect(ws.config.ledger)
    db.execute("UPDATE responses SET staff_label = 'ACEPTADA' WHERE key = ?", (key,))
    db.execute("DROP TABLE events")  # version 9's, then version 8's
    db.execute("DELETE FROM meta WHERE name IN ('events_since', 'search_key')")
    for table, column in (
        ("responses", "nss_key"),
        ("responses", "staff_seen_at"),
        ("responses", "answers_after_staff"),
        ("notifications", "next_try_at"),
        ("notifications", "failing_since"),
    ):
        db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    db.execute("PRAGMA user_version = 7")
    db.commit()
    db.close()
    before = ws.emails()
    settled(ws, pool)
    assert new_emails(ws, before) == []
    ws.set_status(REJECTED, "Concluido")  # a decision changed after the upgrade is told
    settled(ws, pool)
    assert len(to(ws, REJECTED, new_emails(ws, before))) == 1


def test_a_note_typed_after_a_kill_stays_when_the_date_column_is_gone_too(tmp_path, pool):
    """Found by the stateful test: the retry after a kill between writing and recording
    took the row for unwritten because «procesada el» had been deleted, and wrote over
    the note typed meanwhile."""
    from tests.support.workspace import Crash, crash_at

    ws = Workspace(tmp_path)
    with pytest.raises(Crash):
        ws.cycle(pool, checkpoint=crash_at("written"))
    set_cell(ws, REVIEW, DETALLE, "Nota del personal")

    def drop_date(sheet):
        header = [c.value for c in sheet[1]]
        sheet.delete_cols(header.index(PROCESADA) + 1, 1)

    ws.edit(drop_date)
    ws.cycle(pool)
    ws.cycle(pool)
    assert cell(ws, REVIEW, DETALLE) == "Nota del personal"
    assert cell(ws, REVIEW, PROCESADA)  # the date comes back
