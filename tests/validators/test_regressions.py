"""Constancias that broke the validator when a tester drew them from outside the team
(fpdf2, layouts of their own). Each PDF in tests/regressions/ is named after the bug it
pins; the verdicts below are what a careful staff member expects, for an alta and a baja.
"""

from __future__ import annotations

from datetime import date

import pytest

from facultativo.validators import Policy, Request, Tipo, decide, extract
from facultativo.validators.backends import BACKENDS
from tests.fixtures.people import ANA, POLICY
from tests.support import TESTS

HERE = TESTS / "regressions"
POL = Policy(tuple(POLICY["institutions"]), tuple(POLICY["registros_patronales"]))
OWN = ("CONCLUIDA/YA_INSCRITO", "ACEPTADA/BAJA_PROCEDENTE")
OTHER_SCHOOL = ("RECHAZADA/VIGENTE_OTRA_INSTITUCION", "CONCLUIDA/NO_INSCRITO")
UNKNOWN = ("REVISION_MANUAL/DATOS_ILEGIBLES",) * 2
STAFF = ("REVISION_MANUAL/SITUACION_NO_PREVISTA",) * 2

EXPECTED = {
    # «Estado de nacimiento: BAJA CALIFORNIA» was read as the coverage state
    "v1_estado_nac_BC": OWN,
    "v1_lugar_then_estado": OWN,
    "sc_estado_nacimiento_BC": OWN,
    "sc_estado_nacimiento_BC_servNone": OWN,
    # a razón social wrapping after «… DE BAJA» turned the row into a BAJA row
    "v1_uabc_wrap_after_baja": OTHER_SCHOOL,
    "v1_uabc_wrap_state_line2": OTHER_SCHOOL,
    # a number inside a school's name («PREPARATORIA 10 - …», «(16)») became its modalidad
    "row_prepa_10_dash": OTHER_SCHOOL,
    "row_cetis_paren": OTHER_SCHOOL,
    # «Fecha nacimiento: …» in one cell was read as the issue date
    "sc_fecha_nacimiento_no_de": OWN,
    "sc_fecha_nac_abbrev": OWN,
    # «Vigencia: CONSERVACIÓN DE DERECHOS 30/12/2026» was read as a coverage date
    "conservacion": STAFF,
    # a razón social starting with a state word («BAJA FERRIES», «ACTIVO FIJO») gave the
    # row a state, and unknown coverage a decisive verdict
    "unk_baja_named_emp": UNKNOWN,
    "unk_baja_own_name": UNKNOWN,
    "unk_activo_emp": UNKNOWN,
    "unk_vigente_emp": UNKNOWN,
    # the cadena original check was skipped when a wrapped line split one of its keys
    "cad_other_nss_wrap": ("REVISION_MANUAL/CONSTANCIA_SOSPECHOSA",) * 2,
    # untitled constancias named as the NSS card or the semanas report by a stray word
    "v2_notitle_umf_asignacion": OWN,
    "v2_notitle_footer_semanas": OWN,
    # the student's CURP printed as «-»: a child's CURP was taken in its place
    "id_curp_dash_child": OWN,
    # a «Beneficiario(s)» heading was not a heading: the child's row became a patrón
    "benef_parenthesized": ("ACEPTADA/VIGENTE_CON_PATRON", "CONCLUIDA/NO_INSCRITO"),
    # Jóvenes Construyendo el Futuro on a baja was answered «no estás inscrito»
    "row_jcf": STAFF,
    # «Vigencia: -» (a missing value) was read as «---» (no coverage)
    "sc_vig_dash_beside": UNKNOWN,
    "vig_samecell_dash": UNKNOWN,
    # a «- 2 -» page marker ended up in the razón social of the row after it
    "own_on_page2_rows_only_dashmarker": OWN,
}


def test_every_regression_pdf_has_its_expectation():
    assert {p.stem for p in HERE.glob("*.pdf")} == set(EXPECTED)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_regression(name, backend):
    data = (HERE / f"{name}.pdf").read_bytes()
    extraction = extract(data, backend=BACKENDS[backend])
    for tipo, expected in zip((Tipo.ALTA, Tipo.BAJA), EXPECTED[name], strict=True):
        request = Request(tipo, date(2026, 11, 16), ANA.nss, ANA.curp, ANA.nombre_completo)
        v = decide(extraction, request, POL)
        assert f"{v.estado.value}/{v.motivo.value}" == expected, (tipo, v.detalle)
    if name == "id_curp_dash_child":
        assert extraction.constancia.curp is None  # unknown, never the child's
    if name == "own_on_page2_rows_only_dashmarker":
        names = [a.razon_social for a in extraction.constancia.afiliaciones]
        assert not any(ch.isdigit() for n in names for ch in n), names


def test_extract_in_process_never_raises_on_damaged_files():
    """pdfium raised PdfiumError from inside pages of damaged files (39 of 600 mutations):
    `extract` promises a Problem instead, even without the worker pool around it."""
    import random

    from facultativo.validators import Problem, Reading

    rng = random.Random(7)
    seeds = [p.read_bytes() for p in sorted(HERE.glob("*.pdf"))]
    inserts = [b"(", b")", b"<<", b">>", b"/Length 99999", b"\\", b"0 0 obj", b"9999999999"]
    for _ in range(300):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 8)):
            op, p = rng.random(), rng.randrange(len(data))
            if op < 0.5:
                data[p] = rng.randrange(256)
            elif op < 0.8:
                del data[p : p + rng.randint(1, 50)]
            else:
                data[p:p] = rng.choice(inserts)
        assert isinstance(extract(bytes(data)), Problem | Reading)
