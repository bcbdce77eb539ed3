"""A Form whose questions match no alias: the tipo and NSS columns are found by their
answers, on the Google backend, in `check` and in the cycle."""

from __future__ import annotations

from facultativo.commands.check import check_campus as _check_campus
from facultativo.config import load
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
