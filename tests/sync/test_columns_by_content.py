"""A Form whose questions match no alias: the tipo and NSS columns are found by their
answers, on the Google backend, in `check` and in the cycle."""

from __future__ import annotations

from facultativo.commands.check import check_campus as _check_campus
from facultativo.config import load
from facultativo.sync.columns import map_columns
from facultativo.validators.identifiers import nss_is_valid
from tests.support import google_env as g
from tests.support.google_env import cycle
from tests.support.workspace import EXPECTED, code

TIPO, NSS = "¿Qué deseas solicitar?", "Tu número del IMSS"


def _form(fake):
    rows = g.demo_rows(fake)
    header = list(g.HEADERS)
    t, n = header.index("Tipo de solicitud"), header.index("Número de Seguridad Social (NSS)")
    for r in rows:
        r[t] = f"{r[t]} del seguro facultativo"  # «Alta del seguro facultativo»
    book = g.spreadsheet(fake, rows)
    header[t], header[n] = TIPO, NSS
    book.sheets[0].rows[0] = header
    return book


def test_check_maps_tipo_and_nss_by_their_answers(tmp_path, fake, pool):
    _form(fake)
    config = load(g.config(tmp_path, fake))
    lines = [m for ok, m in _check_campus(config.campuses[0], config.ledger) if ok]
    columns = next(m for m in lines if m.startswith("columnas:"))
    assert f"tipo: «{TIPO}» (p. ej. «Alta del seguro facultativo»)" in columns
    assert f"NSS: «{NSS}» (p. ej. «*******" in columns
    # Google gives the timestamp as a serial number: shown as the date, not masked like an NSS
    assert "marca temporal: «Marca temporal» (p. ej. «16/11/2026 " in columns


def test_bajas_are_read_as_bajas_when_the_question_has_other_words(tmp_path, fake, pool):
    book = _form(fake)
    cycle(g.config(tmp_path, fake), pool)
    motivos = [code(m) for m in g.column(book, "Validación: motivo")]
    assert motivos == [m for _, m in EXPECTED]  # BAJA_PROCEDENTE and NO_INSCRITO included


# Decoys: numbers of 10 and 11 digits that are not NSS (their check digit is wrong), and
# valid NSS, one of them shown without its leading zero as a number-formatted cell shows it.
PHONES = ["4421234567", "4427654321", "8112233445", "3311122233", "6141234567"]
VALID_NSS = ["12345678903", "78901234563", "45129833070", "3987654328", "67012345988"]
CONTROLS = ["20140012343", "20140056787", "20150000113", "20150003455", "20160007892"]


def _answers(decoys: list[str]) -> list[list[str]]:
    return [
        ["16/11/2026 08:00:00", f"alumno{i}@alumnos.example.mx", "Alta", decoy, nss, "c.pdf"]
        for i, (decoy, nss) in enumerate(zip(decoys, VALID_NSS, strict=True))
    ]


def test_the_nss_found_by_its_answers_is_the_column_whose_numbers_pass_the_check_digit():
    """A phone column of 10 digits beside the NSS question (and before it): only the NSS
    column's numbers carry a valid check digit, so it is the NSS."""
    assert not any(nss_is_valid(p.zfill(11)) for p in PHONES)
    assert all(nss_is_valid(n.zfill(11)) for n in VALID_NSS)
    header = ["Marca temporal", "Correo", "Tipo de solicitud", "Teléfono celular", NSS, "PDF"]
    cols = map_columns(header, {"archivo": ("PDF",)}, _answers(PHONES))
    assert cols.fields["nss"] == header.index(NSS)
    assert header.index("Teléfono celular") not in cols.fields.values()


def test_a_column_mapped_by_its_header_is_not_taken_again_by_its_answers():
    """«Número de control» numbers that happen to pass the NSS check digit stay the número
    de control: the NSS is looked for among the columns no header claimed."""
    assert all(nss_is_valid(c) for c in CONTROLS)
    header = ["Marca temporal", "Correo", "Tipo de solicitud", "Número de control", NSS, "PDF"]
    cols = map_columns(header, {"archivo": ("PDF",)}, _answers(CONTROLS))
    assert cols.fields["numero_control"] == header.index("Número de control")
    assert cols.fields["nss"] == header.index(NSS)


def test_a_phone_column_before_the_nss_question_leaves_every_verdict_as_it_was(
    tmp_path, fake, pool
):
    """The same on the Google backend, the whole cycle: a «Teléfono celular» question
    inserted before the NSS one whose header matches no alias."""
    book = _form(fake)
    rows = book.sheets[0].rows
    n = rows[0].index(NSS)
    for i, r in enumerate(rows):
        r.insert(n, "Teléfono celular" if i == 0 else PHONES[i % len(PHONES)])
    book.sheets[0].column_count = len(rows[0])
    cycle(g.config(tmp_path, fake), pool)
    motivos = [code(m) for m in g.column(book, "Validación: motivo")]
    assert motivos == [m for _, m in EXPECTED]
