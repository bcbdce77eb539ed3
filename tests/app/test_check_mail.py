"""`facultativo check` and the mail server, as the IT person runs it: the app password the
environment must hold, and `--probar-correo`, a real login against a loopback SMTP server
(aiosmtpd) that sends nothing; every failure one Spanish line with its fix."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import smtp_server as smtp

EXE = [sys.executable, "-m", "facultativo.cli"]
VARIABLE = "FACULTATIVO_SMTP_PASSWORD"

# What smtplib, ssl and the OS say in English; none of it may reach the IT person.
ENGLISH = re.compile(
    r"Errno|SSL|certificate|Connection|timed out|not supported|Authentication|Username|"
    r"unexpectedly|Name or service|refused|No suitable|Traceback",
)


class Sessions(smtp.Recorder):
    """The recorder, plus every session that ended with QUIT and whether it had logged in."""

    def __init__(self) -> None:
        super().__init__()
        self.ehlos = 0
        self.quits: list[bool] = []
        self.mails = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.ehlos += 1
        session.host_name = hostname  # what aiosmtpd does itself when there is no hook
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mails += 1
        return await super().handle_MAIL(server, session, envelope, address, mail_options)

    async def handle_QUIT(self, server, session, envelope):
        self.quits.append(bool(session.authenticated))
        return "221 Adiós"


def config(tmp_path: Path, port: int, **mail: object) -> Path:
    """The demo's configuration, sending over SMTP to 127.0.0.1:`port` with a password."""
    from facultativo import demo

    demo.build(tmp_path)
    path = tmp_path / "facultativo.toml"
    keys = {
        "host": "127.0.0.1",
        "port": port,
        "security": "starttls",
        "username": smtp.USER,
        "password_env": VARIABLE,
        "cafile": "smtp-cert.pem",
        "timeout_seconds": 5,
        **mail,
    }
    lines = "".join(
        f"{k} = {v}\n" if isinstance(v, int) else f'{k} = "{v}"\n'
        for k, v in keys.items()
        if v is not None
    )
    text = path.read_text(encoding="utf-8")
    outbox = 'sender = "outbox"\noutbox = "outbox"\n'
    assert outbox in text, "the demo's [campus.mail] changed: update this test"
    path.write_text(text.replace(outbox, 'sender = "smtp"\n' + lines), encoding="utf-8")
    return path


