"""Checks more than one table makes: web addresses, email addresses, registros patronales."""

from __future__ import annotations

import re

from facultativo.settings import Table, shown

# An address a student opens: http(s), a host, nothing a link could break on.
URL = re.compile(r"https?://[^\s/?#<>\"']+(?:[/?#][^\s<>\"']*)?", re.IGNORECASE)
FORM_EXAMPLE = "https://forms.gle/AbCdEf123"
PAGE_EXAMPLE = "https://facultativo.escuela.mx"
EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")
NOT_A_REGISTRO = "no parece un registro patronal (11 caracteres, p. ej. Y6012345321)."


def registro_valido(rp: str) -> bool:
    """A registro patronal as staff type it: 10 or 11 characters, a letter then digits."""
    clean = rp.replace("-", "").replace(" ", "").upper()
    return len(clean) in (10, 11) and clean[:1].isalpha() and clean[1:].isdigit()


def web_address(t: Table, key: str, what: str, example: str) -> str:
    """A link the emails and the page show: a whole address or nothing ("" after saying so)."""
    url = t.text(key)
    if url and not URL.fullmatch(url):
        t.problem(
            f"{t.where}.{key} = {shown(url)}: escribe la dirección completa {what}, "
            f'p. ej. "{example}".'
        )
        return ""
    return url
