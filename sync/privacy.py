"""Masks for personal data in logs and the ledger: enough to tell rows apart, never the
whole value."""

from __future__ import annotations

import re

# Also written with dashes, dots or spaces, and a CURP in lower case: masked all the same.
_NSS = re.compile(r"(?<![\d-])\d(?:[ .-]?\d){10}(?![\d])")
_CURP = re.compile(r"\b[A-Z]{4}\d{6}[HMX][A-Z]{5}[0-9A-Z]\d\b", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def scrub(text: str) -> str:
    """Mask anything shaped like an email address, a CURP or an NSS."""
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    text = _CURP.sub(lambda m: mask_curp(m.group(0)), text)
    return _NSS.sub(lambda m: mask_nss(re.sub(r"\D", "", m.group(0))), text)


def mask_email(value: str | None) -> str:
    """At most two characters of the local part, and always one fewer than it has: «ab@x.mx»
    is «a***@x.mx», never the whole address."""
    if not value or "@" not in value:
        return "<sin correo>"
    user, domain = value.rsplit("@", 1)
    return f"{user[: min(2, len(user) - 1)]}***@{domain}"


def mask_nss(value: str | None) -> str:
    return f"*******{value[-4:]}" if value and len(value) >= 4 else "<sin NSS>"


def mask_curp(value: str | None) -> str:
    return f"{value[:4]}**************" if value and len(value) >= 4 else "<sin CURP>"
