"""The pre-check page in a real headless Chromium (Debian's chromium and chromedriver, driven
by Selenium): a student picks a demo constancia and reads the verdict, on a phone and on a
desktop, with JavaScript and without; the page is checked for labels, contrast and keyboard.

Screenshots go to the test's temporary folder (and to $FACULTATIVO_SCREENSHOTS when set).
.ci/run installs chromium and chromium-driver and sets FACULTATIVO_SYSTEM_TESTS=required,
so there a missing browser fails instead of skipping.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.web import FORM_URL, running_page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
if not (CHROMIUM and DRIVER):
    if os.environ.get("FACULTATIVO_SYSTEM_TESTS") == "required":
        raise RuntimeError(
            "FACULTATIVO_SYSTEM_TESTS=required, but chromium/chromedriver are missing"
        )
    pytest.skip(
        "Chromium y chromedriver no están instalados (apt-get install chromium "
        "chromium-driver; .ci/run los instala)",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402  (only once the browser is known to be there)
from selenium.common.exceptions import TimeoutException, WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
FLAGS = (  # what this machine's closed network needs (no background connections)
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=es-MX",
)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    extra = "\n[web]\nchecks_per_address = 1000\n"
    with running_page(tmp_path_factory.mktemp("web-browser"), extra) as p:
        yield p


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def _browser(profile: Path, javascript: bool = True, *extra: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}", *extra):
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    # a student's phone in Spanish: the file control's own words follow the locale
    spanish = {**os.environ, "LANGUAGE": "es_MX:es", "LANG": "es_MX.UTF-8"}
    return webdriver.Chrome(options=options, service=Service(executable_path=DRIVER, env=spanish))


@pytest.fixture
def browser(tmp_path) -> Iterator[webdriver.Chrome]:
    driver = _browser(tmp_path / "perfil")
    yield driver
    driver.quit()


def _viewport(driver: webdriver.Chrome, metrics: dict) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def _screenshot(driver: webdriver.Chrome, folder: Path, name: str) -> Path:
    """The whole page, not just the viewport. Chromium now and then answers «Unable to
    capture screenshot» on a loaded machine: one more try."""
    for attempt in range(2):
        try:
            shot = driver.execute_cdp_cmd(
                "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
            )
            break
        except WebDriverException:
            if attempt:
                raise
            time.sleep(0.5)
    path = folder / name
    path.write_bytes(base64.b64decode(shot["data"]))
    extra = os.environ.get("FACULTATIVO_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / name)
    return path


def _fill(driver: webdriver.Chrome, tipo: str, nss: str, pdf: Path | None) -> None:
    driver.find_element(By.CSS_SELECTOR, f'input[name="tipo"][value="{tipo}"]').click()
    field = driver.find_element(By.ID, "nss")
    field.clear()
    field.send_keys(nss)
    if pdf is not None:
        driver.find_element(By.ID, "constancia").send_keys(str(pdf))


def _submit(driver: webdriver.Chrome, tipo: str, nss: str, pdf: Path) -> str:
    """Fill the form as a student does, send it, and read the verdict's heading."""
    _fill(driver, tipo, nss, pdf)
    driver.find_element(By.ID, "revisar").click()
    return _verdict(driver)


def _verdict(driver: webdriver.Chrome) -> str:
    heading = WebDriverWait(driver, 30).until(
        ec.presence_of_element_located((By.ID, "titulo-resultado"))
    )
    return " ".join(heading.text.split())


def test_a_student_on_a_phone_uploads_a_demo_constancia_and_reads_the_verdict(page, browser, shots):
    _viewport(browser, PHONE)
    browser.get(page.url)
    _screenshot(browser, shots, "telefono-formulario.png")
    assert (
        _submit(browser, "alta", "12220456789", page.folder / "constancias" / "ana.pdf")
        == "Tu solicitud de alta sería ACEPTADA"
    )
    assert browser.switch_to.active_element.get_attribute("id") == "titulo-resultado"
    link = browser.find_element(By.LINK_TEXT, "Ir al formulario")
    assert link.get_attribute("href") == FORM_URL
    width = browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert width[0] <= width[1], "the page scrolls sideways on a phone"
    assert _screenshot(browser, shots, "telefono-aceptada.png").stat().st_size > 10_000


