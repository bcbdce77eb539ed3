"""A motivo's steps (validators/motivos.py `pasos`) as plain text and as HTML.

The steps are declared once, as data, so the text part of an email, its HTML part and the
pre-check page cannot drift apart. The templates call `pasos_texto` / `pasos_html`
(Jinja globals, see compose.environment) through templates/pasos.*.j2.

Placeholders are filled from the IMSS links (texts.py), the last step's words (`llena`:
an email answers a Form already sent, the page speaks before it is) and the verdict's
datos; `{name|words}` says `words` when the datum is empty. An unknown name is an error,
never a blank: tests/validators/test_motivo_declarations.py renders every step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from markupsafe import Markup, escape

from facultativo.notifiers import texts
from facultativo.validators import MOTIVOS, Motivo
from facultativo.validators.motivos import MotivoInfo

LINKS = {
    "url_vigencia": texts.URL_VIGENCIA,
    "url_asignacion_nss": texts.URL_ASIGNACION_NSS,
    "url_clinica": texts.URL_CLINICA,
}
BOLD = "**"
_TOKEN = re.compile(r"\*\*|\{(\w+)(?:\|([^{}]*))?\}")
# «… en {url_vigencia}.»: in plain text the period goes, or a mail client links it too
_LINK_AT_END = re.compile(r"\{(\w+)\}\.$")


def placeholders(llena: str, datos: Mapping[str, str]) -> dict[str, str]:
    """What each placeholder says: the datos, the links, and the last step's words."""
    return {**datos, **LINKS, "llena": llena, "llena_minuscula": llena.lower()}


def steps_text(info: MotivoInfo, values: Mapping[str, str]) -> str:
    """The intro line, then «1. …» one step a line, each line ending in a newline; "" for a
    motivo with no steps."""
    lines = [_fill(info.intro, values, html=False)] if info.intro else []
    for number, step in enumerate(info.pasos, 1):
        lines.append(f"{number}. {_fill(_unlinked_period(step), values, html=False)}")
    return "".join(line + "\n" for line in lines)


def steps_html(info: MotivoInfo, values: Mapping[str, str]) -> Markup:
    """The intro as a paragraph and the steps as an ordered list, escaped, links as links."""
    parts = [f"<p>{_fill(info.intro, values, html=True)}</p>\n"] if info.intro else []
    if info.pasos:
        items = "".join(f"<li>{_fill(step, values, html=True)}</li>\n" for step in info.pasos)
        parts.append(f"<ol>\n{items}</ol>\n")
    return Markup("".join(parts))


def pasos_texto(code: str, datos: Mapping[str, str], llena: str) -> str:
    """For the templates: `pasos_texto(motivo.code, datos, llena)`."""
    return steps_text(MOTIVOS[Motivo(code)], placeholders(llena, datos))


def pasos_html(code: str, datos: Mapping[str, str], llena: str) -> Markup:
    """For the templates: `pasos_html(motivo.code, datos, llena)`."""
    return steps_html(MOTIVOS[Motivo(code)], placeholders(llena, datos))


GLOBALS = {"pasos_texto": pasos_texto, "pasos_html": pasos_html}


def _unlinked_period(step: str) -> str:
    found = _LINK_AT_END.search(step)
    return step[:-1] if found and found[1] in LINKS else step


def _fill(sentence: str, values: Mapping[str, str], *, html: bool) -> str:
    """`sentence` with its placeholders filled; in HTML escaped, with links and bold."""
    out, bold, at = [], False, 0
    for token in _TOKEN.finditer(sentence):
        out.append(_text(sentence[at : token.start()], html))
        at = token.end()
        if token[0] == BOLD:
            bold = not bold
            if html:
                out.append("<strong>" if bold else "</strong>")
            continue
        name, fallback = token[1], token[2] or ""
        if name not in values:
            raise KeyError(f"unknown placeholder {{{name}}} in step: {sentence!r}")
        value = values[name] or fallback
        link = html and name in LINKS
        out.append(f'<a href="{escape(value)}">{escape(value)}</a>' if link else _text(value, html))
    if bold:
        raise ValueError(f"unclosed {BOLD} in step: {sentence!r}")
    out.append(_text(sentence[at:], html))
    return "".join(out)


def _text(text: str, html: bool) -> str:
    return str(escape(text)) if html else text
