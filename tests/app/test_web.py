"""`facultativo web` over real HTTP: the real uvicorn and Starlette in their own process,
on the demo's campus and constancias, posted to as a browser without JavaScript posts."""

from __future__ import annotations

import html
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests

from facultativo.validators import Motivo
from tests.reliability import hostile
from tests.support import TESTS
from tests.support.web import DEMO_DAY, FORM_URL, demo_requests, running_page, write_workspace

FAST = "\n[limits]\ntimeout_seconds = 3\n"  # hostile files give up sooner
WEB = "\n[web]\nchecks_per_address = 1000\n"
HEADINGS = {
    "ACEPTADA": "sería ACEPTADA",
    "RECHAZADA": "sería RECHAZADA",
    "CONCLUIDA": "No necesitas enviar el formulario",
    "REVISION_MANUAL": "la revisaría una persona",
}


def text_of(response: requests.Response) -> str:
    """The page as a person reads it: tags gone, entities decoded, spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.text, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    with running_page(tmp_path_factory.mktemp("web"), WEB + FAST) as p:
        yield p


# Every demo student whose outcome depends only on the PDF, the NSS, the tipo and the day
# (a duplicate needs the sheet, a name mismatch the name the page does not ask for).
CASES = [
    r
    for r in demo_requests()
    if r["archivo"].startswith("constancias/")
    and r["esperado"][1] not in ("SOLICITUD_DUPLICADA", "NOMBRE_NO_COINCIDE", "")
]


# What the student typed, when the office rejects it: said beside its field (web/check.py)
TYPED = {
    "NSS_NO_COINCIDE": ("nss", "El NSS que escribiste no coincide con el de tu constancia"),
    "NSS_INVALIDO": ("nss", "Este no es un NSS válido"),
    "CURP_NO_COINCIDE": ("curp", "La CURP que escribiste no coincide con la de tu constancia"),
}


@pytest.mark.parametrize("student", CASES, ids=lambda r: r["esperado"][1])
def test_the_page_says_what_the_office_decides_for_every_demo_student(page, student):
    estado, motivo = student["esperado"]
    name = student["archivo"].removeprefix("constancias/").removesuffix(".pdf")
    response = page.check(
        page.constancia(name),
        tipo=student["tipo"].lower(),
        nss=student["nss"],
        curp=student["curp"],
    )
    assert response.status_code == 200
    shown = text_of(response)
    if motivo in TYPED:  # the constancia itself is in order: only what was typed is wrong
        field, said = TYPED[motivo]
        assert "Tu constancia está bien: corrige" in shown and "te la rechazarían" in shown
        assert re.search(rf'<p class="error" id="error-{field}">{said}', response.text)
        assert "No envíes el formulario con esta constancia" not in shown
        assert f'value="{student["nss"]}"' in response.text
        return
    assert HEADINGS[estado] in shown
    if motivo == "FECHA_NO_COINCIDE":  # the page's own words: nothing was sent yet
        assert re.search(r"Tu constancia es del \d\d/\d\d/2026: es de hace \d+ días", shown)
    else:
        assert " ".join(Motivo(motivo).texto_estudiante.split()) in shown
    if estado == "RECHAZADA":
        assert "Qué hacer:" in shown and "No envíes el formulario con esta constancia" in shown
        assert "Llena de nuevo" not in shown  # the student has not sent it yet
    link = f'href="{FORM_URL}"' in response.text
    assert link == (estado in ("ACEPTADA", "REVISION_MANUAL"))
    # what was typed comes back in the form, for a retry with another file
    assert f'value="{student["nss"]}"' in response.text


def test_a_constancia_from_another_day_is_rejected_for_the_date(tmp_path):
    with running_page(tmp_path, fecha=None) as p:  # today: the demo's constancias are older
        shown = text_of(p.check(p.constancia("ana")))
    assert "sería RECHAZADA" in shown
    assert "Tu constancia es del 16/11/2026:" in shown and "Para solicitar hoy" in shown


def test_an_old_constancia_is_measured_against_today_not_a_request_already_sent(tmp_path):
    with running_page(tmp_path, fecha="2026-12-01") as p:
        response = p.check(p.constancia("ana"))
    shown = text_of(response)
    assert "sería RECHAZADA" in shown
    assert (
        "Tu constancia es del 16/11/2026: es de hace 15 días. Para solicitar hoy, descarga "
        "una nueva." in shown
    )
    assert "solicitud del" not in shown and "enviaste tu solicitud" not in shown
    assert "con tu solicitud" not in shown  # nothing has been sent: there is no request yet
    # the emails keep their words: the page's sentence is its own
    assert "enviaste tu solicitud" in Motivo.FECHA_NO_COINCIDE.texto_estudiante


def test_the_form_is_a_plain_multipart_form_with_spanish_labels(page):
    response = requests.get(page.url, timeout=10)
    assert response.status_code == 200
    body = response.text
    assert re.search(r'<form method="post" action="/verificar" enctype="multipart/form-data"', body)
    assert '<html lang="es-MX">' in body
    for control in ("nss", "curp", "constancia"):
        assert f'<label for="{control}">' in body and f'id="{control}"' in body
    assert body.count('type="radio" name="tipo"') == 2 and "<legend>" in body
    shown = text_of(response)
    assert "Revisa tu constancia antes de enviar el formulario" in shown
    assert "Tu archivo no se guarda" in shown
    assert "Departamento de Servicios Escolares (demostración)" in shown  # the contact block
    assert "escolares@demo.example.mx" in shown
    assert "Página de prueba: toma como hoy el 16/11/2026" in shown


def test_strict_headers_and_no_inline_script_or_style_or_third_party_assets(page):
    response = requests.get(page.url, timeout=10)
    h = response.headers
    assert h["Cache-Control"] == "no-store"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    csp = h["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "server" not in {k.lower() for k in h}
    body = response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", body), "inline script"
    assert " style=" not in body and "<style" not in body
    assert not re.search(r"\bon[a-z]+=", body), "inline event handler"
    for asset in re.findall(r'(?:src|href)="([^"]+)"', body):
        if not asset.startswith(("http://", "https://", "mailto:")):
            assert asset.startswith("/estatico/"), asset
    for asset in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', body):
        assert asset.startswith("/estatico/"), asset  # no third-party script or stylesheet
    verdict = page.check(page.constancia("ana"))
    assert verdict.headers["Cache-Control"] == "no-store"


def test_static_files_are_served_with_their_types(page):
    css = requests.get(page.url + "estatico/verificar.css", timeout=10)
    js = requests.get(page.url + "estatico/verificar.js", timeout=10)
    assert css.status_code == js.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert "javascript" in js.headers["Content-Type"]
    assert "eval(" not in js.text and "innerHTML" not in js.text


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"tipo": None}, "tipo"),
        ({"nss": ""}, "nss"),
        ({"nss": None}, "nss"),
        ({"pdf": None}, "constancia"),
    ],
)
def test_what_is_missing_comes_back_beside_its_field_with_the_rest_kept(page, fields, missing):
    pdf = fields.pop("pdf", page.constancia("ana"))
    args = {"tipo": "baja", "nss": "12220456789", "curp": "MAGA040312MQTRMNA3", **fields}
    response = page.check(pdf, **args)
    assert response.status_code == 400
    assert f'id="error-{missing}"' in response.text
    if args["nss"]:
        assert 'value="12220456789"' in response.text
    assert 'value="MAGA040312MQTRMNA3"' in response.text
    if args["tipo"]:
        assert 'value="baja" required checked' in response.text


def test_a_malformed_nss_is_marked_beside_the_field_as_the_office_s_rejection(page):
    response = page.check(page.constancia("ana"), nss="1222-045-678")
    shown = text_of(response)
    assert response.status_code == 200
    assert "Tu constancia está bien: corrige el NSS que escribiste" in shown
    assert "te la rechazarían" in shown  # what the office would do with it
    assert (
        '<p class="error" id="error-nss">Este no es un NSS válido; cópialo tal como aparece en '
        "tu constancia.</p>" in response.text
    )


@pytest.mark.parametrize("nss", ["12345", "12230510047"], ids=["incompleto", "de-otra-persona"])
def test_a_mistyped_nss_is_said_beside_the_field_and_the_constancia_is_fine(page, nss):
    """«12345», or a valid NSS that is not the constancia's: the page said «No envíes el
    formulario con esta constancia… Cuando tengas la correcta…», sending the student to
    download a constancia they already had."""
    response = page.check(page.constancia("ana"), nss=nss)
    shown = text_of(response)
    assert response.status_code == 200
    assert "Tu constancia está bien: corrige el NSS que escribiste" in shown
    assert "no necesitas descargar otra constancia" in shown
    assert "Cuando tengas la correcta" not in shown
    assert "No envíes el formulario con esta constancia" not in shown
    said = {
        "12345": "Este no es un NSS válido; cópialo tal como aparece en tu constancia.",
        "12230510047": "El NSS que escribiste no coincide con el de tu constancia; revisa el "
        "número.",
    }[nss]
    field = re.search(
        r'<input id="nss"[^>]*>\s*<p class="ayuda"[^>]*>[^<]*</p>\s*(<p[^>]*>[^<]*)', response.text
    )
    assert field and field.group(1) == f'<p class="error" id="error-nss">{said}'
    nss_input = re.search(r'<input id="nss"[^>]*>', response.text).group(0)
    assert 'aria-invalid="true"' in nss_input and "error-nss" in nss_input
    assert f'value="{nss}"' in nss_input  # kept, to be corrected
    assert 'href="#campo-nss"' in response.text  # «Corregir el NSS» goes to the field
    assert f'href="{FORM_URL}"' not in response.text  # not to the Form, not yet


def test_a_mistyped_curp_is_said_beside_its_field(page):
    response = page.check(page.constancia("ana"), curp="MAGA040312MQTRMNA9")
    shown = text_of(response)
    assert "Tu constancia está bien: corrige la CURP que escribiste" in shown
    assert (
        '<p class="error" id="error-curp">La CURP que escribiste no coincide con la de tu '
        "constancia; revísala.</p>" in response.text
    )
    assert re.search(r'<input id="curp"[^>]*aria-invalid="true"', response.text)


def test_a_typo_and_a_constancia_from_another_day_are_both_said(page):
    """elena.pdf is from another day: that is the verdict, with its steps, and the NSS
    typed wrong is marked beside its field too."""
    response = page.check(page.constancia("elena"), nss="12230510047")
    shown = text_of(response)
    assert "Tu solicitud de alta sería RECHAZADA" in shown
    assert "Tu constancia es del 02/10/2026: es de hace 45 días" in shown
    assert "No envíes el formulario con esta constancia" in shown
    assert "Corrige también el NSS que escribiste" in shown
    assert 'id="error-nss">El NSS que escribiste no coincide' in response.text


def test_a_tipo_the_constancia_contradicts_is_pointed_out_beside_the_choice(page):
    response = page.check(page.constancia("olga"), tipo="baja", nss="12210310152")
    choice = re.search(r"<fieldset[^>]*>.*?</fieldset>", response.text, flags=re.S).group(0)
    assert 'aria-describedby="error-tipo"' in choice
    assert '<p class="error" id="error-tipo">¿Querías pedir el alta? Elígela aquí.</p>' in choice


def test_an_nss_written_with_spaces_and_dashes_is_read_as_the_sheet_reads_it(page):
    shown = text_of(page.check(page.constancia("ana"), nss=" 1222 045 6789 "))
    assert "sería ACEPTADA" in shown


def test_hostile_text_typed_into_the_form_is_shown_escaped(page):
    evil = '"><script>alert(1)</script>'
    response = page.check(page.constancia("ana"), nss=evil, curp=evil)
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)" in response.text or "&#34;&gt;&lt;script" in response.text


@pytest.mark.parametrize("name", sorted(p.name for p in (TESTS / "hostile_corpus").glob("*.pdf")))
def test_a_hostile_pdf_gets_a_verdict_never_an_error(page, name):
    response = page.check((TESTS / "hostile_corpus" / name).read_bytes(), filename=name)
    assert response.status_code == 200, text_of(response)
    assert any(heading in text_of(response) for heading in HEADINGS.values())


@pytest.mark.parametrize("name", ["bomba_de_descompresion", "veinte_mil_paginas"])
def test_crafted_pdfs_that_exhaust_a_parser_get_archivo_ilegible(page, name):
    response = page.check(hostile.crafted()[name], filename=f"{name}.pdf")
    assert response.status_code == 200
    shown = text_of(response)
    assert "sería RECHAZADA" in shown
    assert " ".join(Motivo.ARCHIVO_ILEGIBLE.texto_estudiante.split()) in shown
    assert requests.get(page.url, timeout=10).status_code == 200  # and the page still answers


@pytest.mark.parametrize(
    ("data", "motivo"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 5000, Motivo.ARCHIVO_ILEGIBLE),
        (b"PK\x03\x04" + b"\0" * 5000, Motivo.ARCHIVO_ILEGIBLE),
    ],
    ids=["png", "zip"],
)
def test_something_that_is_not_a_pdf_is_rejected_with_the_office_s_words(page, data, motivo):
    shown = text_of(page.check(data, filename="foto.pdf"))
    assert "sería RECHAZADA" in shown and " ".join(motivo.texto_estudiante.split()) in shown


def test_a_file_just_over_the_limit_gets_the_office_s_verdict(page):
    """Within the multipart slack the validator decides, as the office would."""
    response = page.check(b"%PDF-1.4\n" + b"0" * (10 * 2**20), filename="grande.pdf")
    assert response.status_code == 200
    assert " ".join(Motivo.ARCHIVO_ILEGIBLE.texto_estudiante.split()) in text_of(response)


def test_a_request_over_the_size_limit_is_refused_in_spanish(page):
    response = page.check(b"%PDF-1.4\n" + b"0" * (11 * 2**20), filename="enorme.pdf")
    assert response.status_code == 413
    shown = text_of(response)
    assert "El archivo es demasiado grande" in shown and "10 MB" in shown


def test_a_declared_length_over_the_limit_is_refused_before_reading(page):
    with _upload_started(page.url, 999999999) as sock:
        answer = _read_response(sock)
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"demasiado grande" in answer


def test_a_chunked_upload_over_the_limit_is_cut_off(page):
    def chunks():
        yield b"--b\r\nContent-Disposition: form-data; name=constancia; filename=a.pdf\r\n\r\n"
        for _ in range(12):
            yield b"0" * 2**20

    response = requests.post(
        page.url + "verificar",
        data=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
        timeout=60,
    )
    assert response.status_code == 413


def test_a_body_that_is_not_the_form_is_refused_in_spanish(page):
    urlencoded = requests.post(page.url + "verificar", data={"nss": "1"}, timeout=10)
    broken = requests.post(
        page.url + "verificar",
        data=b"--x\r\nnot a part",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
        timeout=10,
    )
    for response in (urlencoded, broken):
        assert response.status_code == 400
        assert "El envío llegó incompleto" in text_of(response)


def test_unknown_pages_and_methods_answer_in_spanish(page):
    missing = requests.get(page.url + "admin", timeout=10)
    assert missing.status_code == 404 and "Esta página no existe" in text_of(missing)
    put = requests.put(page.url + "verificar", timeout=10)
    assert put.status_code == 405 and "Esta página no existe" in text_of(put)
    back = requests.get(page.url + "verificar", timeout=10, allow_redirects=False)
    assert back.status_code == 303 and back.headers["Location"] == "/"
    assert requests.get(page.url + "salud", timeout=10).text == "ok"


def test_a_redirect_never_names_the_host_the_request_claimed(page):
    """Host (and X-Forwarded-Host) are the client's to write: a redirect is a path."""
    forged = {"Host": "malo.example", "X-Forwarded-Host": "malo.example"}
    for method, path, location in [
        ("GET", "verificar/", "/verificar"),
        ("POST", "verificar/", "/verificar"),  # 307: the browser posts again, to the page
        ("GET", "salud/?x=1", "/salud?x=1"),
        ("GET", "verificar", "/"),  # after a post, back to the form
    ]:
        moved = requests.request(
            method, page.url + path, headers=forged, allow_redirects=False, timeout=10
        )
        assert moved.is_redirect and moved.headers["Location"] == location, (path, moved)
    for path in ("malo.example/", "/malo.example", "/malo.example/"):  # never «//malo…»
        response = requests.get(page.url + path, headers=forged, allow_redirects=False, timeout=10)
        assert response.status_code == 404 and "Esta página no existe" in text_of(response)


