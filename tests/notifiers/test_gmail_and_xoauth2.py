"""Sending as the office mailbox with Google credentials: the Gmail API sender against the
fake Google server, and SMTP XOAUTH2 against aiosmtpd with a token from the same fake."""

from __future__ import annotations

import base64
import email
from email import policy

from aiosmtpd.smtp import AuthResult

from facultativo.config import Mail
from facultativo.google_api.account import Account
from facultativo.notifiers import gmail
from facultativo.notifiers import smtp as smtp_sender
from facultativo.settings import Backend
from tests.support import google_env as g
from tests.support import smtp_server as smtp
from tests.support.fake_google import Fault
from tests.support.workspace import EXPECTED, Workspace

DUE = sum(1 for e, _ in EXPECTED if e != "ERROR_TEMPORAL")
MAILBOX = "escolares@demo.example.mx"


def google_table(tmp_path, fake) -> Account:
    key = g.service_account(tmp_path / "credentials.json", fake)
    return Account(credentials=key, endpoint=fake.url)


def test_gmail_api_sends_each_message_once_as_the_office(tmp_path, fake, pool):
    fake.faults.append(Fault(r"/gmail/v1/users/me/messages/send", 503, times=2))
    ws = Workspace(
        tmp_path,
        google=google_table(tmp_path, fake),
        mail=Mail(
            sender=Backend("gmail", gmail.Settings(mailbox=MAILBOX)),
            from_address=f"Escolares <{MAILBOX}>",
        ),
    )
    report = ws.cycle(pool)
    ws.cycle(pool)
    assert report.emails["sent"] == DUE
    messages = [email.message_from_bytes(raw, policy=policy.default) for raw in fake.sent]
    assert len(messages) == DUE == len({m["Message-ID"] for m in messages})
    grant = next(x for x in fake.grants if x["grant"] == "jwt")
    assert grant["sub"] == MAILBOX  # domain-wide delegation: it sends as the mailbox
    assert grant["scope"] == "https://www.googleapis.com/auth/gmail.send"


def test_gmail_rejecting_a_message_shows_in_the_sheet(tmp_path, fake, pool):
    fake.faults.append(
        Fault(r"/gmail/v1/users/me/messages/send", 400, times=1, reason="invalidArgument")
    )
    ws = Workspace(
        tmp_path,
        google=google_table(tmp_path, fake),
        mail=Mail(sender=Backend("gmail", gmail.Settings(mailbox=MAILBOX))),
    )
    ws.cycle(pool)
    notified = ws.column("Validación: notificada el")
    said = "ERROR: Gmail no acepta este correo (casi siempre, la dirección del destinatario"
    [refused] = [n for n in notified if n and n.startswith("ERROR")]
    assert refused.startswith(said) and "(Gmail respondió 400: «" in refused, refused
    assert len(fake.sent) == DUE - 1


class XOAuth2Recorder(smtp.Recorder):
    def __init__(self, tokens: set[str]) -> None:
        super().__init__()
        self.tokens = tokens
        self.users: list[str] = []

    async def auth_XOAUTH2(self, server, args):
        fields = dict(
            part.split("=", 1)
            for part in base64.b64decode(args[1]).decode().split("\1")
            if "=" in part
        )
        token = fields.get("auth", "").removeprefix("Bearer ")
        self.users.append(fields.get("user", ""))
        return AuthResult(success=token in self.tokens)


def xoauth2_workspace(tmp_path, fake, port: int, cafile) -> Workspace:
    """The demo campus sending by SMTP with STARTTLS and an XOAUTH2 token from the key."""
    settings = smtp_sender.Settings(
        host="127.0.0.1",
        port=port,
        security="starttls",
        auth="xoauth2",
        username=MAILBOX,
        cafile=cafile,
    )
    return Workspace(
        tmp_path,
        google=google_table(tmp_path, fake),
        mail=Mail(sender=Backend("smtp", settings)),
    )


def test_smtp_xoauth2_with_a_delegated_service_account(tmp_path, fake, pool):
    recorder = XOAuth2Recorder(fake.tokens)
    cert, key = smtp.certificate(tmp_path)
    controller = smtp.start(recorder, "starttls", cert, key)
    try:
        ws = xoauth2_workspace(tmp_path, fake, controller.port, cert)
        report = ws.cycle(pool)
    finally:
        controller.stop()
    assert report.emails["sent"] == DUE == len(set(recorder.ids()))
    assert recorder.users == [MAILBOX]  # one connection, one login, for the whole cycle
    grant = next(x for x in fake.grants if x["grant"] == "jwt")
    assert grant["sub"] == MAILBOX and grant["scope"] == "https://mail.google.com/"


UNAUTHORIZED = {
    "error": "unauthorized_client",
    "error_description": "Client is unauthorized to retrieve access tokens using this method, "
    "or client not authorized for any of the scopes requested.",
}


def test_gmail_without_domain_wide_delegation_waits_for_it_with_a_spanish_line(
    tmp_path, fake, pool, caplog
):
    """Google refusing the mailbox is the office's setup, not the student's address: no
    traceback, no email marked failed, and the log says where to authorize it."""
    caplog.set_level("INFO", logger="facultativo")
    ws = Workspace(
        tmp_path,
        google=google_table(tmp_path, fake),
        mail=Mail(sender=Backend("gmail", gmail.Settings(mailbox=MAILBOX))),
    )
    fake.token_refusal = UNAUTHORIZED
    report = ws.cycle(pool)
    assert not fake.sent and not report.emails.get("sent") and not report.emails.get("failed")
    assert not any(str(n).startswith("ERROR") for n in ws.column("Validación: notificada el"))
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "delegación de todo el dominio" in logged and "unauthorized_client" not in logged
    assert report.emails["retry"] == DUE  # each waits its turn, none is the student's ERROR


def test_smtp_xoauth2_with_a_refused_key_waits_with_a_spanish_line(tmp_path, fake, pool, caplog):
    caplog.set_level("INFO", logger="facultativo")
    recorder = XOAuth2Recorder(fake.tokens)
    cert, key = smtp.certificate(tmp_path)
    controller = smtp.start(recorder, "starttls", cert, key)
    fake.token_refusal = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
    try:
        ws = xoauth2_workspace(tmp_path, fake, controller.port, cert)
        report = ws.cycle(pool)
    finally:
        controller.stop()
    assert not recorder.ids() and not report.emails.get("sent")
    assert not any(str(n).startswith("ERROR") for n in ws.column("Validación: notificada el"))
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "crea una llave nueva" in logged and "Invalid JWT" not in logged
