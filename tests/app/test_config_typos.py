"""Config that cannot be misread: a misspelled key or table is an error naming the
closest valid one (a misspelled [campus.mail] once sent real mail to the outbox folder and
recorded it as sent), a wrong shape is one line, TOML syntax errors are in Spanish."""

from __future__ import annotations

import pytest

from facultativo import demo
from facultativo.config import ConfigError, load


def _config(tmp_path, edit):
    demo.build(tmp_path)
    path = tmp_path / "facultativo.toml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda t: t.replace("[campus.mail]", "[campus.mial]"), "¿quisiste decir «mail»?"),
        (
            lambda t: t.replace("registros_patronales", "registros_patronale"),
            "«registros_patronales»",
        ),
        (lambda t: t + "\nmax_attemps = 3\n", "¿quisiste decir «max_attempts»?"),
        (lambda t: t + "\n[servce]\ninterval_minutes = 5\n", "¿quisiste decir «service»?"),
        (lambda t: t + "\n[service]\ninterval_minute = 5\n", "«interval_minutes»"),
        (lambda t: t.replace("[campus.mail]", "[campus.mail]\nrecipents = 1"), "no es una opción"),
    ],
)
def test_a_misspelled_key_is_an_error_naming_the_closest_one(tmp_path, edit, said):
    with pytest.raises(ConfigError) as err:
        load(_config(tmp_path, edit))
    assert said in str(err.value)


def test_a_ledger_written_as_a_text_is_one_clear_line(tmp_path):
    path = _config(tmp_path, lambda t: 'ledger = "x.db"\n' + t.replace("[ledger]", "[viejo]"))
    with pytest.raises(ConfigError, match="ledger es una tabla"):
        load(path)


def test_toml_syntax_errors_are_in_spanish_with_line_and_column(tmp_path):
    path = _config(tmp_path, lambda t: t + '\nname = "sin cerrar\n')
    with pytest.raises(ConfigError) as err:
        load(path)
    text = str(err.value)
    assert "no es TOML válido (línea" in text and "columna" in text and "Invalid" not in text


def test_an_unknown_mail_mode_is_refused_not_guessed(tmp_path):
    path = _config(
        tmp_path, lambda t: t.replace("[campus.mail]", '[campus.mail]\nmodo = "sombras"')
    )
    with pytest.raises(ConfigError, match='usa "normal" o "sombra"'):
        load(path)


def test_digest_without_recipients_is_an_info_line_not_a_failure(tmp_path):
    import subprocess
    import sys

    path = _config(tmp_path, lambda t: t)
    text = path.read_text(encoding="utf-8")
    if "[campus.digest]" in text:  # the demo has one: take it out
        head, _, tail = text.partition("[campus.digest]")
        rest = tail.split("\n[", 1)
        path.write_text(head + ("[" + rest[1] if len(rest) > 1 else ""), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "facultativo.cli", "digest", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "sin resumen configurado" in result.stdout and "WARNING" not in result.stderr