def test_nothing_about_the_student_reaches_the_log(page):
    page.check(
        page.constancia("ana"),
        nss="12220456789",
        curp="MAGA040312MQTRMNA3",
        filename="Ana Martinez 12220456789.pdf",
        headers={"X-Forwarded-For": "198.51.100.77"},  # the student, as nginx passes it
    )
    log = page.output()
    assert "verificación ACEPTADA SIN_VIGENCIA" in log
    for secret in ("12220456789", "MAGA040312MQTRMNA3", "Martinez", "198.51.100.77"):
        assert secret not in log, secret


@contextmanager
def _upload_started(url: str, length: int) -> Iterator[socket.socket]:
    """A connection that has sent the head of a `length`-byte upload and its first bytes."""
    host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /verificar HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
            b"boundary=b\r\nContent-Length: %d\r\n\r\n--b\r\n" % length
        )
        yield sock


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
        if b"</html>" in data:
            break
    return data


def test_the_rate_limit_counts_checks_per_address(tmp_path):
    with running_page(tmp_path, "[web]\nchecks_per_address = 2\n") as p:
        ana = p.check(p.constancia("ana"))
        statuses = [p.check(p.constancia("ana")).status_code for _ in range(2)]
        refused = p.check(p.constancia("ana"))
        other = p.check(p.constancia("ana"), headers={"X-Forwarded-For": "203.0.113.9"})
        assert requests.get(p.url, timeout=10).status_code == 200  # reading the page is free
    assert ana.status_code == 200 and statuses == [200, 429]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    shown = text_of(refused)
    assert "Espera un momento" in shown and "Vuelve a intentarlo en 10 minutos" in shown
    assert other.status_code == 200  # another student behind the proxy has their own budget


