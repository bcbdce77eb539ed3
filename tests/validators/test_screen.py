"""The file stage and the document-kind stage on inputs made in the test."""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen.canvas import Canvas

from facultativo.validators import Limits, Motivo, Problem, Reading, extract
from tests.fixtures import render
from tests.fixtures.cases import HOY
from tests.fixtures.people import ANA
from tests.support.golden_pairs import GOLDEN

GOOD = (GOLDEN / "grid" / "alta_sin_vigencia.pdf").read_bytes()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "PNG"),
        (b"\0\0\0\x18ftypheic" + b"\0" * 64, "HEIC"),
        (b"PK\x03\x04" + b"\0" * 64, "Office"),
        (b"  <html><body>hola</body></html>", "HTML"),
        (b"", "vacío"),
    ],
)
def test_non_pdf_bytes_are_named(data, words):
    result = extract(data)
    assert isinstance(result, Problem) and result.motivo is Motivo.ARCHIVO_ILEGIBLE
    assert words in result.detalle


def test_oversized_file_is_refused_before_parsing():
    limits = Limits(max_bytes=len(GOOD) - 1)
    result = extract(GOOD, limits)
    assert isinstance(result, Problem) and "límite" in result.detalle
    assert isinstance(extract(GOOD, Limits(max_bytes=len(GOOD))), Reading)


def test_bytes_before_the_pdf_header_are_tolerated():
    assert isinstance(extract(b"\r\n" + GOOD), Reading)


def test_owner_password_only_is_still_readable():
    """Permissions-only encryption opens without a password, as viewers do."""
    spec = render.Spec(persona=ANA, fecha=HOY)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=letter, encrypt=StandardEncryption("", ownerPassword="imss"))
    render._grid(render.Pen(c), spec)
    c.showPage()
    c.save()
    result = extract(buf.getvalue())
    assert isinstance(result, Reading)
    assert result.constancia.nss == ANA.nss


def test_blank_pdf_has_no_text():
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=letter)
    c.showPage()
    c.save()
    result = extract(buf.getvalue())
    assert isinstance(result, Problem) and result.motivo is Motivo.PDF_SIN_TEXTO


def test_page_limit_is_configurable():
    two_pages = render.many_pages(render.Spec(persona=ANA, fecha=HOY), pages=2)
    assert isinstance(extract(two_pages, Limits(max_pages=2)), Reading)
    assert isinstance(extract(two_pages, Limits(max_pages=1)), Problem)
