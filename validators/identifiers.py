"""NSS and CURP checks (docs/CONSTANCIA.md §3)."""

from __future__ import annotations

import re

from stdnum.exceptions import ValidationError
from stdnum.mx import curp as stdnum_curp

CURP_PATTERN = re.compile(r"[A-Z]{4}\d{6}[HMX][A-Z]{5}[0-9A-Z]\d")
NSS_PATTERN = re.compile(r"(?<!\d)\d{11}(?!\d)")


def clean_nss(value: str) -> str:
    """Drop the spaces, dots and dashes people type inside an NSS."""
    return re.sub(r"[\s.\-]", "", value or "")


def nss_is_valid(nss: str) -> bool:
    """11 digits whose last one is the Luhn check digit of the first ten."""
    if not re.fullmatch(r"\d{11}", nss or ""):
        return False
    total = 0
    for i, ch in enumerate(nss[:10]):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return (10 - total % 10) % 10 == int(nss[10])


def nss_birth_year(nss: str) -> int:
    """Two-digit birth year carried in digits 5-6 of an NSS."""
    return int(nss[4:6])


def clean_curp(value: str) -> str:
    return re.sub(r"[\s\-]", "", (value or "").upper())


def curp_is_valid(curp: str) -> bool:
    try:
        stdnum_curp.validate(curp)
    except ValidationError:
        return False
    return True


def curp_birth_year(curp: str) -> int:
    """Two-digit birth year carried in characters 5-6 of a CURP."""
    return int(curp[4:6])


def birth_years_agree(nss: str, curp: str) -> bool:
    """NSS and CURP of one person carry the same two-digit birth year."""
    if not (nss_is_valid(nss) and CURP_PATTERN.fullmatch(curp or "")):
        return True  # nothing to compare: other checks report the bad identifier
    return nss_birth_year(nss) == curp_birth_year(curp)