def test_checks_beyond_the_concurrent_limit_are_told_the_page_is_busy(tmp_path):
    toml = "[web]\nmax_concurrent = 1\nupload_seconds = 30\n"
    with running_page(tmp_path, toml) as p:
        with _upload_started(p.url, 5000):
            time.sleep(0.5)  # the first upload is now in progress
            busy = p.check(p.constancia("ana"))
        time.sleep(0.5)
        after = p.check(p.constancia("ana"))
    assert busy.status_code == 503 and "La página está ocupada" in text_of(busy)
    assert "Retry-After" in busy.headers
    assert after.status_code == 200


def test_an_upload_that_stalls_is_cut_off_in_spanish(tmp_path):
    with running_page(tmp_path, "[web]\nupload_seconds = 1\n") as p:
        with _upload_started(p.url, 5000) as slow:
            answer = _read_response(slow)
        assert p.check(p.constancia("ana")).status_code == 200
    assert answer.startswith(b"HTTP/1.1 408")
    assert "no terminó de llegar".encode() in answer


def test_no_file_is_written_while_checking_a_large_upload(tmp_path):
    """The page's process may not grow any file past 0 bytes (RLIMIT_FSIZE): a temporary
    file for the upload, a log file or a cache would kill it with SIGXFSZ."""
    import resource

    def no_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    write_workspace(tmp_path)  # the workspace itself is written before the limit
    big = (tmp_path / "constancias" / "ana.pdf").read_bytes()
    big += b"\n%" + b"x" * (9 * 2**20)  # a real constancia, 9 MB long
    with running_page(tmp_path, preexec=no_files, env={"PYTHONDONTWRITEBYTECODE": "1"}) as p:
        response = p.check(big, filename="ana.pdf")
        again = p.check(p.constancia("ana"))
        alive = p.process.poll() is None
    assert alive, p.output()
    assert response.status_code == 200 and again.status_code == 200
    assert "sería" in text_of(response)


