"""Google out of reach, or refusing the key, as an office meets it: one Spanish line
with what to do, from whichever door the failure came through, and never a traceback.

Each case is the real failure, made on loopback: a name that does not resolve, a port
nobody listens on, a server that never answers, a certificate nobody signed, a proxy
that is down, and Google's token endpoint refusing with Google's own words."""

from __future__ import annotations

import json
import logging
import re
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from facultativo.config import load
from facultativo.google_api import account as google_account
from facultativo.sync.sources import SourceError
from facultativo.wiring import build_source, build_store
from tests.support import google_env
from tests.support.smtp_server import certificate  # self-signed, for 127.0.0.1

# Words of the libraries' English that must never reach the office.
ENGLISH = re.compile(
    r"\b(the|failed|unable|retrying|expecting|resolve|refused|timed out|traceback|exception|"
    r"max retries|name or service|invalid_grant|invalid jwt|certificate verify)\b",
    re.IGNORECASE,
)
NOWHERE = "https://oauth2.googleapis.invalid/token"  # .invalid never resolves (RFC 2606)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def with_key(tmp_path: Path, fake, timeout: float = 5, **changes: str):
    """The campus's source after the key's fields are changed (e.g. its token_uri)."""
    config = google_env.config(tmp_path, fake, timeout_seconds=timeout)
    key = tmp_path / "credentials.json"
    key.write_text(json.dumps({**json.loads(key.read_text()), **changes}), encoding="utf-8")
    return load(config).campuses[0]


def refusal(tmp_path, fake, **changes: str) -> str:
    with pytest.raises(SourceError) as caught:
        build_source(with_key(tmp_path, fake, **changes)).read()
    text = str(caught.value)
    assert not ENGLISH.search(text), text
    return text


def test_a_name_that_does_not_resolve_says_dns_and_what_to_check(tmp_path, fake):
    text = refusal(tmp_path, fake, token_uri=NOWHERE)
    assert "no se encuentra el servidor de Google (DNS)" in text
    assert "internet" in text and "proxy" in text


def test_a_port_nobody_listens_on_says_no_connection(tmp_path, fake):
    text = refusal(tmp_path, fake, token_uri=f"http://127.0.0.1:{closed_port()}/token")
    assert "sin conexión con Google" in text


def test_a_proxy_that_is_down_is_named(tmp_path, fake, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    text = refusal(tmp_path, fake, token_uri="https://oauth2.googleapis.com/token")
    assert "el proxy no deja pasar la conexión con Google" in text and "HTTPS_PROXY" in text


class _Silent:
    """A server that accepts connections and never answers (a firewall that swallows)."""

    def __enter__(self) -> int:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        return int(self.sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def test_a_server_that_never_answers_says_google_did_not_answer_in_time(tmp_path, fake):
    with _Silent() as port:
        campus = with_key(tmp_path, fake, timeout=1, token_uri=f"http://127.0.0.1:{port}/token")
        with pytest.raises(SourceError) as caught:
            build_source(campus).read()
    assert "Google no respondió a tiempo" in str(caught.value)


def test_a_certificate_nobody_signed_says_install_the_schools_certificate(tmp_path, fake):
    """What a school's HTTPS-inspecting proxy looks like from here."""
    crt, pem = certificate(tmp_path)
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(crt, pem)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        text = refusal(tmp_path, fake, token_uri=f"https://127.0.0.1:{server.server_port}/token")
    finally:
        server.shutdown()
        server.server_close()
    assert "certificado" in text and "REQUESTS_CA_BUNDLE" in text


# Google's token endpoint, word for word, for each way a key stops working.
CLOCK = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
    "timeframe. Check your iat and exp values in the JWT claim."
)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"error": "invalid_grant", "error_description": CLOCK}, "la hora de este equipo"),
        (
            {"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
            "crea una llave nueva",
        ),
        (
            {"error": "invalid_grant", "error_description": "Invalid grant: account not found"},
            "crea una llave nueva",
        ),
        (
            {"error": "invalid_client", "error_description": "The OAuth client was deleted."},
            "descarga de nuevo el JSON",
        ),
    ],
    ids=["clock-skew", "revoked-key", "deleted-account", "deleted-client"],
)
def test_a_key_google_refuses_says_what_to_do(tmp_path, fake, body, says):
    fake.token_refusal = body
    text = refusal(tmp_path, fake)
    assert says in text


