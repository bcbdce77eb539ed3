"""Staff decisions, second attack round (issue 22): combinations with adoptar, corrected
addresses, modo sombra, retries, the digest, duplicates, dry runs and Form options. Each
test is named after what went wrong."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from facultativo.sync import digest
from facultativo.sync import values as v
from facultativo.validators import Tipo
from facultativo.wiring import open_runtime
from tests.support.sheet import ESTADO, NOTIFICADA
from tests.sync.test_staff_decisions import (
    ACCEPTED_ALTA,
    REJECTED,
    REVIEW,
    Workspace,
    add_column,
    address,
    cell,
    new_emails,
    parse,
    set_cell,
    settled,
    text_of,
    to,
)

DECISION_COLUMN = "Validación: decisión del personal"
EMAIL = "Dirección de correo electrónico"


def _adopted(ws, pool) -> None:
    from facultativo.commands.adoptar import adopt

    ws.config.ledger.unlink()
    assert adopt(ws.config, ws.campus) > 0


def test_after_adoptar_a_new_decision_is_mailed_and_an_old_one_is_not_resent(tmp_path, pool):
    ws = Workspace(tmp_path)
    add_column(ws, DECISION_COLUMN)
    ws.cycle(pool)
    set_cell(ws, REVIEW, DECISION_COLUMN, "Aceptado")  # mailed before the ledger is lost
    settled(ws, pool)
    assert len(to(ws, REVIEW, ws.emails())) == 2
    _adopted(ws, pool)
    before = ws.emails()
    settled(ws, pool)
    settled(ws, pool)
    assert new_emails(ws, before) == []  # nothing told twice
    ws.set_status(REJECTED, "Aceptado")  # a decision after adopting is told
    settled(ws, pool)
    assert len(to(ws, REJECTED, new_emails(ws, before))) == 1


def test_adoptar_does_not_use_up_todays_daily_cap(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    _adopted(ws, pool)
    ledger = ws.ledger()
    try:
        from datetime import timedelta

        assert ledger.sent_since(ws.campus.name, ws.clock() - timedelta(days=2)) == 0
    finally:
        ledger.close()


def test_a_corrected_address_gets_the_staff_decision(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    ws.set_status(REVIEW, "Aceptado")
    settled(ws, pool)
    fixed = address(ws, REVIEW).replace("@", ".nuevo@")
    set_cell(ws, REVIEW, EMAIL, fixed)
    settled(ws, pool)
    got = [p for p in ws.emails() if parse(p)["To"] == fixed]
    assert len(got) == 1 and "Procede tu alta" in text_of(got[0])


def test_unreadable_text_in_the_decision_column_sends_no_correction(tmp_path, pool):
    ws = Workspace(tmp_path)
    add_column(ws, DECISION_COLUMN)
    ws.cycle(pool)
    set_cell(ws, REVIEW, DECISION_COLUMN, "No procede")
    settled(ws, pool)
    before = ws.emails()
    set_cell(ws, REVIEW, DECISION_COLUMN, "No procede, falta su NSS")
    settled(ws, pool)
    assert new_emails(ws, before) == []
    assert "RECHAZADA" in cell(ws, REVIEW, NOTIFICADA)


def test_a_modo_sombra_student_who_answers_anew_hears_the_decision_after(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.campus = replace(ws.campus, mail=replace(ws.campus.mail, modo="sombra"))
    ws.cycle(pool)
    ws.set_status(REVIEW, "Aceptado")
    settled(ws, pool)
    ws.campus = replace(ws.campus, mail=replace(ws.campus.mail, modo="normal"))
    set_cell(ws, REVIEW, "Número de Seguridad Social (NSS)", "02210355263")  # answered anew
    settled(ws, pool)
    ws.set_status(REVIEW, "No procede")
    settled(ws, pool)
    assert len(to(ws, REVIEW, ws.emails())) == 1


def test_an_undone_aplicada_is_corrected(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    before = ws.emails()
    ws.set_status(ACCEPTED_ALTA, "ALTA APLICADA")
    settled(ws, pool)
    ws.set_status(ACCEPTED_ALTA, "ACEPTADA")
    settled(ws, pool)
    mails = to(ws, ACCEPTED_ALTA, new_emails(ws, before))
    assert len(mails) == 2 and "ALTA APLICADA" in text_of(mails[1])
    assert "ACEPTADA" in cell(ws, ACCEPTED_ALTA, NOTIFICADA)


def test_a_retry_made_moot_by_a_newer_email_is_not_left_waiting(tmp_path, pool):
    from facultativo.commands.status import campus_status

    ws = Workspace(tmp_path)
    ws.cycle(pool)
    key = cell(ws, REVIEW, "Validación: id")
    db = sqlite3.connect(ws.config.ledger)  # its review result is waiting to be tried again
    db.execute(
        "UPDATE notifications SET status = 'retry', next_try_at = '2099-01-01T00:00:00+00:00'"
        " WHERE key = ?",
        (key,),
    )
    db.commit()
    db.close()
    ws.set_status(REVIEW, "Aceptado")
    settled(ws, pool)
    assert campus_status(ws.config, ws.campus)["emails_waiting"]["count"] == 0


def test_the_digest_forgets_a_failure_once_the_email_is_delivered(tmp_path, pool):
    ws = Workspace(tmp_path)
    set_cell(ws, REJECTED, EMAIL, "no es un correo")
    ws.cycle(pool)
    set_cell(ws, REJECTED, EMAIL, "diego.fix@alumnos.example.mx")
    settled(ws, pool)
    assert to(ws, REJECTED, ws.emails())
    with open_runtime(ws.config, ws.campus, pool) as rt:
        rt.hooks.clock = ws.clock
        sent = digest.build(rt, ("jefa@demo.example.mx",), ws.clock())
    assert f"Fila {REJECTED}:" not in sent.text.split("no se pudieron entregar")[-1]


def test_a_dry_run_in_modo_sombra_lists_no_email_to_send(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.campus = replace(ws.campus, mail=replace(ws.campus.mail, modo="sombra"))
    assert ws.cycle(pool, dry_run=True).planned_emails == []


@pytest.mark.parametrize(
    ("answer", "tipo"),
    [
        ("Baja - ya estoy dado de alta por mi trabajo", Tipo.BAJA),
        ("Alta: mi papá ya me dio de baja", Tipo.ALTA),
    ],
)
def test_an_option_explained_with_the_other_word_is_its_leading_choice(answer, tipo):
    assert v.tipo(answer) is tipo


def test_an_aplicada_typed_after_a_kill_survives_a_lost_block(tmp_path, pool):
    """Found by the stateful test: a verdict written by a cycle killed before recording it,
    then ALTA APLICADA typed over it, then the estado header renamed: the restore wrote
    the verdict back over staff's ALTA APLICADA."""
    from tests.support.workspace import Crash, crash_at

    ws = Workspace(tmp_path)
    with pytest.raises(Crash):
        ws.cycle(pool, checkpoint=crash_at("written"))
    ws.set_status(ACCEPTED_ALTA, "ALTA APLICADA")
    ws.cycle(pool)

    def rename(sheet):
        header = [c.value for c in sheet[1]]
        sheet.cell(1, header.index(ESTADO) + 1).value = "Estado (revisado)"

    ws.edit(rename)
    ws.cycle(pool)
    ws.cycle(pool)
    assert cell(ws, ACCEPTED_ALTA, ESTADO) == "ALTA APLICADA"