def test_without_a_form_url_an_accepted_student_is_told_to_send_the_form(tmp_path):
    with running_page(tmp_path, form_url=False) as p:
        response = p.check(p.constancia("ana"))
    shown = text_of(response)
    assert "sería ACEPTADA" in shown and "envía el formulario hoy mismo" in shown
    assert "Ir al formulario" not in shown


def _web(*args: str, config=None, tmp_path=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "facultativo.cli", "web", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )


def test_a_port_in_use_is_one_spanish_line(tmp_path):
    config = write_workspace(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = _web("--config", str(config), "--port", str(port), tmp_path=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"facultativo: --port {port}: el puerto ya está en uso (¿otra copia de facultativo "
        "web?); usa otro con --port."
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--port", "99999"), "«99999» no es un puerto"),
        (("--fecha", "16/11/2026"), "«16/11/2026» no es una fecha; usa AAAA-MM-DD"),
        (("--host", "no-such-host.invalid"), "no es una dirección de esta máquina"),
    ],
)
def test_wrong_options_are_explained_in_spanish(tmp_path, args, expected):
    config = write_workspace(tmp_path)
    done = _web("--config", str(config), *args, tmp_path=tmp_path)
    assert done.returncode in (1, 2) and expected in done.stderr
    assert "Traceback" not in done.stderr


