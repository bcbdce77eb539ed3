"""Build the email for a verdict or a follow-up from the Jinja2 templates.

Student-provided text (name, address) only ever reaches a body (escaped in
HTML) or the To header through email.headerregistry, which refuses line breaks:
it cannot inject a header or markup.
"""

from __future__ import annotations

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
    select_autoescape,
)

import facultativo.templates as bundled
from facultativo.validators import motivos as m

KINDS = ("resultado", "aplicada")


@dataclass(frozen=True)
class Email:
    kind: str
    to: str
    subject: str
    text: str
    html: str
    message_id: str


def environment(override: Path | None = None) -> Environment:
    loaders = [FileSystemLoader(str(Path(bundled.__file__).parent))]
    if override is not None:
        loaders.insert(0, FileSystemLoader(str(override)))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def compose(env: Environment, kind: str, to: str, message_id: str, ctx: dict[str, Any]) -> Email:
    context = {**_links(), **ctx}
    text_t = env.get_template(f"{kind}.txt.j2")
    html_t = env.get_template(f"{kind}.html.j2")
    subject = "".join(text_t.blocks["asunto"](text_t.new_context(context))).strip()
    return Email(
        kind,
        to,
        " ".join(subject.split()),
        text_t.render(context),
        html_t.render(context),
        message_id,
    )


def to_message(email: Email, sender: str, reply_to: str, date: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = Address(addr_spec=email.to)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = email.subject
    msg["Message-ID"] = email.message_id
    msg["Date"] = format_datetime(date)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(email.text)
    msg.add_alternative(email.html, subtype="html")
    return msg


def _links() -> dict[str, str]:
    return {
        "url_vigencia": m.URL_VIGENCIA,
        "url_asignacion_nss": m.URL_ASIGNACION_NSS,
        "url_clinica": m.URL_CLINICA,
    }