def check(path: Path, *args: str, password: str | None = smtp.PASSWORD):
    env = {k: v for k, v in os.environ.items() if k != VARIABLE}
    if password is not None:
        env[VARIABLE] = password
    return subprocess.run(
        [*EXE, "check", "--config", str(path), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def errors(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("ERROR")]


@pytest.fixture
def server(tmp_path):
    """A STARTTLS server with AUTH and a throwaway certificate (tmp_path/smtp-cert.pem)."""
    sessions = Sessions()
    cert, key = smtp.certificate(tmp_path)
    controller = smtp.start(sessions, "starttls", cert, key, auth=True)
    yield controller, sessions
    controller.stop()


@pytest.mark.parametrize("password", [None, ""], ids=["sin variable", "vacía"])
def test_check_names_a_missing_smtp_password_and_where_it_goes(tmp_path, password):
    result = check(config(tmp_path, smtp.free_port()), password=password)
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = errors(result)
    assert line.startswith(
        f"ERROR campus demo: correo: la variable de entorno {VARIABLE} no existe o está vacía"
    )
    assert "/etc/facultativo/env" in line and "set -a" in line
    assert result.stderr == ""


def test_probar_correo_logs_in_and_sends_nothing_and_check_alone_never_connects(tmp_path, server):
    controller, sessions = server
    path = config(tmp_path, controller.port)
    plain = check(path)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert sessions.ehlos == 0 and sessions.quits == []
    probed = check(path, "--probar-correo")
    assert probed.returncode == 0, probed.stdout + probed.stderr
    assert "Todo en orden." in probed.stdout
    assert (
        f"ok    campus demo: correo: inició sesión en 127.0.0.1:{controller.port} (starttls) "
        f"como {smtp.USER}; acepta enviar desde escolares@demo.example.mx; no se envió nada"
    ) in probed.stdout
    assert sessions.quits == [True]  # logged in, then QUIT
    # MAIL FROM, then RSET: no RCPT, no DATA
    assert sessions.mails == 1 and not sessions.rcpt_tries and not sessions.messages


def test_probar_correo_catches_a_server_refusing_the_sender_in_spanish(tmp_path, server):
    controller, sessions = server
    sessions.mail_reply = "550 5.7.1 Relaying denied: sender not permitted"
    result = check(config(tmp_path, controller.port), "--probar-correo")
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = errors(result)
    assert line.startswith(
        "ERROR campus demo: correo: el servidor no deja enviar desde esta cuenta o dirección "
        "(relay): revisa username, from y security en [campus.mail]"
    ), line
    assert line.endswith("(550 5.7.1: «Relaying denied: sender not permitted»)"), line
    assert sessions.mails == 1 and not sessions.rcpt_tries and not sessions.messages
    assert result.stderr == ""


FAILURES = {
    # case: (server mode, server has AUTH, password, config overrides, what the line says)
    "contraseña rechazada": (
        "starttls",
        True,
        "incorrecta",
        {},
        f"rechazó el usuario «{smtp.USER}» o la contraseña de aplicación (535): revisa "
        f"username en [campus.mail] y la contraseña ({VARIABLE} en /etc/facultativo/env)",
    ),
    "conexión rechazada": (
        "plain",
        False,
        smtp.PASSWORD,
        {"port": "free"},
        "el servidor rechazó la conexión: revisa host y port",
    ),
    "servidor inexistente": (
        "plain",
        False,
        smtp.PASSWORD,
        {"host": "smtp.no-existe.invalid"},
        "no se encontró el servidor (DNS): revisa host",
    ),
    "sin respuesta": (
        "plain",
        False,
        smtp.PASSWORD,
        {"port": "silent", "timeout_seconds": 1},
        "el servidor no respondió en 1 s: revisa host y port",
    ),
    "certificado desconocido": (
        "starttls",
        True,
        smtp.PASSWORD,
        {"cafile": None},
        "el certificado del servidor es autofirmado; si el servidor usa una autoridad propia, "
        "indica su certificado con cafile en [campus.mail]",
    ),
    "TLS directo en un puerto STARTTLS": (
        "starttls",
        True,
        smtp.PASSWORD,
        {"security": "ssl"},
        'no se pudo establecer TLS; revisa security y port (587 con "starttls", 465 con "ssl")',
    ),
    "sin STARTTLS": (
        "plain",
        False,
        smtp.PASSWORD,
        {},
        "no ofrece STARTTLS: revisa security y port",
    ),
    "sin AUTH": (
        "plain",
        False,
        smtp.PASSWORD,
        {"security": "none"},
        'no ofrece AUTH (inicio de sesión): si este servidor no pide contraseña, usa auth = "none"',
    ),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_probar_correo_says_each_failure_in_one_spanish_line_with_its_fix(tmp_path, case):
    mode, auth, password, overrides, expected = FAILURES[case]
    settings = dict(overrides)
    sessions = Sessions()
    cert, key = smtp.certificate(tmp_path)
    controller = smtp.start(sessions, mode, cert, key, auth=auth)
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never says a word
    try:
        port = {
            "free": smtp.free_port(),
            "silent": silent.getsockname()[1],
        }.get(str(settings.pop("port", "")), controller.port)
        result = check(config(tmp_path, port, **settings), "--probar-correo", password=password)
    finally:
        silent.close()
        controller.stop()
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = errors(result)
    assert line.startswith("ERROR campus demo: correo: ") and expected in line, line
    assert not ENGLISH.search(line), line
    assert result.stderr == ""
    assert sessions.mails == 0 and not sessions.messages


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_a_password_with_n_and_accents_logs_in_as_utf8(tmp_path, mechanism):
    sessions = Sessions()
    cert, key = smtp.certificate(tmp_path)
    controller = smtp.start(
        sessions, "starttls", cert, key, auth=True, password="contraseña", mechanisms=(mechanism,)
    )
    try:
        result = check(config(tmp_path, controller.port), "--probar-correo", password="contraseña")
    finally:
        controller.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "inició sesión en" in result.stdout and result.stderr == ""
    assert sessions.quits == [True]


def test_a_non_ascii_password_the_server_refuses_is_one_line_saying_why(tmp_path):
    sessions = Sessions()
    cert, key = smtp.certificate(tmp_path)
    controller = smtp.start(sessions, "starttls", cert, key, auth=True)
    try:
        result = check(config(tmp_path, controller.port), "--probar-correo", password="contraseña")
    finally:
        controller.stop()
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = errors(result)
    assert "rechazó el usuario" in line and "fuera de ASCII" in line, line
    assert "contraseñas de aplicación de Gmail solo usan letras a-z" in line
    assert not ENGLISH.search(line) and "codec" not in line, line
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("state", "said"),
    [
        ("falta", "no existe password_file {path}: créalo con la contraseña de aplicación"),
        ("vacío", "password_file {path} está vacío: escribe en él la contraseña de aplicación"),
        ("carpeta", "no se puede leer password_file {path} ("),
    ],
)
def test_check_names_a_missing_empty_or_unreadable_password_file_like_the_variable(
    tmp_path, state, said
):
    path = config(tmp_path, smtp.free_port(), password_env=None, password_file="smtp-password")
    secret = tmp_path / "smtp-password"
    if state == "vacío":
        secret.write_text("\n", encoding="utf-8")
    if state == "carpeta":
        secret.mkdir()  # unreadable as a file, even for root
    result = check(path, password=None)
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = errors(result)
    assert line.startswith("ERROR campus demo: correo: " + said.format(path=secret)), line
    assert "Todo en orden." not in result.stdout and result.stderr == ""
    assert not ENGLISH.search(line), line


def test_a_password_ending_in_a_windows_carriage_return_logs_in_and_says_why(tmp_path, server):
    """/etc/facultativo/env saved on Windows, loaded with sh («set -a; . env»): the password
    ended in \r and the server answered 535."""
    controller, _ = server
    result = check(
        config(tmp_path, controller.port), "--probar-correo", password=smtp.PASSWORD + "\r"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "inició sesión en" in result.stdout
    [warning] = [line for line in result.stderr.splitlines() if "retorno de carro" in line]
    assert f"{VARIABLE} termina en un retorno de carro" in warning
    assert "sed -i 's/\\r$//' /etc/facultativo/env" in warning
