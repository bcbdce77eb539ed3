"""A real SMTP server on loopback (aiosmtpd) that records what it accepts and can answer
with chosen replies or drop the connection, plus a throwaway TLS certificate."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import socket
import ssl
from collections import Counter
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from facultativo.config import Mail
from facultativo.notifiers import smtp as smtp_sender
from facultativo.settings import Backend
from tests.support.workspace import Workspace

USER, PASSWORD = "escolares@demo.example.mx", "abcd efgh ijkl mnop"


class Recorder:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.rcpt_replies: dict[str, list[str]] = {}  # address -> replies to give, in order
        self.data_replies: dict[int, str] = {}  # nth DATA (1-based) -> reply instead of 250
        self.drop_at: set[int] = set()  # nth DATA at which the connection is cut
        self.data_count = 0
        self.refuse_all: str | None = None  # a reply to every RCPT (greylisting, a rate limit)
        self.rcpt_tries: Counter[str] = Counter()  # RCPTs seen per address
        self.mail_reply: str | None = None  # a reply to MAIL FROM (a relay refusing us)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_tries[address] += 1
        if self.refuse_all:
            return self.refuse_all
        queued = self.rcpt_replies.get(address)
        if queued:
            return queued.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_count += 1
        if self.data_count in self.drop_at:
            server.transport.close()
            return "421 cortado"
        if self.data_count in self.data_replies:
            return self.data_replies[self.data_count]
        msg = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 2.0.0 OK"

    def ids(self) -> list[str]:
        return [str(m["Message-ID"]) for _, m in self.messages]


def authenticator(server, session, envelope, mechanism, auth_data, password=PASSWORD):
    """USER with `password`, compared as the UTF-8 the client sent."""
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode() == USER and auth_data.password.decode() == password
    )
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


def start(
    recorder: Recorder,
    mode: str,
    cert: Path | None = None,
    key: Path | None = None,
    auth: bool = False,
    password: str = PASSWORD,
    mechanisms: tuple[str, ...] = (),
) -> Controller:
    """mode: "plain", "starttls" or "ssl" (implicit TLS). With `auth`, USER logs in with
    `password`; `mechanisms`: offer only these AUTH mechanisms (default: all)."""
    kwargs: dict = {}
    if auth:

        def check(server, session, envelope, mechanism, auth_data):
            return authenticator(server, session, envelope, mechanism, auth_data, password)

        kwargs.update(authenticator=check, auth_require_tls=(mode == "starttls"))
        if mechanisms:
            kwargs["auth_exclude_mechanism"] = [
                m for m in ("PLAIN", "LOGIN") if m not in mechanisms
            ]
    if mode == "starttls":
        kwargs.update(tls_context=server_context(cert, key), require_starttls=True)
    if mode == "ssl":
        kwargs["ssl_context"] = server_context(cert, key)
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller


def smtp_workspace(tmp_path, controller, mode="plain", auth=False, cafile=None, **mail):
    settings = dict(
        host="127.0.0.1",
        port=controller.port,
        security={"plain": "none"}.get(mode, mode),
        timeout_seconds=10,
        cafile=cafile,
    )
    if auth:
        settings.update(username=USER, password_env="FACULTATIVO_SMTP_PASSWORD")
    cap = mail.pop("daily_cap", Mail.daily_cap)  # the campus's, whichever sender it uses
    settings.update(mail)
    sender = Backend("smtp", smtp_sender.Settings(**settings))
    office = "Servicios Escolares <escolares@demo.example.mx>"
    return Workspace(tmp_path, mail=Mail(sender=sender, from_address=office, daily_cap=cap))
