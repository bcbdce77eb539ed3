"""What the foreign families taught the reader (issue 23), pinned one behaviour per test.

The PDFs here are written by hand (tests/fixtures/foreign/streams.py): no PDF library
draws them, so a test fails only on what the reader does with what is printed.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from facultativo.notifiers.texts import URL_VIGENCIA
from facultativo.validators import Estado, Motivo, Reading, decide, extract
from facultativo.validators.legibility import measure
from tests.fixtures.foreign import streams
from tests.fixtures.foreign.build import EN_OTRA, INSCRITA
from tests.fixtures.people import ANA, HIJA, HIJO, LUIS, OTRA_ESCUELA, POLICY
from tests.support.emails import student_email
from tests.support.golden_pairs import GOLDEN, load, policy_of, request_of

PAIR = load(GOLDEN / "chromium" / "titulo_en_imagen_ya_inscrita.pdf")
REQUEST, POLICY_ = request_of(PAIR["request"]), policy_of(POLICY)


def _read(pieces) -> Reading:
    reading = extract(streams.pdf(pieces))
    assert isinstance(reading, Reading), reading
    return reading


# --- unreadable text -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "(cid:38)(cid:50)(cid:49)(cid:54)(cid:55)(cid:36)(cid:49)(cid:38)(cid:44)(cid:36) " * 8,
        "Dpotubodjb ef Wjhfodjb ef Efsfdipt Opncsf: BOB TPGJB Ovnfsp ef Tfhvsjebe Tpdjbm "
        "2333156789: DVSQ: NBHB151423 Gfdib ef fyqfejdjpo: 31/22/3137 Tfswjdjp nfejdp: TJ",
        "\ue001\ue002\ue003 \ue004\ue005 " * 20,
        "1RPEUH\x1d $1$ 62)\x8d$ 0$57\x8d1(= *0(= 1ºPHUR GH 6HJXULGDG 6RFLDO\x1d " * 3,
    ],
    ids=["cid", "shifted", "private_use", "pdfium_glyph_numbers"],
)
def test_text_that_does_not_decode_is_measured_unreadable(text):
    assert not measure(text).legible


@pytest.mark.parametrize(
    "text",
    [
        "Constancia de estudios. Se hace constar que la alumna cursa el quinto semestre de la "
        "carrera de Ingeniería en Sistemas Computacionales en este instituto.",
        "KARDEX  CALCULO DIFERENCIAL 95  QUIMICA 88  PROGRAMACION ORIENTADA A OBJETOS 90 "
        "ALGEBRA LINEAL 84  FUNDAMENTOS DE INVESTIGACION 100  TALLER DE ETICA 97",
        "Nombre: ANA SOFIA  NSS: 12220456789",  # too short to judge: never called unreadable
    ],
    ids=["prose", "kardex", "short"],
)
def test_readable_spanish_documents_are_legible(text):
    assert measure(text).legible


def test_undecodable_constancia_asks_the_student_for_the_original_download():
    pdf = GOLDEN / "texto_ilegible" / "sin_mapa_alguno.pdf"
    verdict = decide(extract(pdf.read_bytes()), REQUEST, POLICY_)
    assert (verdict.estado, verdict.motivos) == (Estado.REVISION_MANUAL, (Motivo.DATOS_ILEGIBLES,))
    assert "no se puede descifrar" in verdict.detalle
    email = student_email(verdict)
    for body in (email.text, email.html):
        assert "descarga de nuevo tu constancia" in body and URL_VIGENCIA in body
        assert "No necesitas enviar nada más" not in body


# --- beneficiarios -----------------------------------------------------------------------


def _with_child_rows_under_a_page_header(captions: bool) -> list[streams.Piece]:
    """The student's CURP beside the NSS with no label; further down, a repeated page
    title and beneficiarios rows, with or without their captions."""
    pieces = [p for p in streams.placed(INSCRITA) if p[4] not in ("CURP:", ANA.curp)]
    pieces.append((streams.LEFT + 300, 106, 9, False, ANA.curp))  # on the NSS's line
    top = 560.0
    pieces.append((streams.LEFT, top, 11, True, "Constancia de Vigencia de Derechos"))
    columns = (42, 250, 330, 470)
    if captions:
        head = ("Nombre", "Parentesco", "CURP", "Fecha de nacimiento")
        pieces += [(x, top + 20, 7.5, True, c) for x, c in zip(columns, head, strict=True)]
    row = (HIJO.nombre_completo, "HIJO", HIJO.curp, "10/05/2022")
    pieces += [(x, top + 34, 8, False, c) for x, c in zip(columns, row, strict=True)]
    return pieces


@pytest.mark.parametrize("captions", [True, False], ids=["captions", "kinship_only"])
def test_child_rows_after_a_repeated_page_header_never_give_the_students_curp(captions):
    reading = _read(_with_child_rows_under_a_page_header(captions))
    assert reading.constancia.curp == ANA.curp


# --- labels and numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "label",
    [
        "N° de Seguridad Social",
        "Nº de Seguridad Social",
        "No. de Seguridad Social",
        "Núm. de Seguridad Social",
        "Nro. de Seguro Social",
        "N.S.S.",
    ],
)
@pytest.mark.parametrize("spaced", [False, True], ids=["together", "in_groups"])
def test_nss_label_variants_are_read(label, spaced):
    reading = _read(streams.placed(replace(EN_OTRA, nss_label=label, nss_spaced=spaced)))
    assert reading.constancia.nss == ANA.nss


def test_an_unlabelled_nss_in_groups_is_read_only_when_the_cadena_repeats_it():
    def pieces(cadena: bool):
        doc = replace(EN_OTRA, nss_label="Afiliado", nss_spaced=True, cadena=cadena)
        return streams.placed(doc)

    assert _read(pieces(True)).constancia.nss == ANA.nss
    assert _read(pieces(False)).constancia.nss is None  # unknown, never guessed


def test_a_blank_value_in_a_grid_is_not_taken_from_the_row_above():
    """Labels over values, in rows: «Vigencia» printed empty must stay unknown, not take
    the birth date printed above it (it belongs to the caption over it)."""
    pieces = [
        (42, 40, 13, True, "Constancia de Vigencia de Derechos"),
        (42, 80, 7, True, "Número de Seguridad Social"),
        (240, 80, 7, True, "Fecha de nacimiento"),
        (42, 90, 9, False, ANA.nss),
        (240, 90, 9, False, "12/03/2004"),
        (42, 108, 7, True, "Fecha de expedición"),
        (240, 108, 7, True, "Vigencia"),
        (42, 118, 9, False, "20/11/2026"),
        (42, 140, 7, True, "Con derecho a servicio médico"),
        (42, 150, 9, False, "NO"),
    ]
    c = _read(pieces).constancia
    assert c.vigencia is None and c.servicio_medico is False


# --- text nobody sees (attack on issue 23) ------------------------------------------------

HIDDEN_COVERAGE = [
    ("3 Tr", 75.0),  # invisible render mode
    ("1 g", 75.0),  # white on the white page
    ("0.97 g", 75.0),  # as good as white (second attack)
    ("/Clear gs", 75.0),  # transparent
    ("0 0 1 1 re W n", 75.0),  # drawn through a clipping path that shows none of it
    ("1 Tr 1 G", 75.0),  # outlined only, in white
    ("", -200.0),  # above the page
]


@pytest.mark.parametrize(
    ("style", "top"),
    HIDDEN_COVERAGE,
    ids=["invisible", "white", "near_white", "transparent", "clipped", "white_outline", "off_page"],
)
def test_text_nobody_sees_is_not_read_and_is_a_sign_of_editing(style, top):
    """A forger's «Servicio médico: NO / Vigencia: ---» printed where nobody sees it, above
    the real «SI»: the visible coverage decides, and staff are told of the hidden text."""
    forged = [
        (42, top, 9, False, "Con derecho a servicio médico: NO", style),
        (300, top, 9, False, "Vigencia: ---", style),
    ]
    verdict = decide(extract(streams.pdf(forged + streams.placed(EN_OTRA))), REQUEST, POLICY_)
    assert verdict.estado is Estado.RECHAZADA
    assert verdict.motivos[0] is Motivo.VIGENTE_OTRA_INSTITUCION
    assert Motivo.CONSTANCIA_SOSPECHOSA in verdict.motivos


def test_white_letters_on_a_coloured_banner_are_seen():
    banner = streams.placed(INSCRITA)
    pieces = [(42, 58, 13, True, "Constancia de Vigencia de Derechos", "1 g"), *banner[2:]]
    data = streams.pdf(pieces, banner_behind=(36, 52, 540, 22))
    reading = _read_bytes(data)
    assert reading.constancia.titulo != "(sin título en el texto)"
    assert not reading.senales


def test_a_line_running_over_the_page_edge_is_read_not_hidden():
    pieces = [*streams.placed(INSCRITA), (420, 700, 9, False, "TEXTO LARGO QUE SE SALE DEL BORDE")]
    assert not _read(pieces).senales


def _read_bytes(data: bytes) -> Reading:
    reading = extract(data)
    assert isinstance(reading, Reading), reading
    return reading


# --- other people's data beside the insured's (attack on issue 23) -----------------------

HEAD = [
    (42, 40, 11, True, "INSTITUTO MEXICANO DEL SEGURO SOCIAL"),
    (42, 58, 13, True, "Constancia de Vigencia de Derechos"),
]
PATRONES = [
    (42, 200, 10, True, "Historial de instituciones que hicieron la afiliación"),
    (42, 216, 7.5, True, "Registro patronal"),
    (120, 216, 7.5, True, "Nombre o razón social"),
    (400, 216, 7.5, True, "Modalidad"),
    (42, 229, 8, False, OTRA_ESCUELA.registro),
    (120, 229, 8, False, "UNIVERSIDAD AUTONOMA DE QUERETARO"),
    (400, 229, 8, False, "32"),
]


def _labelled(x: float, top: float, rows: list[tuple[str, str]]) -> list[streams.Piece]:
    out: list[streams.Piece] = []
    for i, (label, value) in enumerate(rows):
        out += [(x, top + 14 * i, 8, True, label), (x + 120, top + 14 * i, 8, False, value)]
    return out


def test_a_blank_curp_cell_never_takes_the_childs_curp_on_the_row_below():
    grid = [
        (42, 100, 7, True, "Nombre"),
        (200, 100, 7, True, "Número de Seguridad Social"),
        (330, 100, 7, True, "CURP"),
        (440, 100, 7, True, "Fecha de expedición"),
        (42, 110, 8, False, ANA.nombre_completo),
        (200, 110, 8, False, ANA.nss),
        (440, 110, 8, False, "20/11/2026"),
        (42, 121, 8, False, HIJO.nombre_completo),  # no caption, no kinship
        (330, 121, 8, False, HIJO.curp),
        (42, 140, 7, True, "Con derecho a servicio médico"),
        (250, 140, 7, True, "Vigencia"),
        (42, 150, 8, False, "SI"),
        (250, 150, 8, False, "28/02/2027"),
    ]
    assert _read(HEAD + grid + PATRONES).constancia.curp is None  # unknown, not the child's


def test_a_labelled_beneficiary_block_above_the_insured_is_never_the_insured():
    child = [
        (42, 85, 10, True, "Datos del beneficiario"),
        *_labelled(
            42, 99, [("Nombre:", HIJA.nombre_completo), ("NSS:", HIJA.nss), ("CURP:", HIJA.curp)]
        ),
    ]
    child.append((42, 141, 8, True, "Parentesco: HIJA"))
    parent = [
        (42, 160, 10, True, "Datos del asegurado"),
        *_labelled(
            42, 174, [("Nombre:", LUIS.nombre_completo), ("NSS:", LUIS.nss), ("CURP:", LUIS.curp)]
        ),
    ]
    coverage = _labelled(
        42,
        230,
        [("Fecha de expedición:", "20/11/2026"), ("Servicio médico:", "NO"), ("Vigencia:", "---")],
    )
    patrones = [(x, top + 80, size, bold, text) for x, top, size, bold, text in PATRONES]
    c = _read(HEAD + child + parent + coverage + patrones).constancia
    assert HIJA.nss != c.nss and HIJA.curp != c.curp


def test_typed_lines_without_a_constancias_structure_go_to_staff():
    lines = ["Nombre: ANA SOFIA MARTINEZ GOMEZ", f"NSS: {ANA.nss}", "Fecha: 20/11/2026"]
    lines += ["Servicio medico: NO", "Vigencia: ---"]
    pieces = [(42, 40 + 14 * i, 11, False, text) for i, text in enumerate(lines)]
    verdict = decide(extract(streams.pdf(pieces)), REQUEST, POLICY_)
    assert (verdict.estado, verdict.motivos) == (Estado.REVISION_MANUAL, (Motivo.DATOS_ILEGIBLES,))


def test_an_untitled_constancia_whose_footer_names_semanas_cotizadas_is_still_read():
    fields = _labelled(
        42,
        90,
        [
            ("Nombre:", ANA.nombre_completo),
            ("Número de Seguridad Social:", ANA.nss),
            ("CURP:", ANA.curp),
            ("Fecha de expedición:", "20/11/2026"),
            ("Con derecho a servicio médico:", "SI"),
            ("Vigente hasta:", "28/02/2027"),
        ],
    )
    footer = [(42, 300, 8, False, "Consulta tus semanas cotizadas en el portal IMSS Digital.")]
    verdict = decide(extract(streams.pdf(fields + PATRONES + footer)), REQUEST, POLICY_)
    assert verdict.motivos == (Motivo.VIGENTE_OTRA_INSTITUCION,)


def test_a_wrapped_caption_and_a_footer_sentence_stay_out_of_the_razon_social():
    """What the student reads in the detalle: «patrón: UNIVERSIDAD…», not «REGISTRO PATRONAL
    UNIVERSIDAD … CONSULTA TUS SEMANAS…»."""
    wrapped = [
        p if p[4] != "Registro patronal" else (42, 212, 7.5, True, "Registro") for p in PATRONES
    ]
    wrapped.append((42, 221, 7.5, True, "patronal"))
    footer = [(42, 300, 8, False, "Consulta tus semanas cotizadas en el portal IMSS Digital.")]
    doc = streams.placed(replace(EN_OTRA, patrones=()))[:-1]  # fields only, no table, no cadena
    fields = [p for p in doc if p[1] < 190]
    reading = _read(fields + wrapped + footer)
    razones = [a.razon_social for a in reading.constancia.afiliaciones]
    assert razones == ["UNIVERSIDAD AUTONOMA DE QUERETARO"]


def test_a_misread_nss_that_fails_its_check_digit_never_rejects_as_someone_elses():
    """Digits from a font whose map is off by one («2333156789:») or a smudge: an NSS
    that fails its own check digit proves nothing about whose file it is."""
    misread = ANA.nss[:-1] + str((int(ANA.nss[-1]) + 1) % 10)
    pieces = [
        (x, top, size, bold, misread if text == ANA.nss else text)
        for x, top, size, bold, text in streams.placed(EN_OTRA)
    ]
    verdict = decide(extract(streams.pdf(pieces)), REQUEST, POLICY_)
    assert Motivo.NSS_NO_COINCIDE not in verdict.motivos
    assert Motivo.DATOS_ILEGIBLES in verdict.motivos


def test_an_english_document_is_another_document_not_an_unreadable_one():
    text = (
        "CERTIFICATE OF ENROLLMENT. This is to certify that the student named below is "
        "enrolled in the Fall term at the university and has paid the fees for the period."
    )
    assert measure(text).legible
    pieces = [(42, 60 + 14 * i, 10, False, text[i * 80 : i * 80 + 80]) for i in range(3)]
    verdict = decide(extract(streams.pdf(pieces)), REQUEST, POLICY_)
    assert verdict.motivos == (Motivo.DOCUMENTO_INCORRECTO,)


def test_text_outside_the_crop_box_is_not_read():
    forged = [
        (42, 20, 9, False, "Con derecho a servicio médico: NO"),
        (300, 20, 9, False, "Vigencia: ---"),
    ]
    pieces = forged + [(x, top + 40, *rest) for x, top, *rest in streams.placed(EN_OTRA)]
    data = streams.pdf(pieces, crop_box=(0, 0, 612, 742))  # the top 50 points cut off
    verdict = decide(extract(data), REQUEST, POLICY_)
    assert verdict.motivos[0] is Motivo.VIGENTE_OTRA_INSTITUCION
    assert Motivo.CONSTANCIA_SOSPECHOSA in verdict.motivos


def test_text_covered_by_an_opaque_box_painted_after_it_is_a_sign_of_editing():
    pieces = streams.placed(INSCRITA)
    verdict = decide(
        extract(streams.pdf(pieces, after=("1 g 0 0 612 792 re f",))), REQUEST, POLICY_
    )
    assert verdict.estado is Estado.REVISION_MANUAL
    assert Motivo.CONSTANCIA_SOSPECHOSA in verdict.motivos


def test_a_white_title_on_a_thick_coloured_band_is_seen():
    band = (36, 52, 540, 22)
    title = (42, 58, 13, True, "Constancia de Vigencia de Derechos", "1 g")
    pieces = [title, *streams.placed(INSCRITA)[2:]]
    stroke = "0.07 0.2 0.17 RG 22 w 36 {y} m 576 {y} l S".format(y=792 - band[1] - 11)
    data = streams.pdf([(0, 0, 1, False, " ", stroke), *pieces])
    assert not _read_bytes(data).senales


@pytest.mark.parametrize("turn", [55, 90, 270])
def test_a_watermark_with_more_letters_than_the_body_does_not_turn_the_page(turn):
    """«DOCUMENTO INFORMATIVO» repeated across the page, diagonal or sideways (second
    attack): the upright body is read, the watermark left out."""
    import math

    a, b = math.cos(math.radians(turn)), math.sin(math.radians(turn))
    mark = "DOCUMENTO INFORMATIVO SIN VALIDEZ OFICIAL - IMSS DIGITAL " * 3
    marks = [
        # placed at the origin of its own turned frame: (60 + 40 i, 60) on the page
        (
            0,
            792 - 14,
            14,
            False,
            mark,
            f"0.85 g {a:.4f} {b:.4f} {-b:.4f} {a:.4f} {60 + 40 * i} 60 cm",
        )
        for i in range(12)
    ]
    verdict = decide(extract(streams.pdf(marks + streams.placed(INSCRITA))), REQUEST, POLICY_)
    assert (verdict.estado, verdict.motivos) == (Estado.CONCLUIDA, (Motivo.YA_INSCRITO,))


@pytest.mark.parametrize(
    "extra", ["Folio: 1", "Instituto Mexicano del Seguro Social", "Portafolio"]
)
def test_a_typed_page_needs_more_than_one_word_of_structure(extra):
    lines = ["Nombre: ANA SOFIA MARTINEZ GOMEZ", f"NSS: {ANA.nss}", "Fecha: 20/11/2026"]
    lines += ["Servicio medico: NO", "Vigencia: ---", extra]
    pieces = [(42, 40 + 14 * i, 11, False, text) for i, text in enumerate(lines)]
    verdict = decide(extract(streams.pdf(pieces)), REQUEST, POLICY_)
    assert (verdict.estado, verdict.motivos) == (Estado.REVISION_MANUAL, (Motivo.DATOS_ILEGIBLES,))
