"""The tipo question as Forms really word it: an option explains itself after its choice.

Regression: «Alta (no tengo ningún seguro médico)» and «Baja (ya no soy estudiante)» held
a «no», so every answer was TIPO_NO_RECONOCIDO and 11 of 20 demo rows went to REVISIÓN
MANUAL, while `check` said «Todo en orden».
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from facultativo import demo
from facultativo.config import load
from facultativo.sync import values as v
from facultativo.sync.columns import tipo_options
from facultativo.validators import Tipo

ALTA_OPTION = "Alta (no tengo ningún seguro médico)"
BAJA_OPTION = "Baja (ya no soy estudiante)"


@pytest.mark.parametrize(
    ("answer", "tipo"),
    [
        (ALTA_OPTION, Tipo.ALTA),
        (BAJA_OPTION, Tipo.BAJA),
        ("Solicito el alta", Tipo.ALTA),
        ("Alta - no cuento con IMSS", Tipo.ALTA),
        ("Baja: ya no estudio aquí", Tipo.BAJA),
        ("Alta, no baja", Tipo.ALTA),
        ("No tengo seguro, quiero el alta", Tipo.ALTA),
        ("Quiero darme de alta porque no tengo seguro", Tipo.ALTA),
        ("  ALTA.  ", Tipo.ALTA),
        ("baja (egresado", Tipo.BAJA),  # a cut-off parenthesis
        ("NO quiero alta", Tipo.DESCONOCIDO),
        ("Ni alta ni baja", Tipo.DESCONOCIDO),
        ("Alta o baja", Tipo.DESCONOCIDO),
        ("Sin alta", Tipo.DESCONOCIDO),
        ("(no sé) información", Tipo.DESCONOCIDO),
    ],
)
def test_tipo_is_the_answers_leading_choice_and_only_a_negation_before_it_counts(answer, tipo):
    assert v.tipo(answer) is tipo


def test_the_campus_option_texts_settle_any_wording():
    options = tipo_options(
        {"alta": ["Quiero mi seguro del IMSS"], "baja": ["Ya terminé, no lo quiero"]}
    )
    assert v.tipo("quiero mi seguro del imss", options) is Tipo.ALTA
    assert v.tipo("Ya  terminé, no lo quiero", options) is Tipo.BAJA
    assert v.tipo("Quiero mi seguro", options) is Tipo.DESCONOCIDO  # not the option, not a choice


def _demo_with_options(folder: Path, alta: str, baja: str) -> None:
    demo.build(folder)
    book = load_workbook(folder / "respuestas.xlsx")
    ws = book.worksheets[0]
    col = [c.value for c in ws[1]].index("Tipo de solicitud") + 1
    for row in range(2, ws.max_row + 1):
        cell = ws.cell(row, col)
        cell.value = alta if cell.value == "Alta" else baja if cell.value == "Baja" else cell.value
    book.save(folder / "respuestas.xlsx")


def _estados(folder: Path) -> list[tuple[str, str]]:
    ws = load_workbook(folder / "respuestas.xlsx").worksheets[0]
    header = [c.value for c in ws[1]]
    estado, motivo = header.index("Validación: estado"), header.index("Validación: motivo")
    return [(r[estado], r[motivo]) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_the_demo_with_worded_form_options_decides_as_with_plain_ones(tmp_path):
    plain, worded = tmp_path / "plain", tmp_path / "worded"
    demo.run(plain)
    _demo_with_options(worded, ALTA_OPTION, BAJA_OPTION)
    demo.run(worded)
    assert _estados(worded) == _estados(plain)
    assert not any("tipo" in str(m).lower() for _, m in _estados(worded))


def _check_lines(folder: Path) -> list[tuple[bool, str]]:
    from facultativo.commands.check import check_campus

    config = load(folder / "facultativo.toml")
    return check_campus(config.campuses[0], config.ledger)


def test_check_lists_each_form_option_with_how_it_is_read(tmp_path):
    _demo_with_options(tmp_path, ALTA_OPTION, BAJA_OPTION)
    line = next(m for ok, m in _check_lines(tmp_path) if m.startswith("respuestas de tipo"))
    assert f"«{ALTA_OPTION}» → alta (18)" in line
    assert f"«{BAJA_OPTION}» → baja (2)" in line


def test_check_flags_an_option_read_as_neither_and_the_mapping_fixes_it(tmp_path):
    odd = "Quiero mi seguro del IMSS"
    _demo_with_options(tmp_path, odd, BAJA_OPTION)
    ok, line = next(
        (ok, m) for ok, m in _check_lines(tmp_path) if m.startswith("respuestas de tipo")
    )
    assert not ok and f"«{odd}» → sin reconocer (18)" in line and "[campus.columns]" in line
    config = tmp_path / "facultativo.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("[campus.source]", f'[campus.columns]\nalta = ["{odd}"]\n\n[campus.source]'),
        encoding="utf-8",
    )
    ok, line = next(
        (ok, m) for ok, m in _check_lines(tmp_path) if m.startswith("respuestas de tipo")
    )
    assert ok and f"«{odd}» → alta (18)" in line


@pytest.mark.parametrize("answer", ["Alta, Baja", f"{BAJA_OPTION}, {ALTA_OPTION}", "Baja; alta"])
def test_both_choices_checked_is_no_choice(answer):
    """Found by attack: checkboxes joined by the Form («Alta, Baja») were read as the
    first one."""
    assert v.tipo(answer) is Tipo.DESCONOCIDO


def test_one_option_text_for_both_tipos_is_a_config_problem(tmp_path):
    demo.build(tmp_path)
    config = tmp_path / "facultativo.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            "[campus.source]",
            '[campus.columns]\nalta = ["Alta"]\nbaja = ["alta"]\n\n[campus.source]',
        ),
        encoding="utf-8",
    )
    from facultativo.errors import ConfigError

    with pytest.raises(ConfigError, match=r"«alta».*alta y en baja"):
        load(config)