def test_a_student_on_a_desktop_reads_what_to_do_after_a_rejection(page, browser, shots):
    _viewport(browser, DESKTOP)
    browser.get(page.url)
    _screenshot(browser, shots, "escritorio-formulario.png")
    assert (
        _submit(browser, "alta", "12230510047", page.folder / "constancias" / "diego.pdf")
        == "Tu solicitud de alta sería RECHAZADA"
    )
    steps = browser.find_elements(By.CSS_SELECTOR, ".resultado ol li")
    assert len(steps) == 3
    assert "UNIVERSIDAD AUTONOMA DE QUERETARO" in steps[0].text
    assert browser.find_elements(By.LINK_TEXT, "Ir al formulario") == []
    # the form is there again, with what was typed, for the next try
    assert browser.find_element(By.ID, "nss").get_attribute("value") == "12230510047"
    _screenshot(browser, shots, "escritorio-rechazada.png")


@pytest.mark.parametrize(
    ("metrics", "name"),
    [(PHONE, "telefono-nss-mal-escrito.png"), (DESKTOP, "escritorio-nss-mal-escrito.png")],
    ids=["telefono", "escritorio"],
)
def test_a_student_who_mistypes_the_nss_reads_beside_it_that_only_the_number_is_wrong(
    page, browser, shots, metrics, name
):
    _viewport(browser, metrics)
    browser.get(page.url)
    ana = page.folder / "constancias" / "ana.pdf"
    assert (
        _submit(browser, "alta", "12230510047", ana)
        == "Tu constancia está bien: corrige el NSS que escribiste"
    )
    result = browser.find_element(By.CSS_SELECTOR, ".resultado").text
    assert "no necesitas descargar otra constancia" in result
    assert "Cuando tengas la correcta" not in result
    field = browser.find_element(By.ID, "nss")
    error = browser.find_element(By.ID, "error-nss")
    assert error.text == (
        "El NSS que escribiste no coincide con el de tu constancia; revisa el número."
    )
    assert "error-nss" in field.get_attribute("aria-describedby")
    assert field.get_attribute("value") == "12230510047"
    # beside the field: below the NSS box, above the next field's label
    curp = browser.find_element(By.CSS_SELECTOR, 'label[for="curp"]')
    assert field.rect["y"] + field.rect["height"] <= error.rect["y"] < curp.rect["y"]
    width = browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert width[0] <= width[1], "the page scrolls sideways"
    checked, problems = browser.execute_script(LABELS_AND_CONTRAST)
    assert checked > 20 and problems == []
    _screenshot(browser, shots, name)
    # «Corregir el NSS» brings the field into view: its label, the box and the message
    browser.find_element(By.LINK_TEXT, "Corregir el NSS").click()
    assert browser.current_url.endswith("#campo-nss")
    label, bottom = browser.execute_script(
        "return [document.querySelector('label[for=nss]').getBoundingClientRect().top,"
        " document.getElementById('error-nss').getBoundingClientRect().bottom]"
    )
    assert label >= 0 and bottom <= metrics["height"], (label, bottom)


def test_a_student_with_an_old_constancia_reads_how_old_it_is_today(page, browser):
    _viewport(browser, PHONE)
    browser.get(page.url)
    elena = page.folder / "constancias" / "elena.pdf"
    assert _submit(browser, "alta", "12220410059", elena) == "Tu solicitud de alta sería RECHAZADA"
    result = browser.find_element(By.CSS_SELECTOR, ".resultado").text
    assert (
        "Tu constancia es del 02/10/2026: es de hace 45 días. Para solicitar hoy, descarga una "
        "nueva." in result
    )
    assert "solicitud del" not in result and "enviaste" not in result


