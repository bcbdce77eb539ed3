"""[campus.policy] reimpresion (issue 23, item 3): what a re-printed constancia gets,
read from facultativo.toml with a Spanish line for every mistake."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from facultativo.config import load
from facultativo.validators.model import Reimpresion
from tests.support.config_files import config, problems

EXAMPLE = Path(__file__).resolve().parents[2] / "facultativo.example.toml"


def test_by_default_a_reprint_goes_to_staff(tmp_path):
    assert config(tmp_path, "").campuses[0].policy.reimpresion is Reimpresion.REVISION
    table = "[campus.policy]\n"
    assert config(tmp_path, table).campuses[0].policy.reimpresion is Reimpresion.REVISION


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("aceptar", Reimpresion.ACEPTAR),
        ("revision", Reimpresion.REVISION),
        ("Revisión", Reimpresion.REVISION),  # as staff would spell it
        (" ACEPTAR ", Reimpresion.ACEPTAR),
    ],
)
def test_each_setting_is_read_whatever_its_case_or_accents(tmp_path, written, read):
    campus = config(tmp_path, f'[campus.policy]\nreimpresion = "{written}"\n').campuses[0]
    assert campus.policy.reimpresion is read
    assert campus.policy.institutions == ("ITQ",)  # the rest of the policy is unchanged


@pytest.mark.parametrize("value", ['"si"', "true", "1", '["aceptar"]', '"aceptada"'])
def test_a_bad_value_is_one_spanish_line_naming_the_allowed_values(tmp_path, value):
    (line,) = problems(tmp_path, f"[campus.policy]\nreimpresion = {value}\n")
    assert "campus «qro».policy.reimpresion = " in line
    assert 'usa "revision"' in line and '"aceptar"' in line
    assert "REVISIÓN MANUAL" in line  # says what each one does


def test_the_policy_must_be_a_table(tmp_path):
    (line,) = problems(tmp_path, 'policy = "aceptar"\n')
    assert line.endswith("campus «qro».policy debe ser una tabla [campus.policy].")


def test_a_misspelled_key_names_the_right_one(tmp_path):
    (line,) = problems(tmp_path, '[campus.policy]\nreimpression = "aceptar"\n')
    assert "«reimpression» no es una opción conocida; ¿quisiste decir «reimpresion»?" in line


def test_the_sample_configuration_documents_the_setting_with_its_default(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    assert '[campus.policy]\nreimpresion = "revision"' in text
    shutil.copy(EXAMPLE, tmp_path / "facultativo.toml")
    (tmp_path / "respuestas.xlsx").touch()
    loaded = load(tmp_path / "facultativo.toml")
    assert loaded.campuses[0].policy.reimpresion is Reimpresion.REVISION
