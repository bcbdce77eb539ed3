"""OAuth user credentials end to end, `check` and `sync --once` against the fake server,
and the fake's answers checked against the discovery documents googleapiclient bundles."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
import threading
import urllib.request
import webbrowser
from pathlib import Path

import googleapiclient
import pytest

from facultativo.google_api.auth import SCOPES, load_credentials, run_installed_flow
from tests.support import google_env as g
from tests.support.fake_google import FakeGoogle, authorize_code
from tests.support.google_env import cycle
from tests.support.sheet import ESTADO
from tests.support.workspace import EXPECTED

EXE = [sys.executable, "-m", "facultativo.cli"]


class ClickingBrowser(webbrowser.BaseBrowser):
    """A person who opens the link and clicks «Permitir»."""

    def __init__(self, fake: FakeGoogle) -> None:
        super().__init__("facultativo-test")
        self.fake = fake

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        redirect = authorize_code(self.fake, url)
        threading.Thread(
            target=lambda: urllib.request.urlopen(redirect, timeout=10).read(), daemon=True
        ).start()
        return True


def test_installed_app_flow_caches_a_private_token_that_then_works(
    tmp_path, fake, pool, monkeypatch
):
    # oauthlib insists on https; the fake server is plain http on loopback.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    client = tmp_path / "cliente_oauth.json"
    client.write_text(
        json.dumps(
            {
                "installed": {
                    "client_id": "123.apps.googleusercontent.com",
                    "client_secret": "s3cr3t",
                    "auth_uri": f"{fake.url}/auth",
                    "token_uri": f"{fake.url}/token",
                    "redirect_uris": ["http://localhost"],
                }
            }
        ),
        encoding="utf-8",
    )
    client.chmod(0o600)
    webbrowser.register("facultativo-test", None, ClickingBrowser(fake))
    token = run_installed_flow(client, tmp_path / "token.json", browser="facultativo-test")
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert sorted(fake.grants[-1]["scope"].split()) == sorted(SCOPES)
    creds = load_credentials(client)
    assert creds.refresh_token
    cached = json.loads(token.read_text())
    cached["expiry"] = "2000-01-01T00:00:00Z"  # a day later: the access token has expired
    token.write_text(json.dumps(cached))
    book = g.spreadsheet(fake, g.demo_rows(fake))
    path = g.config(tmp_path, fake)
    text = path.read_text().replace(
        'credentials = "credentials.json"', 'credentials = "cliente_oauth.json"'
    )
    path.write_text(text, encoding="utf-8")
    cycle(path, pool)
    assert any(x["grant"] == "refresh" for x in fake.grants)
    assert len([e for e in g.column(book, ESTADO) if e]) == len(EXPECTED)


class CancellingBrowser(ClickingBrowser):
    """A person who opens the link and clicks «Cancelar»: Google redirects with an error."""

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        redirect = re.sub(r"code=[^&]+", "error=access_denied", authorize_code(self.fake, url))
        threading.Thread(
            target=lambda: urllib.request.urlopen(redirect, timeout=10).read(), daemon=True
        ).start()
        return True


def _client(tmp_path: Path, fake: FakeGoogle, **uris: str) -> Path:
    client = tmp_path / "cliente_oauth.json"
    installed = {
        "client_id": "123.apps.googleusercontent.com",
        "client_secret": "s3cr3t",
        "auth_uri": f"{fake.url}/auth",
        "token_uri": f"{fake.url}/token",
        "redirect_uris": ["http://localhost"],
        **uris,
    }
    client.write_text(json.dumps({"installed": installed}), encoding="utf-8")
    client.chmod(0o600)
    return client


# case: (browser, the token endpoint's refusal, client overrides, insecure allowed, the line)
AUTH_FAILURES = {
    "Cancelar": (CancellingBrowser, None, {}, True, "en la página de Google se eligió «Cancelar»"),
    "invalid_grant": (
        ClickingBrowser,
        {"error": "invalid_grant", "error_description": "Bad Request"},
        {},
        True,
        "Google no aceptó el código de autorización (venció, ya se usó, o la hora",
    ),
    "invalid_client": (
        ClickingBrowser,
        {"error": "invalid_client", "error_description": "The OAuth client was not found."},
        {},
        True,
        "Google no reconoce el cliente OAuth de",
    ),
    "http": (
        ClickingBrowser,
        None,
        {},
        False,
        "auth_uri o token_uri usan http:// y la autorización solo viaja por https",
    ),
    "sin red": (
        ClickingBrowser,
        None,
        {"token_uri": "http://127.0.0.1:1/token"},
        True,
        "no se completó la autorización; sin conexión con Google: revisa que este equipo "
        "tenga internet",
    ),
}


@pytest.mark.parametrize("case", list(AUTH_FAILURES))
def test_each_way_authorization_fails_is_one_spanish_line_with_its_fix(
    tmp_path, fake, monkeypatch, case
):
    from facultativo.google_api.auth import AuthError

    browser, refusal, uris, insecure, expected = AUTH_FAILURES[case]
    if insecure:
        monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    else:
        monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    fake.token_refusal = refusal
    webbrowser.register("facultativo-test", None, browser(fake))
    with pytest.raises(AuthError) as raised:
        run_installed_flow(
            _client(tmp_path, fake, **uris), tmp_path / "t.json", browser="facultativo-test"
        )
    line = str(raised.value)
    assert expected in line and "\n" not in line, line
    assert not re.search(r"Error|not found|Bad Request|Connection", line), line
    assert not (tmp_path / "t.json").exists()


def test_auth_with_a_service_account_key_says_it_needs_no_auth_and_exits_2(tmp_path, fake):
    g.spreadsheet(fake, g.demo_rows(fake))
    result = run("auth", "--no-browser", "--config", str(g.config(tmp_path, fake)))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "es una llave de cuenta de servicio: no necesita `facultativo auth`" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_missing_oauth_token_says_to_run_auth(tmp_path):
    from facultativo.google_api.auth import AuthError

    client = tmp_path / "cliente.json"
    client.write_text(json.dumps({"installed": {"client_id": "x", "client_secret": "y"}}))
    with pytest.raises(AuthError, match="facultativo auth"):
        load_credentials(client)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EXE, *args], capture_output=True, text=True, timeout=180)


def test_sync_once_and_check_against_the_fake_server(tmp_path, fake):
    book = g.spreadsheet(fake, g.demo_rows(fake))
    path = g.config(tmp_path, fake)
    check = run("check", "--config", str(path))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "se puede leer un archivo adjunto" in check.stdout
    once = run("sync", "--config", str(path), "--once")
    assert once.returncode == 0, once.stderr
    assert [e for e in g.column(book, ESTADO) if e] and "Traceback" not in once.stderr
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == sum(
        1 for e, _ in EXPECTED if e != "ERROR_TEMPORAL"
    )


def test_check_names_each_fix(tmp_path, fake):
    book = g.spreadsheet(fake, g.demo_rows(fake, two_links_in_first=False))
    book.editable = False
    fake.files[book.sheets[0].rows[1][-1].split("id=")[1]].shared = False
    result = run("check", "--config", str(g.config(tmp_path, fake)))
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("ERROR")]
    assert any(f"compártela con {g.SA_EMAIL} como editor" in e for e in errors)
    assert any(
        f"comparte la carpeta de respuestas del formulario con {g.SA_EMAIL}" in e for e in errors
    )
    book.shared = False
    result = run("check", "--config", str(g.config(tmp_path, fake)))
    assert f"comparte la hoja con {g.SA_EMAIL}" in result.stdout


# --- the fake's answers against the bundled discovery documents ---------------------------

DOCS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"


def _schema_problems(doc: dict, schema: dict, value: object, where: str) -> list[str]:
    if "$ref" in schema:
        schema = doc["schemas"][schema["$ref"]]
    kind = schema.get("type")
    if kind == "object" and isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        problems = []
        for key, item in value.items():
            sub = props.get(key) or extra
            if sub is None:
                problems.append(f"{where}.{key} is not in the schema")
            else:
                problems += _schema_problems(doc, sub, item, f"{where}.{key}")
        return problems
    if kind == "array" and isinstance(value, list):
        return [
            p
            for i, v in enumerate(value)
            for p in _schema_problems(doc, schema.get("items", {}), v, f"{where}[{i}]")
        ]
    expected = {"string": str, "integer": int, "boolean": bool, "number": (int, float)}
    if kind in expected and not isinstance(value, expected[kind]):
        return [f"{where}: {type(value).__name__} where the schema says {kind}"]
    return []


def test_fake_answers_match_the_discovery_documents(tmp_path, fake, pool):
    from urllib.request import Request, urlopen

    g.spreadsheet(fake, g.demo_rows(fake))
    cycle(g.config(tmp_path, fake), pool)
    token = next(iter(fake.tokens))
    sheets = json.loads((DOCS / "sheets.v4.json").read_text())
    drive = json.loads((DOCS / "drive.v3.json").read_text())

    def get(path: str) -> dict:
        req = Request(fake.url + path, headers={"Authorization": f"Bearer {token}"})
        return json.loads(urlopen(req, timeout=10).read())

    base = f"/v4/spreadsheets/{g.SHEET_ID}"
    answers = [
        (sheets, "Spreadsheet", get(base)),
        (
            sheets,
            "BatchGetValuesResponse",
            get(f"{base}/values:batchGet?ranges=A1:C3&valueRenderOption=UNFORMATTED_VALUE"),
        ),
        (sheets, "ValueRange", get(f"{base}/values/A1:B2")),
        (
            drive,
            "File",
            get("/drive/v3/files/1Drv000anaxyz?fields=id,name,mimeType,size,md5Checksum"),
        ),
    ]
    for doc, name, body in answers:
        assert _schema_problems(doc, {"$ref": name}, body, name) == []
