"""A Mexican name cut into IMSS's three fields (sync/lote/names.py), checked against the
letters the CURP takes from it."""

from __future__ import annotations

import pytest

from facultativo.sync.lote.names import Parts, full_name, groups, with_apellidos


@pytest.mark.parametrize(
    ("text", "curp", "expected"),
    [
        # given names first, as most Forms get it
        ("Ana Sofía Martínez Gómez", "MAGA040312MQTRMNA3", ("Ana Sofía", "Martínez", "Gómez")),
        # the apellidos first, as school lists write it
        ("MARTÍNEZ GÓMEZ ANA SOFÍA", "MAGA040312MQTRMNA3", ("ANA SOFÍA", "MARTÍNEZ", "GÓMEZ")),
        # particles stay with their apellido; María of a compound name is passed over
        (
            "María José de la Cruz Pérez",
            "CUPJ040312MQTRRSA3",
            ("María José", "de la Cruz", "Pérez"),
        ),
        ("Juan Ponce de León García", "POGJ000101HQTNRNA1", ("Juan", "Ponce de León", "García")),
        ("Luis del Río Salas", "RISL010101HQTXLSA1", ("Luis", "del Río", "Salas")),
        # one apellido only: the CURP's X where the second would be
        ("María José López", "LOXJ040312MQTPXSA1", ("María José", "López", "")),
        # the constancia's spelling, in upper case and without accents
        ("FRANCISCO AGUILAR CANO", "AUCF050515HQTGNRA0", ("FRANCISCO", "AGUILAR", "CANO")),
    ],
)
def test_a_full_name_is_cut_where_the_curp_says(text, curp, expected):
    parts = full_name(text, curp)
    assert (parts.nombres, parts.primer, parts.segundo) == expected
    assert parts.sure


def test_a_name_the_curp_contradicts_is_cut_the_usual_way_and_marked_unsure():
    """The demo's Francisco typed «Campos»; his CURP was made for «Cano»."""
    parts = full_name("Francisco Aguilar Campos", "AUCF050515HQTGNRA0")
    assert parts == Parts("Francisco", "Aguilar", "Campos", sure=False)


def test_without_a_curp_the_usual_cut_is_taken_but_never_called_sure():
    assert full_name("Ana Sofía Martínez Gómez", None) == Parts(
        "Ana Sofía", "Martínez", "Gómez", sure=False
    )
    assert full_name("Ana Sofía Martínez Gómez", "NO-ES-CURP").sure is False


def test_apellidos_typed_apart_are_cut_into_primer_and_segundo():
    parts = with_apellidos("María José", "de la Cruz Pérez", "CUPJ040312MQTRRSA3")
    assert parts == Parts("María José", "de la Cruz", "Pérez", sure=True)
    parts = with_apellidos("Juan", "Ponce de León García", "POGJ000101HQTNRNA1")
    assert parts == Parts("Juan", "Ponce de León", "García", sure=True)
    # two apellidos and no CURP to doubt them
    assert with_apellidos("Ana", "Martínez Gómez", None).sure


def test_apellidos_the_curp_contradicts_are_marked_unsure():
    parts = with_apellidos("Ana Sofía", "Gómez Martínez", "MAGA040312MQTRMNA3")
    assert (parts.primer, parts.segundo, parts.sure) == ("Gómez", "Martínez", False)


def test_particles_join_the_word_they_introduce():
    assert groups("María de los Ángeles de la Torre Ruiz") == [
        "María",
        "de los Ángeles",
        "de la Torre",
        "Ruiz",
    ]
    assert groups("Juan de") == ["Juan de"]