def test_several_campuses_need_campus(tmp_path):
    config = write_workspace(
        tmp_path,
        '[[campus]]\nname = "otro"\ninstitution_names = ["OTRA ESCUELA"]\n'
        '[campus.source]\nkind = "xlsx"\npath = "otro.xlsx"\nattachments = "."\n',
    )
    done = _web("--config", str(config), tmp_path=tmp_path)
    assert done.returncode == 2
    assert "hay varios campus" in done.stderr and "--campus (demo, otro)" in done.stderr


def _web_without(modules: tuple[str, ...], config) -> subprocess.CompletedProcess:
    """`facultativo web` in a Python where `modules` cannot be imported."""
    blocker = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {modules!r}:\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from facultativo.cli import main\n"
        f"sys.exit(main(['web', '--config', {str(config)!r}]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", blocker], capture_output=True, text=True, timeout=60
    )


def test_without_the_web_extra_the_command_says_how_to_install_it(tmp_path):
    done = _web_without(("starlette", "uvicorn"), write_workspace(tmp_path))
    assert done.returncode == 1
    assert "pip install 'facultativo[web]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_readers_that_cannot_start_are_one_spanish_line_and_no_page(tmp_path, caplog):
    """The validator's worker processes fail to start (a broken installation): the page does
    not open a port it cannot serve, and the log says why in Spanish, without a traceback."""
    import logging
    import threading

    from facultativo.config import load
    from facultativo.web.app import Site, create_app
    from facultativo.web.server import bind, serve

    config = load(write_workspace(tmp_path))
    site = Site(config.campuses[0], config.limits, config.web, 1, extractor="no_such:module")
    sock = bind("127.0.0.1", 0)
    result = []
    with caplog.at_level(logging.INFO):
        runner = threading.Thread(target=lambda: result.append(serve(create_app(site), sock, 8)))
        runner.start()
        runner.join(timeout=120)
    assert result == [False]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == [
        "web: no se pudo iniciar el proceso que lee los PDF; revisa la instalación "
        "(pip install .) y el mensaje anterior"
    ]
    assert not any(r.exc_info for r in caplog.records)


# Regressions from the attack on the page (issue 16), each named after what was found.


