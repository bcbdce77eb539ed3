"""deploy/nginx-facultativo.conf, as shipped, in a real nginx in front of `facultativo web`:
TLS, the upload cap answered by facultativo's Spanish page, the student's address passed
on (and a forged one ignored), and no upload written to nginx's disk.

Only the ports, the certificate and the upstream port are changed. .ci/run installs nginx
and sets FACULTATIVO_SYSTEM_TESTS=required, so there a missing nginx fails the run.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.support import ROOT
from tests.support.web import running_page

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
if NGINX is None:
    if os.environ.get("FACULTATIVO_SYSTEM_TESTS") == "required":
        raise RuntimeError("FACULTATIVO_SYSTEM_TESTS=required, but nginx is missing")
    pytest.skip("nginx no está instalado (apt-get install nginx)", allow_module_level=True)

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
HOST = "constancia.example.edu.mx"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _certificate(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    crt, pem = folder / "cert.pem", folder / "key.pem"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return crt, pem


def _site(folder: Path, http: int, https: int, upstream: int) -> Path:
    """The shipped snippet with this test's ports and certificate, nothing else changed."""
    crt, pem = _certificate(folder)
    text = (ROOT / "deploy" / "nginx-facultativo.conf").read_text(encoding="utf-8")
    for line, new in (
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;"),
        ("listen [::]:443 ssl;", ""),
    ):
        assert line in text, line
        text = text.replace(line, new)
    text = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {crt};", text)
    text = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {pem};", text)
    assert "127.0.0.1:8080" in text
    text = text.replace("127.0.0.1:8080", f"127.0.0.1:{upstream}")
    site = folder / "site.conf"
    site.write_text(text, encoding="utf-8")
    return site


@contextmanager
def nginx_in_front(folder: Path, upstream: int) -> Iterator[tuple[str, str]]:
    """nginx with the shipped site in `folder`, proxying to `upstream`: (https, http) URLs."""
    http, https = _free_port(), _free_port()
    site = _site(folder, http, https, upstream)
    temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    temps = "".join(f"  {name}_temp_path {path};\n" for name, path in temp.items())
    conf = folder / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\nerror_log {folder / 'error.log'} warn;\n"
        f"pid {folder / 'nginx.pid'};\nevents {{ worker_connections 64; }}\n"
        "http {\n"
        + temps.replace("  body_temp_path", "  client_body_temp_path")
        + f"  include {site};\n}}\n",
        encoding="utf-8",
    )
    check = subprocess.run(
        [NGINX, "-t", "-c", str(conf), "-p", str(folder)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    nginx = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(folder), "-g", "daemon off;"],
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_port(https)
        yield f"https://127.0.0.1:{https}/", f"http://127.0.0.1:{http}/"
    finally:
        nginx.terminate()
        nginx.wait(timeout=20)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nginx")
    with running_page(folder / "page", "\n[web]\nchecks_per_address = 3\n") as page:
        upstream = int(page.url.rstrip("/").rsplit(":", 1)[1])
        with nginx_in_front(folder, upstream) as (https, http):
            yield page, https, http, folder


def _wait_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("nginx did not start")


def _post(url: str, pdf: bytes, headers: dict | None = None) -> requests.Response:
    return requests.post(
        url + "verificar",
        data={"tipo": "alta", "nss": "12220456789"},
        files={"constancia": ("ana.pdf", pdf, "application/pdf")},
        headers={"Host": HOST, **(headers or {})},
        verify=False,
        timeout=60,
    )


def test_the_page_is_served_over_tls_and_plain_http_is_redirected(proxied):
    _, https, http, _ = proxied
    served = requests.get(https, headers={"Host": HOST}, verify=False, timeout=10)
    assert served.status_code == 200 and "Revisa tu constancia" in served.text
    assert served.headers["Strict-Transport-Security"].startswith("max-age=")
    assert served.headers["Content-Security-Policy"].startswith("default-src 'none'")
    moved = requests.get(http, headers={"Host": HOST}, allow_redirects=False, timeout=10)
    assert moved.status_code == 301 and moved.headers["Location"].startswith("https://")


def test_checks_through_nginx_and_what_it_must_not_do(proxied):
    page, https, _, folder = proxied
    ok = _post(https, page.constancia("ana"))
    assert ok.status_code == 200 and "sería ACEPTADA" in ok.text
    big = _post(https, b"%PDF-1.4\n" + b"0" * (12 * 2**20))
    assert big.status_code == 413
    assert "El archivo es demasiado grande" in big.text and "nginx" not in big.text
    # a 9 MB upload stays in nginx's memory: it warns whenever it buffers one to disk
    large = page.constancia("ana") + b"\n%" + b"x" * (9 * 2**20)
    assert _post(https, large).status_code == 200
    log = (folder / "error.log").read_text()
    assert "buffered to a temporary file" not in log
    # three checks allowed per address; forged addresses are replaced by nginx with the
    # real one (this machine), so they do not buy more checks
    forged = [
        _post(https, page.constancia("ana"), {"X-Forwarded-For": f"203.0.113.{i}"}).status_code
        for i in range(3)
    ]
    assert forged == [200, 429, 429]


def test_while_the_page_is_down_students_get_a_spanish_page(tmp_path):
    with nginx_in_front(tmp_path, _free_port()) as (https, _):  # nothing listens upstream
        down = requests.get(https, headers={"Host": HOST}, verify=False, timeout=30)
        bad = requests.get(https + "x" * 20000, headers={"Host": HOST}, verify=False, timeout=30)
    assert down.status_code == 503
    assert "La página no está disponible en este momento" in down.text
    assert down.headers["Cache-Control"] == "no-store" and "nginx" not in down.text
    assert bad.status_code == 414 and "No pudimos leer tu solicitud" in bad.text