def test_the_page_works_with_javascript_turned_off(page, tmp_path, shots):
    driver = _browser(tmp_path / "sin-js", javascript=False)
    try:
        _viewport(driver, PHONE)
        driver.get(page.url)
        assert not driver.find_element(By.CSS_SELECTOR, ".solo-js").is_displayed()
        assert (
            _submit(driver, "baja", "12210310152", page.folder / "constancias" / "olga.pdf")
            == "No necesitas enviar el formulario"
        )
        _screenshot(driver, shots, "telefono-sin-javascript-concluida.png")
    finally:
        driver.quit()


def test_a_constancia_dropped_on_the_box_is_the_one_checked(page, browser):
    _viewport(browser, DESKTOP)
    browser.get(page.url)
    _fill(browser, "alta", "12220456789", None)
    pdf = (page.folder / "constancias" / "ana.pdf").read_bytes()
    count, chosen = browser.execute_script(
        """
        const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], "ana.pdf", {type: "application/pdf"}));
        const zone = document.getElementById("zona");
        for (const type of ["dragenter", "dragover", "drop"]) {
          zone.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true,
                                                   cancelable: true}));
        }
        return [document.getElementById("constancia").files.length,
                document.getElementById("elegido").textContent];
        """,
        base64.b64encode(pdf).decode(),
    )
    assert (count, chosen) == (1, "Archivo elegido: ana.pdf")
    browser.find_element(By.ID, "revisar").click()
    assert _verdict(browser) == "Tu solicitud de alta sería ACEPTADA"


def test_a_file_too_large_is_caught_before_uploading(page, browser, tmp_path):
    big = tmp_path / "escaneo.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (12 * 2**20))
    browser.get(page.url)
    before = page.output().count("web: verificación")
    _fill(browser, "alta", "12220456789", big)
    message = browser.find_element(By.ID, "elegido").text
    assert "pesa más de 10 MB" in message
    browser.find_element(By.ID, "revisar").click()
    assert browser.current_url == page.url  # the browser refused to send it
    assert page.output().count("web: verificación") == before


def test_everything_can_be_done_from_the_keyboard(page, browser):
    _viewport(browser, DESKTOP)
    browser.get(page.url)
    seen = []
    for _ in range(20):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        active = browser.switch_to.active_element
        if active.tag_name == "body":  # past the last control: the browser's own UI
            break
        seen.append(active.get_attribute("id") or active.get_attribute("name") or active.tag_name)
        outline = browser.execute_script(
            "return getComputedStyle(document.activeElement).outlineStyle"
        )
        assert outline != "none", f"no visible focus on {seen[-1]}"
    order = [x for x in seen if x in ("tipo", "nss", "curp", "constancia", "revisar")]
    assert order[:5] == ["tipo", "nss", "curp", "constancia", "revisar"]
    # choose «alta» with the keyboard, type the NSS, attach the file, press Enter
    radio = browser.find_element(By.CSS_SELECTOR, 'input[value="alta"]')
    radio.send_keys(Keys.SPACE)
    assert radio.is_selected()
    browser.find_element(By.ID, "nss").send_keys("12220456789")
    browser.find_element(By.ID, "constancia").send_keys(
        str(page.folder / "constancias" / "ana.pdf")
    )
    browser.find_element(By.ID, "revisar").send_keys(Keys.ENTER)
    assert _verdict(browser) == "Tu solicitud de alta sería ACEPTADA"


