"""Build an email from the Jinja2 templates: one template per outcome family.

The context handed to templates is built here and only here (`student_context`),
so templates, previews and the cycle agree on it; StrictUndefined makes a
missing variable an error instead of a blank.

Student-provided text (the name) only reaches a body, escaped in HTML; the To
header is built by email.headerregistry, which refuses line breaks: it cannot
inject a header or markup.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    select_autoescape,
)

import facultativo.templates as bundled
from facultativo.errors.system import os_error
from facultativo.notifiers import steps, texts
from facultativo.validators import Estado, Motivo
from facultativo.validators.text import fold

FAMILIES = {
    Estado.ACEPTADA: "aceptada",
    Estado.RECHAZADA: "rechazada",
    Estado.CONCLUIDA: "concluida",
    Estado.REVISION_MANUAL: "revision",
}
DATOS = (
    "institucion",
    "patron",
    "fecha_constancia",
    "fecha_solicitud",
    "original",  # a duplicate's original request: "aceptada" or "aplicada"
    "fecha_original",
    "texto",  # "ilegible": the PDF's text layer does not decode (validators/legibility.py)
)


@dataclass(frozen=True)
class Email:
    template: str
    to: str
    subject: str
    text: str
    html: str
    message_id: str


def template_for(kind: str, estado: Estado) -> str:
    """ "aplicada" for follow-ups; otherwise the family of the verdict's estado."""
    if kind in ("aplicada", "decision"):  # a follow-up, or a staff decision on a review
        return kind
    return FAMILIES[estado]


def environment(override: Path | None = None) -> Environment:
    """Bundled templates, with a campus folder's files taking precedence."""
    loaders = [FileSystemLoader(str(Path(bundled.__file__).parent))]
    if override is not None:
        loaders.insert(0, FileSystemLoader(str(override)))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(steps.GLOBALS)  # each motivo's steps, for templates/pasos.*.j2
    return env


def student_context(
    *,
    nombre: str | None,
    tipo: str,
    estado: Estado,
    motivo: Motivo,
    detalle: str,
    datos: dict[str, str],
    campus: dict[str, str],
    nota: str = "",
    corrige: str = "",
) -> dict[str, Any]:
    hide_detail = motivo.estado is Estado.REVISION_MANUAL  # internal findings stay internal
    return {
        "estudiante": {"nombre": " ".join((nombre or "").split())},
        "campus": {
            k: campus.get(k, "") for k in ("office", "email", "address", "hours", "escuela")
        },
        "tipo": tipo,
        "estado": estado.value,
        "estado_etiqueta": estado.etiqueta,
        "motivo": {"code": motivo.value, "texto": motivo.texto_estudiante},
        "detalle": "" if hide_detail or not adds_to(detalle, motivo.texto_estudiante) else detalle,
        "datos": {k: datos.get(k, "") for k in DATOS},
        "url_vigencia": texts.URL_VIGENCIA,
        "url_asignacion_nss": texts.URL_ASIGNACION_NSS,
        "url_clinica": texts.URL_CLINICA,
        # where an email that asks for the Form again sends the student (formulario.*.j2):
        # the campus's Form and its pre-check page, each "" when not configured
        "form_url": campus.get("form_url", ""),
        "web_url": campus.get("web_url", ""),
        "nota": " ".join(nota.split()),  # staff's own words, for a decision they took
        "corrige": corrige,  # the decision this one corrects (its label), "" when none
        # the steps' last one: an email answers a Form already sent; the pre-check page
        # (facultativo web) says «Llena el formulario»
        "llena": "Llena de nuevo el formulario",
    }


def adds_to(detalle: str, texto: str) -> bool:
    """Whether the detalle tells the student something the main sentence did not: a
    «Detalle: No se adjuntó ningún archivo.» under «llegó sin archivo adjunto» only
    repeats it. A number or date is always news; otherwise two new words are."""
    seen = {w[:5] for w in _words(texto)}
    news = 0
    for word in _words(detalle):
        if word[:5] not in seen:
            news += 2 if any(ch.isdigit() for ch in word) else 1
    return news >= 2


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", fold(text)) if len(w) >= 4 or w.isdigit()]


def compose(env: Environment, template: str, to: str, message_id: str, ctx: dict) -> Email:
    """The email `template` makes of `ctx`; a template that cannot make it (a campus's own,
    broken) raises TemplateProblem, one Spanish line naming its file and line."""
    text_t, html_t = load(env, f"{template}.txt.j2"), load(env, f"{template}.html.j2")
    if "asunto" not in text_t.blocks:
        raise TemplateProblem(
            f"plantilla {text_t.filename or text_t.name}: falta el bloque del asunto "
            "({% block asunto %}…{% endblock %}), que da el asunto del correo"
        )
    try:
        try:
            subject = "".join(text_t.blocks["asunto"](text_t.new_context(ctx)))
        except Exception:  # a block called directly: its traceback to the template's lines
            env.handle_exception()
        text, html = text_t.render(ctx), html_t.render(ctx)
    except (TemplateError, UnicodeDecodeError, OSError) as exc:
        raise TemplateProblem(template_problem(exc, template, ctx)) from None
    return Email(template, to, " ".join(subject.split()), text, html, message_id)