def test_attack_queue_longer_than_the_proxy_waits_gets_busy_page_not_nginx_504(tmp_path):
    """Slow files held both readers while more checks queued for minutes, past nginx's
    60 s; now a check that finds no free reader within wait_seconds is told so."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.support.web import slow_pdf

    toml = "\n[web]\nwait_seconds = 1\n\n[limits]\ntimeout_seconds = 4\n"
    pdf = slow_pdf()  # built once, before: building one takes seconds on a loaded machine
    with running_page(tmp_path, toml) as p, ThreadPoolExecutor(4) as pool:
        slow = [pool.submit(p.check, pdf, filename="lento.pdf") for _ in range(2)]
        time.sleep(1.0)  # both readers are now busy with the slow files
        started = time.monotonic()
        busy = p.check(p.constancia("ana"))
        waited = time.monotonic() - started
        for future in slow:
            assert future.result().status_code == 200
        after = p.check(p.constancia("ana"))
        log = p.output()
    assert busy.status_code == 503 and "La página está ocupada" in text_of(busy)
    assert waited < 4, waited  # it did not wait for a reader to come free
    assert after.status_code == 200
    assert "rechazada: página ocupada" in log


def test_attack_a_refusal_closes_the_connection_instead_of_reading_the_rest(page):
    with _upload_started(page.url, 999999999) as sock:
        answer = _read_response(sock)
        time.sleep(0.2)
        try:
            sock.sendall(b"0" * 65536)
            closed = sock.recv(1) == b""
        except OSError:
            closed = True
    assert answer.startswith(b"HTTP/1.1 413") and b"connection: close" in answer.lower()
    assert closed


def test_attack_another_site_cannot_spend_a_shared_address_s_checks(tmp_path):
    with running_page(tmp_path, "[web]\nchecks_per_address = 2\n") as p:
        forged = [
            p.check(p.constancia("ana"), headers={"Sec-Fetch-Site": "cross-site"}),
            p.check(p.constancia("ana"), headers={"Origin": "http://malo.example"}),
            # a page on a sibling subdomain that hides its address (second attack)
            p.check(p.constancia("ana"), headers={"Sec-Fetch-Site": "same-site", "Origin": "null"}),
        ]
        own = [
            p.check(p.constancia("ana"), headers={"Sec-Fetch-Site": "same-origin"}),
            p.check(p.constancia("ana"), headers={"Origin": p.url.rstrip("/")}),
        ]
        # behind nginx on a port of its own: Host has no port, Origin does; a trailing dot
        dotted = p.check(
            p.constancia("ana"),
            headers={
                "Origin": "https://localhost.:8443",
                "Host": "localhost",
                "X-Forwarded-For": "198.51.100.4",
            },
        )
        proxied = p.check(
            p.constancia("ana"),
            headers={
                "Origin": "https://constancia.example.edu.mx:8443",
                "Host": "constancia.example.edu.mx",
                "X-Forwarded-For": "198.51.100.3",
            },
        )
    for response in forged:
        assert response.status_code == 403
        assert "Usa esta página para revisar tu constancia" in text_of(response)
    assert [r.status_code for r in own] == [200, 200]  # the two checks were still there
    assert proxied.status_code == dotted.status_code == 200


def test_attack_the_name_the_office_compares_is_asked_and_compared(page):
    """paco.pdf: the office says REVISIÓN MANUAL for the name typed in the Form; the page
    said ACEPTADA because it did not ask for a name."""
    paco = next(r for r in demo_requests() if r["esperado"][1] == "NOMBRE_NO_COINCIDE")
    pdf = page.constancia("paco")
    with_name = requests.post(
        page.url + "verificar",
        data={"tipo": "alta", "nss": paco["nss"], "nombre": paco["nombre"]},
        files={"constancia": ("paco.pdf", pdf, "application/pdf")},
        timeout=60,
    )
    without = page.check(pdf, nss=paco["nss"])
    assert "la revisaría una persona" in text_of(with_name)  # were it sent with that name
    assert "Tu constancia está bien: corrige el nombre que escribiste" in text_of(with_name)
    assert (
        '<p class="error" id="error-nombre">El nombre que escribiste no coincide con el de tu '
        "constancia; escríbelo tal como aparece en ella.</p>" in with_name.text
    )
    assert f'value="{paco["nombre"]}"' in with_name.text
    shown = text_of(without)
    assert "sería ACEPTADA" in shown
    assert "La oficina también compara el nombre que escribas en el formulario" in shown


def test_attack_a_chosen_empty_file_gets_the_office_s_verdict(page):
    response = page.check(b"", filename="constancia.pdf")
    assert response.status_code == 200
    assert " ".join(Motivo.ARCHIVO_ILEGIBLE.texto_estudiante.split()) in text_of(response)


def test_attack_an_unknown_charset_is_an_incomplete_form_not_an_error(page):
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="tipo"\r\n\r\nalta\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="nss"\r\n\r\n\xc3\xa9\xff12\r\n--XyZ--\r\n'
    )
    for charset in ("punycode", "undefined"):
        response = requests.post(
            page.url + "verificar",
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary=XyZ; charset={charset}"},
            timeout=10,
        )
        assert response.status_code == 400, text_of(response)
    assert "error inesperado" not in page.output()


def test_attack_an_error_under_estatico_is_not_cached(page):
    missing = requests.get(page.url + "estatico/no-existe.css", timeout=10)
    assert missing.status_code == 404 and missing.headers["Cache-Control"] == "no-store"
    css = requests.get(page.url + "estatico/verificar.css", timeout=10)
    assert "no-store" not in css.headers.get("Cache-Control", "")


def test_attack_baja_ticked_by_mistake_is_pointed_out(page):
    shown = text_of(page.check(page.constancia("ana"), tipo="baja"))
    assert "No necesitas enviar el formulario" in shown
    assert "¿Querías pedir el alta?" in shown


def test_attack_a_proxy_on_ipv6_loopback_is_trusted_for_the_student_s_address(tmp_path):
    """Listening on :: made nginx's connection arrive as ::ffff:127.0.0.1, which was not
    trusted: every student shared one budget."""
    with running_page(tmp_path, "[web]\nchecks_per_address = 1\n", args=("--host", "::")) as p:
        url = p.url.replace("[::]", "127.0.0.1")
        statuses = [
            requests.post(
                url + "verificar",
                data={"tipo": "alta", "nss": "12220456789"},
                files={"constancia": ("a.pdf", p.constancia("ana"), "application/pdf")},
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
                timeout=60,
            ).status_code
            for i in range(3)
        ]
        log = p.output()
    assert statuses == [200, 200, 200]
    assert "ponla detrás de nginx" in log  # listening beyond loopback is warned about


def test_attack_refusals_are_logged_by_their_reason(tmp_path):
    with running_page(tmp_path, "[web]\nchecks_per_address = 1\n") as p:
        p.check(p.constancia("ana"))
        p.check(p.constancia("ana"))
        p.check(b"0" * (11 * 2**20), headers={"X-Forwarded-For": "203.0.113.5"})
        limit = "rechazada: límite de verificaciones por dirección alcanzado"
        log = p.output_with(limit, "rechazada: envío demasiado grande")
    assert limit in log
    assert "rechazada: envío demasiado grande" in log


def test_attack_a_missing_form_url_is_warned_at_start(tmp_path):
    with running_page(tmp_path, form_url=False) as p:
        log = p.output()
    assert "falta form_url en [[campus]]" in log


def test_attack_without_python_multipart_the_command_says_how_to_install_it(tmp_path):
    done = _web_without(("multipart", "python_multipart"), write_workspace(tmp_path))
    assert done.returncode == 1 and "pip install 'facultativo[web]'" in done.stderr


def test_attack_an_address_of_another_machine_is_explained_in_spanish(tmp_path):
    config = write_workspace(tmp_path)
    done = _web("--config", str(config), "--host", "10.99.99.99", tmp_path=tmp_path)
    assert done.returncode == 1
    assert "esa dirección no es de esta máquina" in done.stderr
    assert "Cannot" not in done.stderr


def test_the_demo_prints_the_command_that_tries_the_page_on_its_constancias(tmp_path):
    from facultativo import demo

    hint = "\n".join(demo.web_hint(tmp_path))
    command = re.search(r"(facultativo web --config \S+ --fecha (\S+))", hint)
    assert command and command.group(2) == DEMO_DAY
    assert str(tmp_path / "facultativo.toml") in command.group(1)
    assert "http://127.0.0.1:8080/" in hint and str(tmp_path / "constancias") in hint


def test_attack_a_classroom_burst_gets_the_spanish_busy_page_not_uvicorn_s(tmp_path):
    """70 connections at once (the default max_concurrent is 8): the ones past it get the
    page's own Spanish «ocupada», never uvicorn's English «Service Unavailable»."""
    from concurrent.futures import ThreadPoolExecutor

    with running_page(tmp_path, "[web]\nchecks_per_address = 1000\n") as p:
        idle = [
            socket.create_connection(("127.0.0.1", int(p.url.rsplit(":", 1)[1].rstrip("/"))))
            for _ in range(70)
        ]
        try:
            with ThreadPoolExecutor(30) as pool:
                answers = list(pool.map(lambda _: p.check(p.constancia("ana")), range(30)))
            page_ok = requests.get(p.url, timeout=10)
        finally:
            for sock in idle:
                sock.close()
    assert page_ok.status_code == 200
    for response in answers:
        assert response.status_code in (200, 503)
        if response.status_code == 503:
            assert "La página está ocupada" in text_of(response)
    assert any(r.status_code == 200 for r in answers)


# Connections without nginx in front (uvicorn serving directly).


def _port(url: str) -> int:
    return int(url.rstrip("/").rsplit(":", 1)[1])


def _descriptors(needed: int) -> None:
    """This test process may hold `needed` sockets (its soft limit raised if it must be)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"this machine allows {hard} open files; the test needs {needed}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def _seconds_until_closed(socks: list[socket.socket], started: float, limit: float) -> float:
    """Seconds from `started` until the server had closed every one of `socks`; `limit`
    (and the assertion fails) when some were still open then."""
    import selectors

    selector = selectors.DefaultSelector()
    for sock in socks:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    open_ = set(socks)
    last = 0.0
    while open_ and time.monotonic() - started < limit:
        for key, _ in selector.select(0.2):
            try:
                data = key.fileobj.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            assert not data.startswith(b"HTTP/1.1 503"), data  # no answer, least of all this
            if not data:
                open_.discard(key.fileobj)
                selector.unregister(key.fileobj)
                last = time.monotonic() - started
    selector.close()
    assert not open_, f"{len(open_)} connections still open after {limit} s"
    return last