LABELS_AND_CONTRAST = """
const problems = [];
for (const input of document.querySelectorAll("input, select, textarea, button")) {
  const named = input.labels && input.labels.length || input.tagName === "BUTTON";
  if (!named) problems.push("sin etiqueta: " + (input.id || input.name));
}
function rgba(text) {
  const m = text.match(/rgba?\\(([^)]+)\\)/);
  const [r, g, b, a] = m[1].split(",").map(Number);
  return [r, g, b, a === undefined ? 1 : a];
}
function lum([r, g, b]) {
  const c = [r, g, b].map(v => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}
function background(el) {
  for (; el; el = el.parentElement) {
    const bg = rgba(getComputedStyle(el).backgroundColor);
    if (bg[3] > 0) return bg;
  }
  return [255, 255, 255, 1];
}
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
let checked = 0;
while (walker.nextNode()) {
  const node = walker.currentNode;
  const el = node.parentElement;
  if (!node.textContent.trim() || !el.getClientRects().length) continue;
  const style = getComputedStyle(el);
  if (style.visibility === "hidden") continue;
  const fg = lum(rgba(style.color)), bg = lum(background(el));
  const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
  const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
  const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  checked++;
  if (ratio < needed) problems.push(node.textContent.trim().slice(0, 40) + ": " + ratio.toFixed(2));
}
return [checked, problems];
"""


@pytest.mark.parametrize(
    ("tipo", "nss", "name"),
    [
        (None, None, None),
        ("alta", "12220456789", "ana"),
        ("alta", "12230510047", "diego"),
        ("baja", "12210310152", "olga"),
        ("alta", "12210310186", "saul"),
    ],
    ids=["formulario", "aceptada", "rechazada", "concluida", "revision"],
)
def test_every_text_is_labelled_and_readable(page, browser, tipo, nss, name):
    browser.get(page.url)
    if name:
        _fill(browser, tipo, nss, page.folder / "constancias" / f"{name}.pdf")
        browser.find_element(By.ID, "revisar").click()
        _verdict(browser)
    checked, problems = browser.execute_script(LABELS_AND_CONTRAST)
    assert checked > 20
    assert problems == []


def test_attack_a_long_file_name_does_not_widen_a_small_phone(page, browser):
    _viewport(browser, {**PHONE, "width": 320})
    browser.get(page.url)
    name = "VIGENCIADERECHOS12220456789_descargado_del_portal_del_IMSS_hoy.pdf"
    browser.execute_script(
        """
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array([37, 80, 68, 70])], arguments[0]));
        const zone = document.getElementById("zona");
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true,
                                                  cancelable: true}));
        """,
        name,
    )
    # the drop and the relayout land a moment later on a loaded machine: wait for them
    WebDriverWait(browser, 10).until(lambda d: name in d.find_element(By.ID, "elegido").text)

    def width() -> list[int]:
        return browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )

    with contextlib.suppress(TimeoutException):  # it never fits: the assertion says so
        WebDriverWait(browser, 5).until(lambda d: width()[0] <= width()[1])
    assert width()[0] <= width()[1], width()


def test_a_student_checks_through_the_shipped_nginx_on_a_port_of_its_own(page, tmp_path):
    """The real browser's Origin (with the port) against the Host nginx passes on (without
    it): a student must not be taken for another site."""
    from tests.support.nginx import HOST, NGINX, nginx_in_front

    if NGINX is None:
        pytest.skip("nginx no está instalado (apt-get install nginx)")
    upstream = int(page.url.rstrip("/").rsplit(":", 1)[1])
    (tmp_path / "nginx").mkdir()
    with nginx_in_front(tmp_path / "nginx", upstream) as (https, _):
        port = https.rstrip("/").rsplit(":", 1)[1]
        driver = _browser(
            tmp_path / "perfil-nginx",
            True,
            "--ignore-certificate-errors",
            f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
        )
        try:
            driver.get(f"https://{HOST}:{port}/")
            assert (
                _submit(driver, "alta", "12220456789", page.folder / "constancias" / "ana.pdf")
                == "Tu solicitud de alta sería ACEPTADA"
            )
        finally:
            driver.quit()