class TemplateProblem(TemplateError):
    """A template cannot be used: the message is one Spanish line naming its file and line,
    and what is wrong."""


def load(env: Environment, name: str) -> Template:
    """`env.get_template`, its failures as TemplateProblem."""
    try:
        return env.get_template(name)
    except (TemplateError, UnicodeDecodeError, OSError) as exc:
        raise TemplateProblem(template_problem(exc, name)) from None


def template_problem(exc: BaseException, name: str, ctx: dict | None = None) -> str:
    """Jinja's (and the file system's) failure as «plantilla FILE, línea N: what is wrong»,
    in Spanish; Jinja's own words only as a quoted detail, for what has no paraphrase."""
    where, line = _where(exc, name)
    place = f"plantilla {where}" + (f", línea {line}" if line else "")
    return f"{place}: {_why_template(exc, ctx)}"


def _where(exc: BaseException, name: str) -> tuple[str, int | None]:
    if isinstance(exc, TemplateSyntaxError) and (exc.filename or exc.name):
        return str(exc.filename or exc.name), exc.lineno
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    if frames:  # Jinja rewrites a render's traceback to the template's own lines
        return frames[-1].filename, frames[-1].lineno
    return name, None


_SYNTAX: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"unexpected end of template, expected 'end of print statement'"),
        "falta cerrar «{{{{ … }}}}» con «}}}}»",
    ),
    (
        re.compile(r"unexpected end of template, expected 'end of statement block'"),
        "falta cerrar «{{% … %}}» con «%}}»",
    ),
    (
        re.compile(
            r"unexpected end of template.*innermost block that needs to be closed is '(\w+)'",
            re.IGNORECASE | re.DOTALL,
        ),
        "falta «{{% end{0} %}}» para cerrar el «{{% {0} … %}}»",
    ),
    (
        re.compile(r"unexpected end of template", re.IGNORECASE),
        "la plantilla termina antes de cerrar una etiqueta «{{{{ }}}}» o «{{% %}}»",
    ),
    (
        re.compile(r"Encountered unknown tag '(\w+)'"),
        "«{{% {0} %}}» no es una etiqueta que se pueda usar ahí (¿está mal escrita, sobra, o falta "
        "abrir su bloque?)",
    ),
    (
        re.compile(r"expected token '[^']+', got '([^']+)'"),
        "no se esperaba «{0}» (¿falta cerrar con «}}}}» o «%}}», o sobra una palabra?)",
    ),
    (re.compile(r"unexpected '([^']+)'"), "sobra «{0}»"),
    (re.compile(r"unexpected char '([^']+)'"), "el carácter «{0}» no se puede usar ahí"),
    (re.compile(r"No filter named '([^']+)'"), "el filtro «{0}» no existe"),
    (re.compile(r"No test named '([^']+)'"), "la prueba «{0}» no existe"),
    (re.compile(r"block '([^']+)' defined twice"), "el bloque «{0}» está dos veces"),
]


def _why_template(exc: BaseException, ctx: dict | None) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "no está guardada como texto UTF-8: guárdala de nuevo con esa codificación"
    if isinstance(exc, OSError):
        return f"no se puede leer ({os_error(exc)})"
    if isinstance(exc, TemplateNotFound):
        return (
            f"incluye la plantilla «{exc.name}», que no existe en la carpeta ni entre las de "
            "facultativo"
        )
    text = str(getattr(exc, "message", None) or exc)
    if isinstance(exc, UndefinedError):
        names = ", ".join(sorted(ctx)) if ctx else ""
        known = f" (las que hay: {names})" if names else ""
        found = re.search(r"'(\w+)' is undefined", text)
        if found:
            return f"la variable «{found[1]}» no existe{known}"
        found = re.search(r"has no attribute '(\w+)'", text)
        if found:
            return (
                f"«{found[1]}» no existe dentro de esa variable (p. ej. estudiante.nombre, "
                "campus.office, datos.fecha_constancia)"
            )
        return f"usa una variable que no existe{known}"
    for pattern, spanish in _SYNTAX:
        found = pattern.search(text)
        if found:
            return spanish.format(*found.groups())
    return f"error de plantilla (detalle de Jinja: «{' '.join(text.split())[:120]}»)"


def to_message(email: Email, sender: str, reply_to: str, date: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = [Address(addr_spec=a.strip()) for a in email.to.split(",") if a.strip()]
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = email.subject
    msg["Message-ID"] = email.message_id
    msg["Date"] = format_datetime(date)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(email.text)
    msg.add_alternative(email.html, subtype="html")
    return msg
