from __future__ import annotations

import pytest

from facultativo.validators.dates import first_date
from facultativo.validators.identifiers import birth_years_agree, curp_is_valid, nss_is_valid
from tests.fixtures.people import ANA, ANA_CONTRADICTORIA


@pytest.mark.parametrize(
    ("nss", "ok"),
    [("92919084431", True), ("92919084432", False), ("9291908443", False), ("9291908443a", False)],
)
def test_nss_check_digit(nss, ok):
    assert nss_is_valid(nss) is ok


def test_curp_uses_stdnum_check_digit():
    assert curp_is_valid(ANA.curp)
    assert not curp_is_valid(ANA.curp[:-1] + str((int(ANA.curp[-1]) + 1) % 10))


def test_birth_years_must_agree():
    assert birth_years_agree(ANA.nss, ANA.curp)
    assert not birth_years_agree(ANA_CONTRADICTORIA.nss, ANA.curp)


@pytest.mark.parametrize(
    "text",
    [
        "16/11/2026",
        "16-11-2026",
        "2026-11-16",
        "16 de noviembre de 2026",
        "16 DE NOV. DEL 2026",
        "16-NOV-2026",
        "Noviembre 16, 2026",
        "a 16 de Noviembre del 2026 10:42",
    ],
)
def test_spanish_dates(text):
    from datetime import date

    assert first_date(text) == date(2026, 11, 16)


def test_impossible_date_is_ignored():
    assert first_date("31/02/2026") is None
