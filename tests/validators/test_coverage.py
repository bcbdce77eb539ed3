"""Coverage on the evidence (docs/CONSTANCIA.md): tri-state, unknown is never "no".

The property: take any golden constancia that got a decisive ACEPTADA or
CONCLUIDA, blank any of the coverage signals it printed (servicio médico,
vigencia, estado word, a row's state); the verdict is then the same one or
REVISIÓN MANUAL, never another decisive verdict.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facultativo.validators import (
    Afiliacion,
    Constancia,
    Estado,
    Motivo,
    Policy,
    Reading,
    Request,
    Situacion,
    Tipo,
    decide,
    extract,
)
from facultativo.validators.model import Vigencia, VigenciaTipo
from tests.fixtures.people import ANA
from tests.support.golden_pairs import load, pairs, policy_of, request_of

HOY = date(2026, 11, 16)
POL = Policy(("Instituto Tecnológico de Querétaro",), ("Y6012345321",))
DECISIVE = {Estado.ACEPTADA, Estado.CONCLUIDA}


def _decisive_goldens() -> list[tuple[str, Reading, Request, Policy, tuple[str, tuple]]]:
    found = []
    for pdf in pairs():
        pair = load(pdf)
        extraction = extract(pdf.read_bytes(), None, pdf.name)
        request, policy = request_of(pair["request"]), policy_of(pair["policy"])
        if not isinstance(extraction, Reading):
            continue
        verdict = decide(extraction, request, policy)
        if verdict.estado in DECISIVE:
            key = (verdict.estado.value, tuple(m.value for m in verdict.motivos))
            found.append((f"{pdf.parent.name}/{pdf.stem}", extraction, request, policy, key))
    return found


GOLDEN = _decisive_goldens()


def test_there_are_decisive_goldens_of_every_generation():
    layouts = {name.split("/")[0] for name, *_ in GOLDEN}
    assert {"grid", "v2_imagen", "v2_dos_paginas", "v2_beneficiarios", "v1_situacion"} <= layouts
    # the families drawn by other programs (tests/fixtures/foreign), issue 23
    assert {"chromium", "flujo_manual", "reimpresiones", "texto_ilegible"} <= layouts
    assert len(GOLDEN) > 60


GLOBAL_SIGNALS = ("servicio_medico", "vigencia", "estado")


def blank(c: Constancia, globals_: set[str], rows: set[int]) -> Constancia:
    """The same constancia with some coverage signals unread."""
    changes: dict = {name: None for name in globals_}
    if "estado" in globals_:
        changes["estado_texto"] = None
    changes["afiliaciones"] = tuple(
        replace(a, estado=None) if i in rows else a for i, a in enumerate(c.afiliaciones)
    )
    return replace(c, **changes)


def _same_or_review(case, globals_: set[str], rows: set[int]) -> None:
    name, reading, request, policy, before = case
    blanked = Reading(blank(reading.constancia, globals_, rows), reading.senales)
    verdict = decide(blanked, request, policy)
    after = (verdict.estado.value, tuple(m.value for m in verdict.motivos))
    assert after == before or verdict.estado is Estado.REVISION_MANUAL, (name, globals_, rows)


@pytest.mark.parametrize("case", GOLDEN, ids=[c[0] for c in GOLDEN])
def test_blanking_coverage_signals_never_makes_a_new_decisive_verdict(case):
    """Every subset of the printed signals, blanked together (exhaustive)."""
    rows = range(len(case[1].constancia.afiliaciones))
    for k in range(len(GLOBAL_SIGNALS) + 1):
        for globals_ in itertools.combinations(GLOBAL_SIGNALS, k):
            for j in range(len(rows) + 1):
                for blanked_rows in itertools.combinations(rows, j):
                    _same_or_review(case, set(globals_), set(blanked_rows))


@settings(max_examples=300, deadline=None)
@given(
    case=st.sampled_from(GOLDEN),
    globals_=st.sets(st.sampled_from(GLOBAL_SIGNALS)),
    rows=st.sets(st.integers(0, 5)),
    tipo=st.sampled_from(list(Tipo)),
)
def test_blanking_holds_for_the_other_tipo_too(case, globals_, rows, tipo):
    """The same property when the request is of the other kind (alta ↔ baja)."""
    name, reading, request, policy, _ = case
    request = replace(request, tipo=tipo)
    before = decide(reading, request, policy)
    if before.estado not in DECISIVE:
        return
    key = (before.estado.value, tuple(m.value for m in before.motivos))
    _same_or_review((name, reading, request, policy, key), globals_, rows)


# --- the rules on hand-built records --------------------------------------------------


def reading(*rows: Afiliacion, **fields) -> Reading:
    base = dict(
        titulo="CONSTANCIA DE VIGENCIA DE DERECHOS",
        nss=ANA.nss,
        curp=ANA.curp,
        nombre="ANA SOFIA MARTINEZ GOMEZ",
        fecha_expedicion=HOY,
    )
    base.update(fields)
    return Reading(Constancia(**base, afiliaciones=rows))


def row(rp: str, razon: str, mod: str = "32", estado=None, desc=None) -> Afiliacion:
    return Afiliacion(rp, razon, mod, estado, desc)


PROPIA = row("Y6012345321", "INSTITUTO TECNOLOGICO DE QUERETARO")
OTRA = row("E5112345328", "UNIVERSIDAD AUTONOMA DE QUERETARO")
EMPLEO = row("B2012345106", "COMERCIALIZADORA DEL BAJIO SA DE CV", "10")
HOY_VIGENCIA = Vigencia(VigenciaTipo.FECHA, HOY)
NINGUNA = Vigencia(VigenciaTipo.NINGUNA)


def verdict(r: Reading, tipo: Tipo = Tipo.ALTA):
    v = decide(r, Request(tipo, HOY, ANA.nss, ANA.curp, "Ana Sofía Martínez Gómez"), POL)
    return v.estado, v.motivo


@pytest.mark.parametrize(
    ("rows", "tipo", "expected"),
    [
        ((PROPIA,), Tipo.ALTA, (Estado.CONCLUIDA, Motivo.YA_INSCRITO)),
        ((PROPIA,), Tipo.BAJA, (Estado.ACEPTADA, Motivo.BAJA_PROCEDENTE)),
        ((OTRA,), Tipo.ALTA, (Estado.RECHAZADA, Motivo.VIGENTE_OTRA_INSTITUCION)),
        ((OTRA,), Tipo.BAJA, (Estado.CONCLUIDA, Motivo.NO_INSCRITO)),
        ((EMPLEO,), Tipo.ALTA, (Estado.ACEPTADA, Motivo.VIGENTE_CON_PATRON)),
        ((EMPLEO, OTRA), Tipo.ALTA, (Estado.RECHAZADA, Motivo.VIGENTE_OTRA_INSTITUCION)),
        ((), Tipo.ALTA, (Estado.REVISION_MANUAL, Motivo.SITUACION_NO_PREVISTA)),
        ((), Tipo.BAJA, (Estado.REVISION_MANUAL, Motivo.SITUACION_NO_PREVISTA)),
    ],
)
def test_covered_rows_without_states_are_the_current_patrones(rows, tipo, expected):
    r = reading(*rows, servicio_medico=True, vigencia=HOY_VIGENCIA)
    assert verdict(r, tipo) == expected


@pytest.mark.parametrize("rows", [(PROPIA,), (OTRA,), (EMPLEO,), ()])
def test_not_covered_the_listed_patron_is_only_the_last_one(rows):
    r = reading(*rows, servicio_medico=False, vigencia=NINGUNA)
    assert verdict(r, Tipo.ALTA) == (Estado.ACEPTADA, Motivo.SIN_VIGENCIA)
    assert verdict(r, Tipo.BAJA) == (Estado.CONCLUIDA, Motivo.NO_INSCRITO)


@pytest.mark.parametrize("rows", [(PROPIA,), (OTRA,), (EMPLEO,), ()])
@pytest.mark.parametrize("tipo", list(Tipo))
def test_unknown_coverage_is_never_decided(rows, tipo):
    v = decide(reading(*rows), Request(tipo, HOY, ANA.nss), POL)
    assert (v.estado, v.motivo) == (Estado.REVISION_MANUAL, Motivo.DATOS_ILEGIBLES)
    assert "servicio médico" in v.detalle


@pytest.mark.parametrize(
    "fields",
    [
        {"servicio_medico": False, "vigencia": HOY_VIGENCIA},
        {"servicio_medico": True, "vigencia": NINGUNA},
        {"servicio_medico": True, "estado": Situacion.BAJA},
        {"vigencia": Vigencia(VigenciaTipo.FECHA, date(2026, 10, 31)), "servicio_medico": True},
    ],
)
def test_contradicting_signals_go_to_staff_naming_them(fields):
    v = decide(reading(PROPIA, **fields), Request(Tipo.BAJA, HOY, ANA.nss), POL)
    assert (v.estado, v.motivo) == (Estado.REVISION_MANUAL, Motivo.SITUACION_NO_PREVISTA)
    assert "contradicen" in v.detalle


def test_a_row_printed_vigente_contradicts_servicio_medico_no():
    vigente = replace(OTRA, estado=Situacion.VIGENTE)
    v = decide(reading(vigente, servicio_medico=False), Request(Tipo.ALTA, HOY, ANA.nss), POL)
    assert v.estado is Estado.REVISION_MANUAL


def test_a_vigencia_date_after_the_issue_day_is_coverage():
    later = Vigencia(VigenciaTipo.FECHA, date(2026, 12, 31))
    assert verdict(reading(PROPIA, vigencia=later)) == (Estado.CONCLUIDA, Motivo.YA_INSCRITO)


def test_a_vigencia_date_before_the_issue_day_is_no_coverage():
    past = Vigencia(VigenciaTipo.FECHA, date(2026, 10, 31))
    r = reading(PROPIA, vigencia=past)
    assert verdict(r, Tipo.BAJA) == (Estado.CONCLUIDA, Motivo.NO_INSCRITO)


@pytest.mark.parametrize(
    "fields",
    [
        {"vigencia": Vigencia(VigenciaTipo.PENSIONADO)},
        {"estado": Situacion.PENSIONADO, "servicio_medico": True},
        {"estado": Situacion.CONSERVACION, "servicio_medico": True},
        {"estado": Situacion.BENEFICIARIO},
    ],
)
def test_special_situations_go_to_staff(fields):
    assert verdict(reading(PROPIA, **fields), Tipo.BAJA)[1] is Motivo.SITUACION_NO_PREVISTA


def test_modalidad_32_that_is_not_a_school_is_told_by_its_description():
    stps = row("S0112345326", "SECRETARIA DEL TRABAJO", desc="PROGRAMA JOVENES CONSTRUYENDO")
    r = reading(stps, servicio_medico=True)
    assert verdict(r) == (Estado.REVISION_MANUAL, Motivo.SITUACION_NO_PREVISTA)


def test_with_printed_row_states_a_row_without_one_is_unknown_not_current():
    baja = replace(OTRA, estado=Situacion.BAJA)
    unknown = PROPIA  # no state printed on this row while the others have one
    r = reading(baja, replace(EMPLEO, estado=Situacion.VIGENTE), unknown, servicio_medico=True)
    v = decide(r, Request(Tipo.BAJA, HOY, ANA.nss), POL)
    assert (v.estado, v.motivo) == (Estado.REVISION_MANUAL, Motivo.SITUACION_NO_PREVISTA)
    assert "INSTITUTO TECNOLOGICO" in v.detalle


def test_the_detail_cites_the_evidence_in_one_line():
    v = decide(reading(OTRA, servicio_medico=True, vigencia=HOY_VIGENCIA), Request(), POL)
    assert v.detalle == (
        "Servicio médico: SI; Vigencia: 16/11/2026; "
        "patrón: UNIVERSIDAD AUTONOMA DE QUERETARO (mod. 32)."
    )
    assert "\n" not in v.detalle
