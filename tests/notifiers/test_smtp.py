"""Email over a real SMTP server on loopback (aiosmtpd): plain, STARTTLS, implicit TLS,
AUTH, and the failures a mail server can throw at a batch."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support import smtp_server as smtp
from tests.support.smtp_server import smtp_workspace as workspace
from tests.support.workspace import EXPECTED

NOTIFIED = "Validación: notificada el"
DUE = sum(1 for e, _ in EXPECTED if e != "ERROR_TEMPORAL")


@pytest.fixture
def recorder():
    return smtp.Recorder()


@pytest.mark.parametrize("mode", ["plain", "starttls", "ssl"])
def test_every_student_gets_exactly_one_email(tmp_path, recorder, mode, monkeypatch):
    monkeypatch.setenv("FACULTATIVO_SMTP_PASSWORD", smtp.PASSWORD)
    cert, key = smtp.certificate(tmp_path)
    controller = smtp.start(recorder, mode, cert, key, auth=mode != "plain")
    try:
        ws = workspace(tmp_path, controller, mode, auth=mode != "plain", cafile=cert)
        report = ws.cycle(pool=_pool())
        ws.cycle(pool=_pool())
    finally:
        controller.stop()
    assert report.emails["sent"] == DUE
    assert len(recorder.messages) == DUE and len(set(recorder.ids())) == DUE
    emails = {
        r["Dirección de correo electrónico"]
        for r, (e, _) in zip(ws.rows(), EXPECTED, strict=True)
        if e != "ERROR_TEMPORAL"
    }
    assert {rcpt for rcpts, _ in recorder.messages for rcpt in rcpts} == emails
    _, first = recorder.messages[0]
    assert first["Auto-Submitted"] == "auto-generated"
    assert first["Reply-To"] == "escolares@demo.example.mx"
    assert "-0600" in first["Date"]  # campus time zone


def _pool():
    from tests.conftest import shared_pool

    return shared_pool()


def test_wrong_app_password_defers_everything_and_loses_nothing(
    tmp_path, recorder, monkeypatch, caplog
):
    monkeypatch.setenv("FACULTATIVO_SMTP_PASSWORD", "incorrecta")
    cert, key = smtp.certificate(tmp_path)
    controller = smtp.start(recorder, "starttls", cert, key, auth=True)
    try:
        ws = workspace(tmp_path, controller, "starttls", auth=True, cafile=cert)
        report = ws.cycle(pool=_pool())
        assert report.emails["retry"] == DUE and not recorder.messages
        assert "contraseña de aplicación" in caplog.text
        warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert sum("contraseña de aplicación" in w for w in warnings) == 1  # once, not per row
        assert not any(r[NOTIFIED] for r in ws.rows())
        monkeypatch.setenv("FACULTATIVO_SMTP_PASSWORD", smtp.PASSWORD)
        ws.clock.advance(2)  # the first try again comes a minute later
        ws.cycle(pool=_pool())
    finally:
        controller.stop()
    assert len(set(recorder.ids())) == len(recorder.ids()) == DUE


def test_421_451_550_and_a_dropped_connection(tmp_path, recorder):
    controller = smtp.start(recorder, "plain")
    try:
        ws = workspace(tmp_path, controller)
        rows = ws.rows()
        address = [r["Dirección de correo electrónico"] for r in rows]
        recorder.rcpt_replies[address[1]] = ["550 5.1.1 El buzón no existe"]
        recorder.rcpt_replies[address[2]] = ["451 4.3.0 Intenta más tarde"]
        recorder.data_replies[4] = "421 4.7.0 Cerrando el canal"
        recorder.drop_at.add(8)
        for _ in range(3):
            ws.cycle(pool=_pool())
            ws.clock.advance(10)
    finally:
        controller.stop()
    received = Counter(rcpt for rcpts, _ in recorder.messages for rcpt in rcpts)
    due = Counter(
        r["Dirección de correo electrónico"]
        for r, (e, _) in zip(ws.rows(), EXPECTED, strict=True)
        if e != "ERROR_TEMPORAL"
    )
    assert len(recorder.ids()) == len(set(recorder.ids()))  # no message twice
    for row, (estado, _) in zip(ws.rows(), EXPECTED, strict=True):
        who = row["Dirección de correo electrónico"]
        if estado == "ERROR_TEMPORAL":
            continue
        if who == address[1]:
            assert received[who] == 0
            assert row[NOTIFIED] == (
                "ERROR: la dirección no existe en el servidor de correo del destinatario: "
                "revisa que esté bien escrita (550 5.1.1: «El buzón no existe»)"
            )
        else:
            # exactly once per request, after the 451, the 421 and the cut
            assert received[who] == due[who], who
            assert row[NOTIFIED] and not row[NOTIFIED].startswith("ERROR")


def test_a_name_cannot_inject_headers_or_markup(tmp_path, recorder):
    controller = smtp.start(recorder, "plain")
    try:
        ws = workspace(tmp_path, controller)

        def hostile(sheet):
            sheet.cell(2, 3).value = 'Ana "<b>" \r\nBcc: x@y'

        ws.edit(hostile)
        ws.cycle(pool=_pool())
    finally:
        controller.stop()
    first = ws.rows()[0]["Dirección de correo electrónico"]
    rcpts, msg = next((r, m) for r, m in recorder.messages if first in r)
    assert rcpts == [first]
    assert msg["Bcc"] is None and "x@y" not in str(msg["To"])
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    assert "&lt;b&gt;" in html and '<b>"' not in html
    assert 'Hola, Ana "<b>" Bcc: x@y:' in text


def test_daily_cap_defers_the_excess_to_the_next_day(tmp_path, recorder):
    controller = smtp.start(recorder, "plain")
    try:
        ws = workspace(tmp_path, controller, daily_cap=7)
        first = ws.cycle(pool=_pool())
        assert first.emails == Counter({"sent": 7, "deferred": DUE - 7})
        assert ws.cycle(pool=_pool()).emails == Counter({"deferred": DUE - 7})
        ws.clock.advance(60 * 24)
        ws.cycle(pool=_pool())
        ws.clock.advance(60 * 24)
        ws.cycle(pool=_pool())
    finally:
        controller.stop()
    assert len(recorder.ids()) == len(set(recorder.ids())) == DUE


def _tries(recorder: smtp.Recorder) -> float:
    """Tries per email so far (one address may have two emails)."""
    return sum(recorder.rcpt_tries.values()) / DUE


def test_a_server_answering_450_for_an_hour_is_waited_out_then_replayed_once(tmp_path, recorder):
    """Greylisting or a rate limit answering 450 to everyone used one attempt per cycle:
    with the watcher's 20-second cycles the 10th attempt made it ERROR 3 minutes in."""
    from facultativo.commands.status import campus_status, render

    controller = smtp.start(recorder, "plain")
    try:
        ws = workspace(tmp_path, controller)
        recorder.refuse_all = "450 4.7.1 Greylisted, intenta más tarde"
        for _ in range(10):  # three minutes of the watcher's 20-second cycles
            ws.cycle(pool=_pool())
            ws.clock.advance(1 / 3)
        assert _tries(recorder) == 3  # at 0, 1 and 3 minutes: on a clock, not per cycle
        for _ in range(12):  # the rest of the hour, a cycle every 5 minutes
            ws.cycle(pool=_pool())
            ws.clock.advance(5)
        assert _tries(recorder) <= 7 and not recorder.messages
        assert not any(str(r[NOTIFIED] or "").startswith("ERROR") for r in ws.rows())
        status = campus_status(ws.config, ws.campus)
        waiting = status["emails_waiting"]["count"]  # the ERROR TEMPORAL row's too, by now
        assert waiting >= DUE
        shown = render([status])
        assert f"Correos en espera de reintento: {waiting}" in shown and "450 4.7.1" in shown
        recorder.refuse_all = None  # IT fixed the relay: `sync --once --reintentar`
        assert ws.cycle(pool=_pool(), replay=True).emails["sent"] == waiting
        ws.cycle(pool=_pool())
        ws.clock.advance(30)
        ws.cycle(pool=_pool())
    finally:
        controller.stop()
    assert len(recorder.ids()) == len(set(recorder.ids()))  # never twice
    assert "Correos en espera" not in render([campus_status(ws.config, ws.campus)])


