"""Messages that lead somewhere: every email that asks the student to send the Form again
links to it ([campus] form_url) and, when the pre-check page's address is configured
([campus.web] url), invites them to check the new constancia there first; without those
keys the emails read as they always did."""

from __future__ import annotations

import email
import re
import subprocess
import sys
from email import policy
from pathlib import Path

from facultativo.notifiers.compose import environment
from facultativo.notifiers.preview import samples
from facultativo.validators import Estado, Motivo
from tests.support.config_files import CAMPUS

FORM = "https://forms.gle/FormularioDelCampus"
PAGE = "https://facultativo.campus.example.mx"
NONE = {"form_url": "", "web_url": ""}
# A sentence that asks the student to fill in or send the Form (again).
ASKS = re.compile(r"\b(llena|llenes|envía|enviar)\b[^.\n]*\bformulario\b", re.IGNORECASE)
EXE = [sys.executable, "-m", "facultativo.cli"]


def emails(**links: str) -> dict:
    return dict(samples(environment(), {**NONE, **links}))


def asking() -> set[str]:
    """The emails whose own words (no link added) ask for the Form again."""
    return {stem for stem, mail in emails().items() if ASKS.search(mail.text)}


def test_every_email_that_asks_for_the_form_again_links_to_it_and_no_other_does():
    asks = asking()
    for stem, mail in emails(form_url=FORM).items():
        if stem in asks:
            assert f"Formulario: {FORM}\n" in mail.text, stem
            assert f'<a href="{FORM}">{FORM}</a>' in mail.html, stem
        else:
            assert FORM not in mail.text and FORM not in mail.html, stem
    for stem, mail in emails().items():  # unset: no link, no empty label
        for part in (mail.text, mail.html):
            assert "Formulario:" not in part and "Antes de enviar" not in part, stem
            assert 'href=""' not in part and "«»" not in part, stem
    rechazadas = {
        f"{i:02d}-{m.value.lower()}"
        for i, m in enumerate(Motivo, 1)
        if m.estado is Estado.RECHAZADA
    }
    # the asking ones: every RECHAZADA, the unreadable PDF sent again, staff's «No procede»
    assert asks == rechazadas | {"revision-pdf-ilegible", "decision-rechazada"}


def test_with_the_page_address_those_emails_invite_to_check_the_constancia_there_first():
    asks = asking()
    for stem, mail in emails(form_url=FORM, web_url=PAGE).items():
        if stem not in asks:
            assert PAGE not in mail.text and PAGE not in mail.html, stem
            continue
        text = mail.text.split("\n--\n")[0]
        # after the Form's link, as its own line, so a mail client links the whole address
        assert text.index(f"Formulario: {FORM}") < text.index("Antes de enviarlo, revisa tu")
        line = rf"^Antes de enviarlo, revisa tu constancia .*: {re.escape(PAGE)}$"
        assert re.search(line, text, re.M), stem
        assert f'<a href="{PAGE}">{PAGE}</a>' in mail.html, stem
    # the page without the Form: the sentence names the Form itself
    mail = emails(web_url=PAGE)["decision-rechazada"]
    assert "Antes de enviar el formulario, revisa tu constancia" in mail.text
    assert "Antes de enviar el formulario, revisa tu constancia" in mail.html
    assert "Formulario:" not in mail.text and "Antes de enviarlo" not in mail.text


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "facultativo.toml"
    path.write_text(CAMPUS + text, encoding="utf-8")
    return path


def test_preview_emails_shows_the_campus_own_form_and_page(tmp_path):
    with_links = _config(tmp_path, f'form_url = "{FORM}"\n[campus.web]\nurl = "{PAGE}"\n')
    out = tmp_path / "correos"
    result = subprocess.run(
        [*EXE, "preview-emails", "--config", str(with_links), "--dir", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for name in ("01-sin_adjunto.txt", "01-sin_adjunto.html", "decision-rechazada.txt"):
        body = (out / name).read_text(encoding="utf-8")
        assert FORM in body and PAGE in body, name
    # a campus without them sees its emails as its students will: no sample link either
    without = _config(tmp_path, "")
    result = subprocess.run(
        [*EXE, "preview-emails", "--config", str(without), "--dir", str(tmp_path / "sin")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    body = (tmp_path / "sin" / "01-sin_adjunto.txt").read_text(encoding="utf-8")
    assert "Formulario:" not in body and "Antes de enviar" not in body


def test_the_demo_emails_that_ask_for_the_form_again_link_to_it_and_to_the_page(tmp_path):
    folder = tmp_path / "demo"
    result = subprocess.run(
        [*EXE, "demo", "--dir", str(folder)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    config = (folder / "facultativo.toml").read_text(encoding="utf-8")
    form = re.search(r'^form_url = "(.+)"$', config, re.M).group(1)
    page = re.search(r'^url = "(.+)"$', config, re.M)
    asked = 0
    for path in sorted((folder / "outbox").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        if ASKS.search(text):
            asked += 1
            assert form in text and f'href="{form}"' in html, path.name
            assert page and page[1] in text and f'href="{page[1]}"' in html, path.name
        else:
            assert form not in text and form not in html, path.name
    assert asked >= 9  # the demo's RECHAZADA students (issue: 9 of 21 said «Llena de nuevo»)
