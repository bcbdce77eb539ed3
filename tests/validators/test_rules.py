"""The decision rules on hand-built records: order, precedence and own-school matching."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from facultativo.validators import (
    MOTIVOS,
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
)
from facultativo.validators.rules import is_own
from tests.fixtures.people import ANA, LUIS

HOY = date(2026, 11, 16)
POL = Policy(("Instituto Tecnológico de Querétaro",), ("Y6012345321",))


def reading(*afiliaciones: Afiliacion, senales=(), **fields) -> Reading:
    base = dict(
        titulo="CONSTANCIA DE VIGENCIA DE DERECHOS",
        nss=ANA.nss,
        curp=ANA.curp,
        nombre="ANA SOFIA MARTINEZ GOMEZ",
        fecha_expedicion=HOY,
        # consistent with the rows: a row VIGENTE means the person is covered
        estado=Situacion.VIGENTE
        if any(a.estado is Situacion.VIGENTE for a in afiliaciones)
        else Situacion.BAJA,
    )
    base.update(fields)
    return Reading(Constancia(**base, afiliaciones=afiliaciones), tuple(senales))


def req(**kw) -> Request:
    base = dict(
        tipo=Tipo.ALTA,
        fecha_solicitud=HOY,
        nss=ANA.nss,
        curp=ANA.curp,
        nombre="Ana Sofía Martínez Gómez",
    )
    base.update(kw)
    return Request(**base)


def af(rp, razon, mod, estado=Situacion.VIGENTE) -> Afiliacion:
    return Afiliacion(rp, razon, mod, estado)


def test_no_file_is_sin_adjunto():
    v = decide(None, req(), POL)
    assert (v.estado, v.motivos) == (Estado.RECHAZADA, (Motivo.SIN_ADJUNTO,))


def test_rejection_stops_the_chain_and_comes_first():
    r = reading(
        af("E5112345328", "UNIVERSIDAD X", "32"),
        senales=["texto sobrepuesto"],
        fecha_expedicion=date(2026, 1, 2),
    )
    v = decide(r, req(), POL)
    assert v.estado is Estado.RECHAZADA
    assert v.motivos == (Motivo.FECHA_NO_COINCIDE, Motivo.CONSTANCIA_SOSPECHOSA)


def test_manual_review_outranks_the_coverage_outcome_and_keeps_it():
    v = decide(reading(af("Y6012345321", "ITQ", "32")), req(nombre="Otra Persona"), POL)
    assert v.estado is Estado.REVISION_MANUAL
    assert v.motivos == (Motivo.NOMBRE_NO_COINCIDE, Motivo.YA_INSCRITO)


def test_invalid_form_nss_is_reported_before_comparing():
    v = decide(reading(), req(nss="12345678901"), POL)
    assert v.motivos == (Motivo.NSS_INVALIDO,)


def test_form_nss_with_spaces_and_dashes_is_accepted():
    nss = f"{ANA.nss[:4]}-{ANA.nss[4:6]} {ANA.nss[6:]}"
    assert decide(reading(), req(nss=nss), POL).motivos == (Motivo.SIN_VIGENCIA,)


def test_curp_compared_case_insensitively():
    assert decide(reading(), req(curp=ANA.curp.lower()), POL).estado is Estado.ACEPTADA
    assert decide(reading(), req(curp=LUIS.curp), POL).motivo is Motivo.CURP_NO_COINCIDE


def test_request_timestamp_is_read_in_the_campus_time_zone():
    late_evening = datetime(2026, 11, 17, 5, 30, tzinfo=UTC)  # 23:30 on the 16th
    assert decide(reading(), req(fecha_solicitud=late_evening), POL).estado is Estado.ACEPTADA
    tijuana = Policy(POL.institutions, POL.registros_patronales, timezone="UTC")
    v = decide(reading(), req(fecha_solicitud=late_evening), tijuana)
    assert v.motivo is Motivo.FECHA_NO_COINCIDE


def test_school_name_under_another_modalidad_is_an_employer_not_enrollment():
    staff_job = af("Y6012345106", "INSTITUTO TECNOLOGICO DE QUERETARO", "10")
    assert not is_own(staff_job, POL)
    assert decide(reading(staff_job), req(), POL).motivo is Motivo.VIGENTE_CON_PATRON


def test_own_registro_matches_without_check_digit():
    policy = Policy((), ("Y60-12345-32",))
    assert is_own(af("Y6012345321", "TECNOLOGICO NACIONAL DE MEXICO", "32"), policy)


def test_vigente_without_any_readable_employer_goes_to_staff():
    v = decide(reading(estado=Situacion.VIGENTE), req(tipo=Tipo.BAJA), POL)
    assert v.motivo is Motivo.SITUACION_NO_PREVISTA


def test_other_school_is_named_in_the_detail():
    v = decide(reading(af("E5112345328", "UNIVERSIDAD AUTONOMA DE QUERETARO", "32")), req(), POL)
    assert "UNIVERSIDAD AUTONOMA DE QUERETARO" in v.detalle
    assert v.datos["institucion"] == "UNIVERSIDAD AUTONOMA DE QUERETARO"


@pytest.mark.parametrize("motivo", list(Motivo))
def test_every_motivo_has_both_texts_in_spanish(motivo):
    info = MOTIVOS[motivo]
    assert info.personal and len(motivo.texto_estudiante) > len(info.personal)


@pytest.mark.parametrize(
    ("cell", "estado"),
    [
        ("ALTA APLICADA", Estado.ALTA_APLICADA),
        ("revisión manual", Estado.REVISION_MANUAL),
        (" Aceptada ", Estado.ACEPTADA),
        ("otra cosa", None),
    ],
)
def test_estado_read_from_sheet_labels(cell, estado):
    assert Estado.from_label(cell) is estado