def test_a_day_of_4xx_makes_the_email_an_error(tmp_path, recorder):
    controller = smtp.start(recorder, "plain")
    try:
        ws = workspace(tmp_path, controller)
        recorder.refuse_all = "451 4.3.0 Intenta más tarde"
        for _ in range(12):  # every two hours: 22 hours of refusals
            ws.cycle(pool=_pool())
            ws.clock.advance(120)
        assert not any(str(r[NOTIFIED] or "").startswith("ERROR") for r in ws.rows())
        ws.clock.advance(120)
        ws.cycle(pool=_pool())
    finally:
        controller.stop()
    notified = [
        str(r[NOTIFIED] or "")
        for r, (e, _) in zip(ws.rows(), EXPECTED, strict=True)
        if e != "ERROR_TEMPORAL"
    ]
    assert all(n.startswith("ERROR: sin éxito durante 24 horas: 451") for n in notified), notified
    assert not recorder.messages


def test_a_relay_refusing_the_sender_makes_no_student_an_error(tmp_path, recorder):
    """Found by attack: «530 5.7.0 Authentication required» to MAIL FROM (security =
    "none" against a server that wants STARTTLS) made all 19 emails a permanent ERROR, and
    after IT fixed it neither the next cycle nor --reintentar sent them."""
    controller = smtp.start(recorder, "plain")
    try:
        ws = workspace(tmp_path, controller)
        recorder.mail_reply = "530 5.7.0 Authentication required"
        for _ in range(30):  # more than a day
            ws.cycle(pool=_pool())
            ws.clock.advance(60)
        assert not any(str(r[NOTIFIED] or "").startswith("ERROR") for r in ws.rows())
        recorder.mail_reply = None
        ws.cycle(pool=_pool(), replay=True)
    finally:
        controller.stop()
    assert len(recorder.ids()) == len(set(recorder.ids())) >= DUE


