"""`facultativo preview-emails`: every email with sample data, as .html and .txt files for
staff to review in a browser."""

from __future__ import annotations

import argparse

from facultativo.commands import campuses
from facultativo.config import load
from facultativo.errors import ConfigError, FacultativoError
from facultativo.errors.system import os_error
from facultativo.notifiers import preview
from facultativo.notifiers.compose import environment


def run(args: argparse.Namespace) -> int:
    from facultativo.wiring import mail_context

    campus_contact, env, folder = None, environment(), None
    if args.config:
        config = load(args.config)
        campus = campuses(config, args.campus)[0]
        mail = mail_context(campus)
        campus_contact = {k: v for k, v in mail.contact.items() if v or k in preview.LINKS}
        env, folder = mail.env, campus.mail.templates
    problems = preview.broken(env, folder, campus_contact)
    if problems:  # the campus's own templates: each broken one, with its file and line
        raise ConfigError(problems)
    try:
        written = preview.write(args.dir, preview.samples(env, campus_contact))
    except OSError as exc:
        raise FacultativoError(f"no se pudo escribir en {args.dir}: {os_error(exc)}.") from None
    print(f"{len(written)} correos en {args.dir} (ábrelos desde {args.dir / 'index.html'}).")
    return 0
