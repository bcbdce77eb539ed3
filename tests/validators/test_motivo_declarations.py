"""Every motivo is declared once, completely (validators/motivos.py): an estado, staff's
text, the student's text, the steps when the student must act (rendering in plain text and
in HTML, with the same words), and on the pre-check page only fields the page has.

`declaration_problems` is the check itself, so that a broken declaration can be shown to
fail it (a check that never fails checks nothing).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import replace

import pytest

from facultativo.notifiers.compose import DATOS, environment
from facultativo.notifiers.steps import LINKS, placeholders, steps_html, steps_text
from facultativo.validators import MOTIVOS, Estado, Motivo
from facultativo.validators.motivos import Campo, MotivoInfo
from facultativo.web.check import FIELD_NAMES

PAGE = "web/pagina.html.j2"
LLENA = ("Llena de nuevo el formulario", "Llena el formulario")  # email, page (web/check.py)
DATOS_FILLED = {k: f"<{k.upper()} & CO>" for k in DATOS}  # markup in a datum: escaped
DATOS_EMPTY = dict.fromkeys(DATOS, "")


def page_fields() -> set[str]:
    """The form fields the page has and can say something beside (`errores.get('…')`)."""
    env = environment()
    source = env.loader.get_source(env, PAGE)[0]  # type: ignore[union-attr]
    inputs = set(re.findall(r'<input\b[^>]*\bname="(\w+)"', source))
    beside = set(re.findall(r"errores\.get\('(\w+)'\)", source))
    return inputs & beside


PAGE_FIELDS = page_fields()


def renderings(info: MotivoInfo) -> list[tuple[str, str]]:
    """(text, html) of the steps for an email and the page, with datos known and unknown."""
    return [
        (steps_text(info, values), str(steps_html(info, values)))
        for llena in LLENA
        for datos in (DATOS_FILLED, DATOS_EMPTY)
        for values in [placeholders(llena, datos)]
    ]


def declaration_problems(declarations: Mapping[Motivo, MotivoInfo]) -> list[str]:
    """What is missing or wrong in the declarations, one line each; [] when complete."""
    problems = [f"{m.value}: not declared" for m in Motivo if m not in declarations]
    for motivo, info in declarations.items():
        problems += [f"{motivo.value}: {p}" for p in _problems(info)]
    return problems


def _problems(info: MotivoInfo) -> list[str]:
    found = []
    if not isinstance(info.estado, Estado):
        found.append(f"no estado ({info.estado!r})")
    if not info.personal.strip():
        found.append("no staff text (personal)")
    if not info.estudiante.strip():
        found.append("no student text (estudiante)")
    if info.estado is Estado.RECHAZADA and not info.pasos:
        found.append("rejected, but no steps (pasos) for the student")
    if any(not step.strip() for step in info.pasos):
        found.append("an empty step")
    try:
        renderings(info)
    except (KeyError, ValueError) as exc:
        found.append(f"steps do not render: {exc}")
    if info.campo is not None and info.campo.name not in PAGE_FIELDS & set(FIELD_NAMES):
        found.append(f"page field «{info.campo.name}» is not on the page ({sorted(PAGE_FIELDS)})")
    if info.campo is not None and not info.campo.text.strip():
        found.append("page field with no text beside it")
    if info.otro_tipo and "tipo" not in PAGE_FIELDS:
        found.append("a hint beside «tipo», which the page does not have")
    return found


def test_the_page_has_the_fields_a_declaration_may_name():
    assert {"nss", "curp", "nombre", "tipo"} <= PAGE_FIELDS


def test_every_motivo_is_declared_completely():
    assert declaration_problems(MOTIVOS) == []


def _without(motivo: Motivo) -> dict[Motivo, MotivoInfo]:
    return {m: info for m, info in MOTIVOS.items() if m is not motivo}


BROKEN = {
    "empty student text": (Motivo.SIN_ADJUNTO, {"estudiante": ""}, "no student text"),
    "blank staff text": (Motivo.YA_INSCRITO, {"personal": "  "}, "no staff text"),
    "no estado": (Motivo.SIN_VIGENCIA, {"estado": None}, "no estado"),
    "rejected without steps": (Motivo.NSS_INVALIDO, {"pasos": ()}, "no steps"),
    "unknown placeholder": (
        Motivo.SIN_ADJUNTO,
        {"pasos": ("Descárgala en {url_inventada}.",)},
        "unknown placeholder {url_inventada}",
    ),
    "unclosed bold": (Motivo.SIN_ADJUNTO, {"intro": "Es **importante."}, "unclosed **"),
    "field not on the page": (
        Motivo.CURP_NO_COINCIDE,
        {"campo": Campo("telefono", "Revisa tu teléfono.")},
        "page field «telefono» is not on the page",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_an_incomplete_declaration_is_rejected(case):
    motivo, change, said = BROKEN[case]
    broken = {**MOTIVOS, motivo: replace(MOTIVOS[motivo], **change)}
    problems = declaration_problems(broken)
    assert len(problems) == 1 and problems[0].startswith(f"{motivo.value}: "), problems
    assert said in problems[0]


def test_a_motivo_without_a_declaration_is_rejected():
    problems = declaration_problems(_without(Motivo.DATOS_ILEGIBLES))
    assert problems == ["DATOS_ILEGIBLES: not declared"]


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def html_words(markup: str) -> list[str]:
    return words(html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def text_words(text: str) -> list[str]:
    return words(re.sub(r"(?m)^\d+\. ", "", text))


@pytest.mark.parametrize("motivo", [m for m in Motivo if MOTIVOS[m].pasos], ids=str)
def test_the_text_and_html_steps_carry_the_same_words(motivo):
    for text, markup in renderings(MOTIVOS[motivo]):
        assert text_words(text) == html_words(markup)
        assert (
            markup.count("<li>")
            == len(MOTIVOS[motivo].pasos)
            == len(text.splitlines()) - (1 if MOTIVOS[motivo].intro else 0)
        )


@pytest.mark.parametrize("motivo", [m for m in Motivo if MOTIVOS[m].pasos], ids=str)
def test_the_html_steps_escape_the_datos_and_link_the_imss_pages(motivo):
    values = placeholders(LLENA[0], DATOS_FILLED)
    markup = str(steps_html(MOTIVOS[motivo], values))
    assert "<INSTITUCION" not in markup  # a datum's markup is text, never markup
    for url in LINKS.values():
        if url in steps_text(MOTIVOS[motivo], values):
            assert f'<a href="{url}">{url}</a>' in markup


def test_a_datum_the_constancia_did_not_give_reads_as_the_declared_words():
    info = MOTIVOS[Motivo.VIGENTE_OTRA_INSTITUCION]
    known = steps_text(info, placeholders(LLENA[0], {**DATOS_EMPTY, "institucion": "UAQ"}))
    unknown = steps_text(info, placeholders(LLENA[0], DATOS_EMPTY))
    assert "sigue vigente con: UAQ.\n1. Acude a UAQ y pide" in known
    assert "sigue vigente con: otra escuela.\n1. Acude a esa escuela y pide" in unknown
    bold = str(steps_html(info, placeholders(LLENA[0], {**DATOS_EMPTY, "institucion": "UAQ"})))
    assert "<strong>UAQ</strong>" in bold


def test_a_link_that_ends_a_plain_text_step_is_not_followed_by_a_period():
    """A mail client would make the period part of the link."""
    text = steps_text(MOTIVOS[Motivo.SIN_ADJUNTO], placeholders(LLENA[0], DATOS_EMPTY))
    assert text.splitlines()[0].endswith(LINKS["url_vigencia"])