def test_a_revoked_oauth_authorization_says_run_auth_again(tmp_path, fake):
    fake.token_refusal = {
        "error": "invalid_grant",
        "error_description": "Token has been expired or revoked.",
    }
    config = google_env.config(tmp_path, fake)
    user = {
        "type": "authorized_user",
        "client_id": "c.apps.googleusercontent.com",
        "client_secret": "s",
        "refresh_token": "1//r",
        "token_uri": f"{fake.url}/token",
    }
    (tmp_path / "credentials.json").write_text(json.dumps(user), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        build_source(load(config).campuses[0]).read()
    assert "vuelve a ejecutar `facultativo auth" in str(caught.value)
    assert not ENGLISH.search(str(caught.value))


def test_drive_out_of_reach_is_a_spanish_failure_of_that_file_not_a_crash(tmp_path, fake):
    store = build_store(with_key(tmp_path, fake, token_uri=NOWHERE))
    failure = store.fetch("1DrvAbcdefghijkXYZ", 10_000)
    assert failure.transient and "no se encuentra el servidor de Google (DNS)" in failure.detail
    assert not ENGLISH.search(failure.detail)


def test_the_log_line_of_an_error_temporal_names_it_and_says_why(tmp_path, fake, pool, caplog):
    """It read «fila 21: ERROR_TEMPORAL » with an empty code."""
    from tests.support.fake_google.server import Fault

    google_env.spreadsheet(fake, google_env.demo_rows(fake)[:3])
    fake.faults.append(Fault(r"alt=media", 503, times=1000))
    caplog.set_level(logging.INFO, logger="facultativo")
    google_env.cycle(google_env.config(tmp_path, fake), pool)
    rows = [r.getMessage() for r in caplog.records if r.getMessage().startswith("fila ")]
    errors = [line for line in rows if "ERROR" in line]
    assert errors, rows
    for line in errors:
        assert re.fullmatch(
            r"fila \d+: ERROR TEMPORAL \(.*Google Drive.*\(intento 1 de 5.*\)", line
        )


def test_a_retried_call_is_logged_by_its_status_not_the_librarys_english(tmp_path, fake, caplog):
    from tests.support.fake_google.server import Fault

    google_env.spreadsheet(fake, google_env.demo_rows(fake)[:1])
    fake.faults.append(Fault(r"values:batchGet", 503, times=1))
    caplog.set_level(logging.INFO, logger="facultativo")
    build_source(load(google_env.config(tmp_path, fake)).campuses[0]).read()
    retried = [r.getMessage() for r in caplog.records if "reintento" in r.getMessage()]
    assert retried and retried[0].startswith("Google respondió HTTP 503; reintento 1 en ")
    assert not ENGLISH.search(" ".join(retried)) and "APIError" not in retried[0]


def test_a_night_without_drive_sends_nobody_to_manual_review(tmp_path, fake, pool):
    """Sheets answers, Drive does not: the rows wait as ERROR TEMPORAL however many cycles
    it lasts (it is not the files' fault), and are decided once Drive is back."""
    from tests.support.fake_google.server import Fault

    google_env.spreadsheet(fake, google_env.demo_rows(fake, two_links_in_first=False)[1:3])
    config = google_env.config(tmp_path, fake)
    config.write_text(
        config.read_text().replace("retry_minutes = 0", "max_attempts = 2\nretry_minutes = 0")
    )
    fake.faults.append(Fault(r"^GET /drive/v3/files/1Drv", drop=True, times=10_000))
    for _ in range(4):
        report = google_env.cycle(config, pool)
        assert report.estados == {"ERROR_TEMPORAL": 2}, report.estados
    estados = google_env.column(fake.spreadsheets[google_env.SHEET_ID], "Validación: detalle")
    assert all("no cuenta como intento" in d for d in estados), estados
    assert not list((tmp_path / "outbox").glob("*.eml"))
    fake.faults.clear()
    report = google_env.cycle(config, pool)
    assert "ERROR_TEMPORAL" not in report.estados and "REVISION_MANUAL" not in report.estados


def test_one_variable_makes_sheets_and_drive_trust_the_schools_inspecting_proxy(
    tmp_path, fake, monkeypatch
):
    """The advice says REQUESTS_CA_BUNDLE; Drive (httplib2) must heed it as Sheets does."""
    crt, pem = certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(crt, pem)
    fake.server.socket = context.wrap_socket(fake.server.socket, server_side=True)
    google_env.spreadsheet(fake, google_env.demo_rows(fake, two_links_in_first=False)[:1])
    with_key(tmp_path, fake)
    tls = fake.url.replace("http://", "https://")
    config = tmp_path / "facultativo.toml"
    config.write_text(config.read_text().replace(fake.url, tls))
    key = tmp_path / "credentials.json"
    key.write_text(key.read_text().replace(fake.url, tls))
    campus = load(config).campuses[0]
    cell = next(
        c for c in fake.spreadsheets[google_env.SHEET_ID].sheets[0].rows[1] if "drive" in str(c)
    )
    ref = build_store(campus).refs(cell)
    with pytest.raises(SourceError, match="REQUESTS_CA_BUNDLE"):
        build_source(campus).read()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(crt))
    google_account.forget()
    assert len(build_source(campus).read().rows) == 1
    got = build_store(campus).fetch(ref[0], 10_000_000)
    assert got.data.startswith(b"%PDF"), got


