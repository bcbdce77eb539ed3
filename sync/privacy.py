"""Masks for personal data in logs: enough to tell rows apart, never the whole value."""

from __future__ import annotations


def mask_email(value: str | None) -> str:
    if not value or "@" not in value:
        return "<sin correo>"
    user, domain = value.rsplit("@", 1)
    return f"{user[:2]}***@{domain}"


def mask_nss(value: str | None) -> str:
    return f"*******{value[-4:]}" if value and len(value) >= 4 else "<sin NSS>"


def mask_curp(value: str | None) -> str:
    return f"{value[:4]}**************" if value and len(value) >= 4 else "<sin CURP>"