def test_a_duplicate_of_a_request_staff_accepted_in_words_is_concluded(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    ws.set_status(REJECTED, "Aceptado")
    settled(ws, pool)

    def resend(sheet):
        row = [c.value for c in sheet[REJECTED]][:9]
        row[0] = row[0].replace(hour=13)
        sheet.append(row)

    ws.edit(resend)
    settled(ws, pool)
    last = ws.rows()[-1]
    assert last[ESTADO] == "CONCLUIDA", last


def test_a_block_put_back_under_a_staff_decision_sends_no_old_result(tmp_path, pool):
    """Found by the stateful test: our result was waiting to be tried again when staff
    decided; the block was then wiped and put back, and the cycle writing it sent our old
    RECHAZADA, which made staff's ACEPTADA (waiting too) moot: the student was told the
    opposite of the decision standing."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    key = cell(ws, REJECTED, "Validación: id")
    db = sqlite3.connect(ws.config.ledger)
    db.execute("UPDATE notifications SET status = 'retry' WHERE key = ?", (key,))
    db.commit()
    db.close()
    ws.set_status(REJECTED, "Aceptado")
    ws.cycle(pool)  # seen; within the grace period

    def wipe(sheet):
        header = [c.value for c in sheet[1]]
        first = header.index(ESTADO) + 1
        for r in range(2, sheet.max_row + 1):
            for c in range(first, first + 8):
                sheet.cell(r, c).value = None

    ws.edit(wipe)
    before = ws.emails()
    settled(ws, pool)
    settled(ws, pool)
    mails = to(ws, REJECTED, new_emails(ws, before))
    assert len(mails) == 1 and "Procede tu alta" in text_of(mails[0])
    assert cell(ws, REJECTED, ESTADO) == "Aceptado"
