"""Constancias in layouts the golden generator never makes, written with another
library (fpdf2), to check that fields are found by label and not by position."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from fpdf import FPDF

from facultativo.validators import Policy, Request, Tipo, decide, extract, validate
from facultativo.validators.backends import BACKENDS
from tests.fixtures.people import ANA, EMPRESA, ESCUELA_ANTERIOR, OTRA_ESCUELA, POLICY, PROPIA

HOY = date(2026, 11, 16)
POL = Policy(tuple(POLICY["institutions"]), tuple(POLICY["registros_patronales"]))


def request(tipo: Tipo = Tipo.ALTA) -> Request:
    return Request(tipo, HOY, ANA.nss, ANA.curp, ANA.nombre_completo)


def pdf_of(draw: Callable[[FPDF], None]) -> bytes:
    pdf = FPDF(format="letter")
    pdf.add_page()
    pdf.set_font("helvetica", size=9)
    draw(pdf)
    return bytes(pdf.output())


def rows(pdf: FPDF, texts: list[str], h: float = 5) -> None:
    for text in texts:
        pdf.cell(0, h, text, new_x="LMARGIN", new_y="NEXT")


def table(pdf: FPDF, header: list[str], body: list[list[str]], widths: list[float]) -> None:
    pdf.set_font(size=6)  # small enough that no razón social spills into the next cell
    for line in [header, *body]:
        for text, w in zip(line, widths, strict=True):
            pdf.cell(w, 6, text, border=1)
        pdf.ln()
    pdf.set_font(size=9)


def jasper_like(patrones, estado="VIGENTE", fecha="16/11/2026"):
    """Boxed two-column form, long table with dates and descriptions."""

    def draw(pdf: FPDF) -> None:
        rows(
            pdf, ["Instituto Mexicano del Seguro Social", "CONSTANCIA DE VIGENCIA DE DERECHOS", ""]
        )
        for label, value in (
            ("Nombre", ANA.nombre_completo),
            ("Número de Seguridad Social (NSS)", ANA.nss),
            ("Clave Única de Registro de Población (CURP)", ANA.curp),
            ("Fecha de nacimiento", "12/03/2004"),
            ("Lugar de nacimiento", "ESTADO DE MÉXICO"),
            ("Estado de vigencia", estado),
            ("Fecha de expedición", fecha),
            ("UMF", "-"),
        ):
            pdf.cell(80, 6, label, border=1)
            pdf.cell(100, 6, value, border=1, new_x="LMARGIN", new_y="NEXT")
        rows(pdf, ["", "Historial de institutions que hicieron la afiliación"])
        table(
            pdf,
            ["Registro Patronal", "Nombre o Razón Social", "Modalidad", "Fecha de alta", "Estado"],
            [
                [p.registro, p.razon, f"{p.modalidad} {p.descripcion[:18]}", "18/08/2025", p.estado]
                for p in patrones
            ],
            [24, 92, 30, 22, 20],
        )
        rows(pdf, ["", "Beneficiarios: NO APLICA", "Sello digital: abc123=="])

    return draw


def running_text(patrones, fecha="16 de noviembre de 2026"):
    """A letter-style constancia: fields in sentences, date at the signature."""

    def draw(pdf: FPDF) -> None:
        rows(pdf, ["INSTITUTO MEXICANO DEL SEGURO SOCIAL", "Comprobante de Vigencia de Derechos"])
        rows(
            pdf,
            [
                f"Nombre: {ANA.apellido1} {ANA.apellido2} {ANA.nombre}   NSS: {ANA.nss}",
                f"CURP: {ANA.curp}   Sexo: M",
                "Situación actual: NO VIGENTE   Servicio médico: NO",
            ],
        )
        rows(pdf, ["Patrones:"])
        for p in patrones:
            rows(pdf, [f"{p.registro}  {p.razon}  {p.modalidad}  {p.estado}"])
        rows(pdf, ["", f"Santiago de Querétaro, Qro., a {fecha}"])

    return draw


def header_row(patrones, estado="VIGENTE"):
    """Labels in one header row with the values in the row below."""

    def draw(pdf: FPDF) -> None:
        rows(pdf, ["INSTITUTO MEXICANO DEL SEGURO SOCIAL", "Constancia de vigencia de derechos"])
        table(
            pdf,
            ["NSS", "CURP", "Vigencia", "Fecha de consulta"],
            [[ANA.nss, ANA.curp, estado, "2026-11-16"]],
            [40, 50, 40, 40],
        )
        rows(pdf, ["", f"Nombre completo: {ANA.nombre_completo}", ""])
        table(
            pdf,
            ["Estado", "Modalidad", "Nombre o razón social", "Registro patronal"],
            [[p.estado, p.modalidad, p.razon, p.registro] for p in patrones],
            [20, 20, 90, 40],
        )

    return draw


def two_pages(patrones, estado_columna="VIGENTE"):
    """Personal data on page one; the employers on page two with movement columns."""

    def draw(pdf: FPDF) -> None:
        rows(pdf, ["IMSS", "Constancia de Vigencia de Derechos"])
        rows(
            pdf,
            [
                f"Apellido paterno: {ANA.apellido1}",
                f"Apellido materno: {ANA.apellido2}",
                f"Nombre(s): {ANA.nombre}",
                "No. de Seguridad Social: "
                f"{ANA.nss[:4]} {ANA.nss[4:6]} {ANA.nss[6:10]} {ANA.nss[10]}",
                f"CURP: {ANA.curp}",
                # covered exactly when a patrón is active (docs/CONSTANCIA.md)
                "Con derecho a servicio médico: "
                + ("SÍ" if any(p.estado == "VIGENTE" for p in patrones) else "NO"),
                "Fecha de expedición: 16 de Noviembre de 2026 a las 10:42 hrs.",
            ],
        )
        pdf.add_page()
        rows(pdf, ["Historial de afiliación"])
        table(
            pdf,
            [
                "Registro Patronal",
                "Nombre o Razón Social",
                "Mod.",
                "Fecha Alta",
                "Fecha Baja",
                "Movimiento",
            ],
            [
                [
                    p.registro,
                    p.razon,
                    p.modalidad,
                    "18/08/2025",
                    "-" if p.estado == "VIGENTE" else "15/07/2022",
                    estado_columna if p.estado == "VIGENTE" else "BAJA",
                ]
                for p in patrones
            ],
            [26, 92, 10, 20, 20, 20],
        )

    return draw


def dot_leaders(patrones, vigencia="NO VIGENTE"):
    """An older form style: dot leaders between label and value, a date range, ligature-free
    upper case, modalidad printed as «32 - DESCRIPCIÓN»."""

    def draw(pdf: FPDF) -> None:
        rows(pdf, ["INSTITUTO MEXICANO DEL SEGURO SOCIAL", "CONSTANCIA DE VIGENCIA DE DERECHOS"])
        rows(
            pdf,
            [
                f"Número de Seguridad Social .................... {ANA.nss}",
                f"CURP ........................................... {ANA.curp}",
                f"Asegurado ...................................... {ANA.nombre_completo}",
                "Periodo: del 01/08/2025 al 31/12/2026",
                f"Vigencia ....................................... {vigencia}",
                "Fecha de emisión ............................... 16/11/2026",
            ],
        )
        for p in patrones:
            rows(
                pdf,
                [
                    f"Registro patronal: {p.registro}  Nombre o razón social: {p.razon}",
                    f"Modalidad: {p.modalidad} - {p.descripcion}   Estado: {p.estado}",
                ],
            )

    return draw


CASES = [
    (
        "jasper_sin_vigencia",
        jasper_like([ESCUELA_ANTERIOR], "NO VIGENTE"),
        Tipo.ALTA,
        "ACEPTADA",
        "SIN_VIGENCIA",
    ),
    (
        "jasper_otra_escuela",
        jasper_like([ESCUELA_ANTERIOR, OTRA_ESCUELA]),
        Tipo.ALTA,
        "RECHAZADA",
        "VIGENTE_OTRA_INSTITUCION",
    ),
    ("jasper_patron", jasper_like([EMPRESA]), Tipo.ALTA, "ACEPTADA", "VIGENTE_CON_PATRON"),
    ("jasper_propia_baja", jasper_like([PROPIA]), Tipo.BAJA, "ACEPTADA", "BAJA_PROCEDENTE"),
    (
        "jasper_fecha_vieja",
        jasper_like([], "NO VIGENTE", "01/11/2026"),
        Tipo.ALTA,
        "RECHAZADA",
        "FECHA_NO_COINCIDE",
    ),
    ("carta_sin_vigencia", running_text([ESCUELA_ANTERIOR]), Tipo.ALTA, "ACEPTADA", "SIN_VIGENCIA"),
    (
        "carta_fecha_vieja",
        running_text([], "2 de octubre de 2026"),
        Tipo.ALTA,
        "RECHAZADA",
        "FECHA_NO_COINCIDE",
    ),
    ("encabezado_ya_inscrito", header_row([PROPIA]), Tipo.ALTA, "CONCLUIDA", "YA_INSCRITO"),
    (
        "encabezado_otra_escuela",
        header_row([OTRA_ESCUELA]),
        Tipo.ALTA,
        "RECHAZADA",
        "VIGENTE_OTRA_INSTITUCION",
    ),
    ("encabezado_patron_baja", header_row([EMPRESA]), Tipo.BAJA, "CONCLUIDA", "NO_INSCRITO"),
    (
        "dos_paginas_otra_escuela",
        two_pages([ESCUELA_ANTERIOR, OTRA_ESCUELA]),
        Tipo.ALTA,
        "RECHAZADA",
        "VIGENTE_OTRA_INSTITUCION",
    ),
    (
        "dos_paginas_movimiento_alta",
        two_pages([PROPIA], "ALTA"),
        Tipo.ALTA,
        "CONCLUIDA",
        "YA_INSCRITO",
    ),
    (
        "dos_paginas_reingreso_patron",
        two_pages([EMPRESA], "REINGRESO"),
        Tipo.ALTA,
        "ACEPTADA",
        "VIGENTE_CON_PATRON",
    ),
    (
        "dos_paginas_sin_vigencia",
        two_pages([ESCUELA_ANTERIOR]),
        Tipo.ALTA,
        "ACEPTADA",
        "SIN_VIGENCIA",
    ),
]

CASES += [
    (
        "puntos_otra_escuela",
        dot_leaders([OTRA_ESCUELA], "VIGENTE"),
        Tipo.ALTA,
        "RECHAZADA",
        "VIGENTE_OTRA_INSTITUCION",
    ),
    ("puntos_sin_vigencia", dot_leaders([ESCUELA_ANTERIOR]), Tipo.ALTA, "ACEPTADA", "SIN_VIGENCIA"),
    (
        "puntos_baja_propia",
        dot_leaders([PROPIA, EMPRESA], "VIGENTE"),
        Tipo.BAJA,
        "ACEPTADA",
        "BAJA_PROCEDENTE",
    ),
]


@pytest.mark.parametrize(
    ("name", "draw", "tipo", "estado", "motivo"), CASES, ids=[c[0] for c in CASES]
)
def test_unseen_layout_gets_the_right_verdict(name, draw, tipo, estado, motivo):
    data = pdf_of(draw)
    for backend in BACKENDS.values():  # each extraction backend on its own
        verdict = decide(extract(data, backend=backend), request(tipo), POL)
        assert (verdict.estado.value, verdict.motivo.value) == (estado, motivo), verdict.detalle
        assert verdict.constancia is not None
        assert verdict.constancia.nss == ANA.nss
        assert verdict.constancia.curp == ANA.curp


def test_text_spilling_into_the_next_cell_is_not_an_overlay():
    """Regression: a long razón social printed past its cell border overlapped the
    modalidad column and was taken for pasted-over text (CONSTANCIA_SOSPECHOSA)."""

    def draw(pdf: FPDF) -> None:
        jasper_like([ESCUELA_ANTERIOR], "NO VIGENTE")(pdf)
        pdf.set_font(size=8)
        pdf.cell(40, 6, ESCUELA_ANTERIOR.razon, border=1)  # far wider than 40 mm
        pdf.cell(20, 6, "32 ESTUDIANTES", border=1)

    verdict = validate(pdf_of(draw), request(), POL)
    assert verdict.motivos[0].value == "SIN_VIGENCIA", verdict.detalle


def test_whiteout_and_retyped_date_is_suspicious():
    def draw(pdf: FPDF) -> None:
        jasper_like([], "NO VIGENTE", "03/09/2026")(pdf)
        pdf.set_fill_color(255, 255, 255)
        pdf.rect(95, 61, 30, 5, style="F")  # over the printed date
        pdf.set_xy(94, 60)
        pdf.cell(30, 6, "16/11/2026")

    verdict = validate(pdf_of(draw), request(), POL)
    assert verdict.estado.value == "REVISION_MANUAL"
    assert verdict.motivos[0].value == "CONSTANCIA_SOSPECHOSA", verdict.detalle