def _drip(sock: socket.socket, stop: threading.Event) -> None:
    """A request head sent one byte every 0.2 s (slowloris): it would take minutes."""
    for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Relleno: " + b"a" * 2000:
        if stop.is_set():
            return
        try:
            sock.send(bytes([byte]))
        except OSError:
            return
        time.sleep(0.2)


def test_idle_and_byte_at_a_time_connections_are_closed_and_students_still_served(tmp_path):
    """1,100 connections that send nothing (past the 1,000 the page holds) and one that
    sends its request head a byte at a time: a student still gets the Spanish page and can
    check, and every one of those connections is closed within a few seconds."""
    _descriptors(1500)
    with running_page(tmp_path, WEB) as p:
        started = time.monotonic()
        idle = [socket.create_connection(("127.0.0.1", _port(p.url))) for _ in range(1100)]
        slow = socket.create_connection(("127.0.0.1", _port(p.url)))
        stop = threading.Event()
        dripping = threading.Thread(target=_drip, args=(slow, stop), daemon=True)
        dripping.start()
        try:
            time.sleep(0.5)
            form = requests.get(p.url, timeout=10)
            check = p.check(p.constancia("ana"))
            took = _seconds_until_closed([*idle, slow], started, limit=12)
        finally:
            stop.set()
            for sock in [*idle, slow]:
                sock.close()
    assert form.status_code == 200 and "Revisa tu constancia" in text_of(form)
    assert check.status_code == 200 and "sería ACEPTADA" in text_of(check)
    assert took <= 9, took  # a 5 s deadline for a request's head, and a loaded machine