# Google's answers when an API is off in the key's project, as each API words it.
SHEETS_OFF = {
    "error": {
        "code": 403,
        "message": "Google Sheets API has not been used in project 1234 before or it is "
        "disabled. Enable it by visiting https://console.developers.google.com/apis/api/"
        "sheets.googleapis.com/overview?project=1234 then retry.",
        "status": "PERMISSION_DENIED",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "SERVICE_DISABLED",
                "domain": "googleapis.com",
                "metadata": {"service": "sheets.googleapis.com", "consumer": "projects/1234"},
            }
        ],
    }
}
DRIVE_OFF = {
    "error": {
        "code": 403,
        "message": "Google Drive API has not been used in project 1234 before or it is disabled.",
        "errors": [{"domain": "usageLimits", "reason": "accessNotConfigured", "message": "…"}],
    }
}


def test_an_api_not_enabled_says_enable_it_not_share_the_sheet(tmp_path, fake, pool):
    from tests.support.fake_google.server import Fault

    google_env.spreadsheet(fake, google_env.demo_rows(fake, two_links_in_first=False)[:1])
    campus = with_key(tmp_path, fake)
    fake.faults.append(Fault(r"^GET /v4/spreadsheets/", 403, body=SHEETS_OFF))
    with pytest.raises(SourceError) as caught:
        build_source(campus).read()
    assert "habilita Google Sheets API" in str(caught.value)
    assert "comparte" not in str(caught.value)
    fake.faults[:] = [Fault(r"^GET /drive/v3/files/1Drv", 403, body=DRIVE_OFF, times=100)]
    cell = next(
        c for c in fake.spreadsheets[google_env.SHEET_ID].sheets[0].rows[1] if "drive" in str(c)
    )
    failure = build_store(campus).fetch(build_store(campus).refs(cell)[0], 10_000_000)
    assert "habilita Google Drive API" in failure.detail and failure.unreachable


def test_a_replaced_key_is_used_on_the_next_try_without_a_restart(tmp_path, fake):
    """The log said «crea una llave nueva y reemplaza el archivo»; IT did, and the
    running process (which builds its Google backends once) reads with the new key."""
    google_env.spreadsheet(fake, google_env.demo_rows(fake, two_links_in_first=False)[:1])
    campus = with_key(tmp_path, fake)
    fake.revoked_keys.add("k1")
    with pytest.raises(SourceError, match="crea una llave nueva"):
        build_source(campus).read()
    key = tmp_path / "credentials.json"
    key.write_text(json.dumps({**json.loads(key.read_text()), "private_key_id": "k2-nueva"}))
    assert len(build_source(campus).read().rows) == 1
    assert build_store(campus).probe(next(iter(fake.files))) is None


class _ProxyWantingAPassword:
    """A school proxy that answers every CONNECT with 407."""

    def __enter__(self) -> int:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        threading.Thread(target=self._serve, daemon=True).start()
        return int(self.sock.getsockname()[1])

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="escuela"\r\nContent-Length: 0\r\n\r\n'
                )

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def test_a_proxy_that_wants_a_password_says_where_to_put_it(tmp_path, fake, monkeypatch):
    with _ProxyWantingAPassword() as port:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        text = refusal(tmp_path, fake, token_uri="https://oauth2.googleapis.com/token")
    assert "el proxy pide usuario y contraseña" in text and "HTTPS_PROXY" in text


def test_a_request_google_refuses_for_good_is_not_promised_a_retry(tmp_path, fake):
    from tests.support.fake_google.server import Fault

    google_env.spreadsheet(fake, google_env.demo_rows(fake, two_links_in_first=False)[:1])
    campus = with_key(tmp_path, fake)
    fake.faults.append(Fault(r"^GET /v4/spreadsheets/", 400, reason="badRequest"))
    with pytest.raises(SourceError) as caught:
        build_source(campus).read()
    assert not caught.value.transient and "se reintentará" not in str(caught.value)
    assert "Google rechazó la petición (HTTP 400)" in str(caught.value)
