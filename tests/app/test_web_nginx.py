"""deploy/nginx-facultativo.conf, as shipped, in a real nginx in front of `facultativo web`:
TLS, the upload cap answered by facultativo's Spanish page, the student's address passed
on (and a forged one ignored), and no upload written to nginx's disk.

Only the ports, the certificate and the upstream port are changed. .ci/run installs nginx
and sets FACULTATIVO_SYSTEM_TESTS=required, so there a missing nginx fails the run.
"""

from __future__ import annotations

import os

import pytest
import requests

from tests.support.nginx import HOST, NGINX, free_port, nginx_in_front
from tests.support.web import running_page

if NGINX is None:
    if os.environ.get("FACULTATIVO_SYSTEM_TESTS") == "required":
        raise RuntimeError("FACULTATIVO_SYSTEM_TESTS=required, but nginx is missing")
    pytest.skip("nginx no está instalado (apt-get install nginx)", allow_module_level=True)

pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nginx")
    with running_page(folder / "page", "\n[web]\nchecks_per_address = 3\n") as page:
        upstream = int(page.url.rstrip("/").rsplit(":", 1)[1])
        with nginx_in_front(folder, upstream) as (https, http):
            yield page, https, http, folder


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


def test_plain_http_is_redirected_to_the_configured_name_not_the_host_sent(proxied):
    _, _, http, _ = proxied
    moved = requests.get(
        http + "verificar?x=1", headers={"Host": "malo.example"}, allow_redirects=False, timeout=10
    )
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"https://{HOST}/verificar?x=1"


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
    with nginx_in_front(tmp_path, free_port()) as (https, _):  # nothing listens upstream
        down = requests.get(https, headers={"Host": HOST}, verify=False, timeout=30)
        bad = requests.get(https + "x" * 20000, headers={"Host": HOST}, verify=False, timeout=30)
    assert down.status_code == 503
    assert "La página no está disponible en este momento" in down.text
    assert down.headers["Cache-Control"] == "no-store" and "nginx" not in down.text
    assert bad.status_code == 414 and "No pudimos leer tu solicitud" in bad.text