REPLIES = {
    # the server's reply, the stage -> the line's start, whether it is IT's (relay)
    ("550 5.7.1 Relaying denied", "RCPT"): ("el servidor no deja enviar desde esta cuenta", True),
    ("554 5.7.1 <a@b.mx>: Relay access denied", "RCPT"): ("el servidor no deja enviar", True),
    ("530 5.7.0 Authentication required", "MAIL"): ("el servidor pide iniciar sesión", True),
    ("550 5.7.26 Unauthenticated email is not accepted", "DATA"): (
        "el servidor rechazó el correo por sus políticas",
        True,
    ),
    ("552 5.3.4 Message size exceeds fixed limit", "DATA"): ("el correo es más grande", False),
    ("552 5.2.2 Mailbox full", "RCPT"): ("el buzón del destinatario está lleno", False),
    ("550 5.1.1 User unknown", "RCPT"): ("la dirección no existe", False),
    ("554 Transaction failed", "DATA"): ("el servidor rechazó el correo (554", False),
}


@pytest.mark.parametrize(("reply", "stage"), list(REPLIES))
def test_a_servers_common_refusals_are_explained_in_spanish_with_its_words_as_detail(reply, stage):
    from facultativo.notifiers.smtp_failures import explain_reply

    code, text = reply.split(" ", 1)
    line, relay = explain_reply(int(code), text.encode(), stage)
    start, its = REPLIES[(reply, stage)]
    assert line.startswith(start) and relay is its, line
    enhanced, _, said = text.partition(" ")
    if not enhanced[0].isdigit():
        enhanced, said = "", text
    code_part = f"{code} {enhanced}" if enhanced else code
    assert line.endswith(f"({code_part}: «{said}»)"), line  # its words: a quoted detail


def test_a_4xx_stays_as_the_server_said_it():
    from facultativo.notifiers.smtp_failures import explain_reply

    assert explain_reply(451, b"4.3.0 Intenta mas tarde", "RCPT") == (
        "451 4.3.0 Intenta mas tarde",
        False,
    )


def test_a_relay_refusing_every_recipient_waits_for_it_and_makes_no_student_an_error(
    tmp_path, recorder
):
    """«550 5.7.1 Relaying denied» to RCPT was each student's permanent ERROR."""
    controller = smtp.start(recorder, "plain")
    try:
        ws = workspace(tmp_path, controller)
        recorder.refuse_all = "550 5.7.1 Relaying denied"
        for _ in range(3):
            ws.cycle(pool=_pool())
            ws.clock.advance(60 * 13)
        assert not any(str(r[NOTIFIED] or "").startswith("ERROR") for r in ws.rows())
        recorder.refuse_all = None
        ws.cycle(pool=_pool(), replay=True)
    finally:
        controller.stop()
    assert len(recorder.ids()) == len(set(recorder.ids())) >= DUE


def test_the_reason_emails_wait_is_cut_at_a_word_boundary(tmp_path, recorder):
    """`status` cut «…revisa host» as «…revisa hos»."""
    from facultativo.commands.status import campus_status, render

    long = "450 4.7.1 " + " ".join(["Servidor ocupado, revisa host y puerto"] * 8)
    controller = smtp.start(recorder, "plain")
    try:
        ws = workspace(tmp_path, controller)
        recorder.refuse_all = long
        ws.cycle(pool=_pool())
    finally:
        controller.stop()
    [line] = [
        x for x in render([campus_status(ws.config, ws.campus)]).splitlines() if "motivo:" in x
    ]
    reason = line.split("motivo: «", 1)[1].split("»", 1)[0]
    assert reason.endswith("…") and long.startswith(reason[:-1]), reason
    assert long[len(reason) - 1] == " ", reason  # the next character was a space: a whole word