def test_with_few_file_descriptors_idle_connections_make_room_for_a_student(tmp_path):
    """A system that allows the page 200 open files (fewer than its 1,000 connections):
    past that uvicorn could not even accept a student's connection."""
    import resource

    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (200, 200))

    with running_page(tmp_path, WEB, preexec=few_files) as p:
        idle = [socket.create_connection(("127.0.0.1", _port(p.url))) for _ in range(300)]
        try:
            time.sleep(0.5)
            form = requests.get(p.url, timeout=10)
        finally:
            for sock in idle:
                sock.close()
        log = p.output()
    assert form.status_code == 200 and "Revisa tu constancia" in text_of(form)
    assert "el sistema permite 200 archivos abiertos: la página atenderá 136 conexiones" in log


def test_when_every_connection_is_busy_a_new_one_gets_the_spanish_busy_page(tmp_path):
    """Each connection is a check whose upload is still arriving (none waits for its head,
    none can be closed to make room): one more gets «ocupada», never uvicorn's English."""
    import resource

    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (100, 100))  # 36 connections

    toml = "[web]\nchecks_per_address = 1000\nmax_concurrent = 100\nupload_seconds = 30\n"
    with running_page(tmp_path, toml, preexec=few_files) as p:
        uploads = [_started(p.url, 5000) for _ in range(36)]
        try:
            time.sleep(0.5)
            busy = requests.get(p.url, timeout=10)
        finally:
            for sock in uploads:
                sock.close()
        time.sleep(0.5)
        after = requests.get(p.url, timeout=10)
    assert busy.status_code == 503 and "La página está ocupada" in text_of(busy)
    assert "Service Unavailable" not in busy.text and "Retry-After" in busy.headers
    assert after.status_code == 200


def _started(url: str, length: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", _port(url)), timeout=10)
    sock.sendall(
        b"POST /verificar HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
        b"boundary=b\r\nContent-Length: %d\r\n\r\n--b\r\n" % length
    )
    return sock


def test_a_request_the_server_cannot_parse_is_answered_in_spanish(page):
    with socket.create_connection(("127.0.0.1", _port(page.url)), timeout=10) as sock:
        sock.sendall(b"ESTO NO ES HTTP\r\n\r\n")
        answer = _read_response(sock)
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"No pudimos leer tu solicitud" in answer
    assert b"Invalid HTTP request" not in answer
