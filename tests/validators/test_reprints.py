"""One re-print policy (issue 23, item 3): every program that prints a constancia again to
PDF is treated alike, whoever it is, and [campus.policy] reimpresion decides what a
re-print gets; an editor is always CONSTANCIA_SOSPECHOSA.

The PDFs are the project's own fixture constancias with the Producer a re-printer writes,
and, where the programs are installed, real re-prints through pdftocairo and Ghostscript.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date

import pytest

from facultativo.validators import Estado, Motivo, Verdict, decide, extract
from facultativo.validators.integrity import PRODUCTORES, REIMPRESA, Rol
from facultativo.validators.model import Reimpresion
from facultativo.validators.motivos import motivo_cell, motivos_in_cell
from facultativo.validators.text import words
from tests.fixtures import render as r
from tests.fixtures.cases import CASES, spec
from tests.fixtures.people import ANA_CONTRADICTORIA, POLICY, PROPIA
from tests.support.emails import student_email
from tests.support.golden_pairs import policy_of, request_of

REQUEST = request_of(next(c for c in CASES if c.name == "alta_sin_vigencia").request_for())
REVISION = policy_of(POLICY)
ACEPTAR = replace(REVISION, reimpresion=Reimpresion.ACEPTAR)
SOSPECHOSA = (Estado.REVISION_MANUAL, (Motivo.CONSTANCIA_SOSPECHOSA, Motivo.SIN_VIGENCIA))
REIMPRESA_ACEPTADA = (Estado.ACEPTADA, (Motivo.SIN_VIGENCIA, Motivo.CONSTANCIA_REIMPRESA))

# What each re-printer really writes in the Producer.
SKIA = "Skia/PDF m150"
QUARTZ = ("Mac OS X 10.15.7 Quartz PDFContext", "iOS Version 17.1 (Build 21B74) Quartz PDFContext")
CAIRO = "cairo 1.16.0 (https://cairographics.org)"
GHOSTSCRIPT = ("GPL Ghostscript 10.00.0", "Artifex Ghostscript 8.54", "AFPL Ghostscript 8.53")
PRINTERS = ("Microsoft: Print To PDF", "PDFCreator 5.1.2", "Acrobat Distiller 23.0 (Windows)")
REPRINTS = (SKIA, *QUARTZ, CAIRO, *GHOSTSCRIPT, *PRINTERS)


def pdf(producer: str, layout: str = "compact", **kw) -> bytes:
    return r.render(spec(producer=producer, **kw), layout)


def verdicts(data: bytes, request=REQUEST) -> dict[Reimpresion, Verdict]:
    extraction = extract(data, None, "comprobanteVigenciaDerechos.pdf")
    return {p.reimpresion: decide(extraction, request, p) for p in (REVISION, ACEPTAR)}


def outcome(v: Verdict) -> tuple[Estado, tuple[Motivo, ...]]:
    return v.estado, v.motivos


# --- the table -------------------------------------------------------------------------


def test_every_producer_is_listed_once_with_a_known_role():
    names = [" ".join(words(name)) for name, _ in PRODUCTORES]
    assert all(names) and len(names) == len(set(names)), "a producer listed twice"
    assert all(isinstance(rol, Rol) for _, rol in PRODUCTORES)
    assert {rol for _, rol in PRODUCTORES} == set(Rol)
    # no name inside another: the longer one could never be the one that matched
    for a in names:
        for b in names:
            assert a == b or f" {a} " not in f" {b} ", (a, b)


def test_report_libraries_are_not_listed():
    """IMSS's generator is a report library (JasperReports over iText/OpenPDF): a
    constancia straight from a generator of that kind is never a re-print."""
    for producer in (
        r.JASPER,
        "iText 2.1.7 by 1T3XT",
        "OpenPDF 1.3.30",
        "iText® 7.2.5 ©2000-2023 iText Group NV",
        "ReportLab PDF Library - www.reportlab.com",
        "PyFPDF 1.7.2 http://pyfpdf.googlecode.com/",
        "TCPDF 6.6.2 (http://www.tcpdf.org)",
        "Crystal Reports",
        "dompdf 2.0.3 + CPDF",
        "Qt 4.8.7",  # wkhtmltopdf
    ):
        assert verdicts(pdf(producer))[Reimpresion.REVISION].estado is Estado.ACEPTADA, producer


@pytest.mark.parametrize(("name", "rol"), PRODUCTORES, ids=[n for n, _ in PRODUCTORES])
def test_each_listed_producer_is_read_with_its_role(name, rol):
    """Named in the Producer or in the Creator, in any case and with a version after it."""
    got = verdicts(pdf(f"{name.upper()} 12.0"))
    assert outcome(got[Reimpresion.REVISION]) == SOSPECHOSA
    expected = REIMPRESA_ACEPTADA if rol is Rol.REIMPRESION else SOSPECHOSA
    assert outcome(got[Reimpresion.ACEPTAR]) == expected


def test_a_name_matches_as_whole_words_only():
    for producer in ("HTML Canvas exporter", "Cairoli Reports", "NewPS 2.0", "Nitrogen 1.0"):
        assert outcome(verdicts(pdf(producer))[Reimpresion.REVISION])[0] is Estado.ACEPTADA


# --- one policy for every re-printer -----------------------------------------------------


@pytest.mark.parametrize("layout", ["compact", "v2_imagen"])
def test_cairo_and_ghostscript_are_treated_exactly_like_skia_and_quartz(layout):
    """Issue 23: Skia and Quartz went to REVISIÓN MANUAL, cairo and Ghostscript were
    ACEPTADA with no mention. Now all of them get the same verdict under each setting."""
    seen = {producer: verdicts(pdf(producer, layout)) for producer in REPRINTS}
    for producer, got in seen.items():
        assert outcome(got[Reimpresion.REVISION]) == SOSPECHOSA, producer
        assert outcome(got[Reimpresion.ACEPTAR]) == REIMPRESA_ACEPTADA, producer
        assert got[Reimpresion.REVISION].detalle == (f"Posible edición: {REIMPRESA}{producer}"), (
            "the detalle names the program and says it is a re-print"
        )


def test_under_aceptar_the_student_is_told_exactly_what_the_original_would_get():
    """The informative motivo goes after the deciding one: estado, main motivo, detalle and
    datos (all the student's email is made of) are the original file's, and so is the
    email; staff read the re-print in the motivo cell."""
    original = verdicts(pdf(r.JASPER))[Reimpresion.ACEPTAR]
    for producer in (SKIA, CAIRO, GHOSTSCRIPT[0]):
        reprint = verdicts(pdf(producer))[Reimpresion.ACEPTAR]
        assert (reprint.estado, reprint.motivo, reprint.detalle, reprint.datos) == (
            original.estado,
            original.motivo,
            original.detalle,
            original.datos,
        )
        assert _email(reprint) == _email(original)
        assert motivo_cell(reprint.motivos) == (
            "Sin vigencia actual: procede el alta. "
            "Nota: constancia reimpresa (no es el PDF original del IMSS)."
        )
        assert motivos_in_cell(motivo_cell(reprint.motivos)) == reprint.motivos


def _email(v: Verdict):
    email = student_email(v)
    return email.subject, email.text, email.html


@pytest.mark.parametrize(
    ("printed", "request_", "expected"),
    [
        # the content's verdict stands, whatever it is
        (
            {"estado": "VIGENTE", "servicio": "SI", "patrones": [PROPIA]},
            {},
            (Estado.CONCLUIDA, (Motivo.YA_INSCRITO, Motivo.CONSTANCIA_REIMPRESA)),
        ),
        (
            {"fecha": date(2026, 10, 2)},
            {},
            (Estado.RECHAZADA, (Motivo.FECHA_NO_COINCIDE, Motivo.CONSTANCIA_REIMPRESA)),
        ),
        (
            {},
            {"nombre": "Ana Sofía Martínez López"},
            (
                Estado.REVISION_MANUAL,
                (Motivo.NOMBRE_NO_COINCIDE, Motivo.SIN_VIGENCIA, Motivo.CONSTANCIA_REIMPRESA),
            ),
        ),
    ],
    ids=["concluida", "rechazada", "revision_por_el_nombre"],
)
def test_under_aceptar_the_content_decides_and_the_reprint_is_noted_last(
    printed, request_, expected
):
    request = replace(REQUEST, **request_)
    for producer in (SKIA, CAIRO, GHOSTSCRIPT[0]):
        assert outcome(verdicts(pdf(producer, **printed), request)[Reimpresion.ACEPTAR]) == expected


def test_an_editor_stays_sospechosa_under_aceptar_even_when_a_reprinter_wrote_the_file():
    """iLovePDF in the Creator, Skia in the Producer: edited, then printed. The editor wins."""
    jasper = b"/Creator (JasperReports \\(vigenciaDerechos\\))"
    ilovepdf = b"/Creator (iLovePDF".ljust(len(jasper) - 1) + b")"  # same length: xref holds
    data = pdf(SKIA).replace(jasper, ilovepdf)
    assert ilovepdf in data
    for v in verdicts(data).values():
        assert outcome(v) == SOSPECHOSA
        assert v.detalle.startswith("Posible edición: PDF producido por un editor (iLovePDF")


@pytest.mark.parametrize(
    "other",
    [
        {"incremental": True},  # saved again after it was printed
        {"fecha": date(2026, 9, 3), "overlay_fecha": date(2026, 11, 16)},  # a date pasted over
        {"persona": ANA_CONTRADICTORIA},  # NSS and CURP with different birth years
    ],
    ids=["varias_revisiones", "texto_sobrepuesto", "identificadores"],
)
def test_a_reprint_with_another_sign_of_editing_stays_sospechosa_under_aceptar(other):
    request = replace(REQUEST, nss=other["persona"].nss) if "persona" in other else REQUEST
    got = verdicts(pdf(CAIRO, **other), request)
    for v in got.values():
        assert v.estado is Estado.REVISION_MANUAL and v.motivo is Motivo.CONSTANCIA_SOSPECHOSA
        assert Motivo.CONSTANCIA_REIMPRESA not in v.motivos
        assert f"{REIMPRESA}{CAIRO}" in v.detalle  # staff still see it was re-printed
    assert got[Reimpresion.ACEPTAR] == got[Reimpresion.REVISION]


def test_a_clean_constancia_gets_no_motivo_for_its_producer():
    for v in verdicts(pdf(r.JASPER)).values():
        assert outcome(v) == (Estado.ACEPTADA, (Motivo.SIN_VIGENCIA,))


# --- real re-prints ----------------------------------------------------------------------

TOOLS = {
    "cairo": ["pdftocairo", "-pdf", "{src}", "{out}"],
    "ghostscript": ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=pdfwrite", "-o{out}", "{src}"],
}


@pytest.mark.parametrize("layout", ["compact", "v2_imagen"])
@pytest.mark.parametrize("program", sorted(TOOLS))
def test_a_real_reprint_through_cairo_or_ghostscript(tmp_path, program, layout):
    """The file itself printed again by pdftocairo (poppler) or Ghostscript's pdfwrite:
    the text reads the same, and the verdict is the one a Skia re-print gets."""
    command = TOOLS[program]
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed")
    src, out = tmp_path / "original.pdf", tmp_path / "reimpresa.pdf"
    src.write_bytes(pdf(r.JASPER, layout))
    subprocess.run(
        [part.format(src=src, out=out) for part in command], check=True, capture_output=True
    )
    got = verdicts(out.read_bytes())
    skia = verdicts(pdf(SKIA, layout))
    for setting in Reimpresion:
        assert outcome(got[setting]) == outcome(skia[setting]), setting
    detalle = got[Reimpresion.REVISION].detalle
    assert REIMPRESA in detalle and program in detalle.lower(), detalle
