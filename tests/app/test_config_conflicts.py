"""Two campuses that would overwrite each other are refused at configuration time:
the same workbook, the same spreadsheet tab, or the same ledger key (issue 12)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from facultativo.config import ConfigError, load

CAMPUS = """
[[campus]]
name = "{name}"
institution_names = ["ITQ"]
"""
XLSX = """[campus.source]
kind = "xlsx"
path = "{path}"
"""
GOOGLE = """[campus.google]
credentials = "credentials.json"
spreadsheet = "{sheet}"
"""
ID = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"


def write(tmp_path: Path, *campuses: str) -> Path:
    config = tmp_path / "facultativo.toml"
    config.write_text("".join(campuses), encoding="utf-8")
    return config


def xlsx(name: str, path: str) -> str:
    return CAMPUS.format(name=name) + XLSX.format(path=path)


def google(name: str, sheet: str, tab: str | None = None) -> str:
    text = CAMPUS.format(name=name) + GOOGLE.format(sheet=sheet)
    return text + (f'tab = "{tab}"\n' if tab else "")


def problems(config: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(config)
    return caught.value.problems


def test_two_campuses_on_one_workbook_are_refused(tmp_path):
    (tmp_path / "datos").mkdir()
    (tmp_path / "respuestas.xlsx").write_bytes(b"")
    config = write(
        tmp_path, xlsx("norte", "respuestas.xlsx"), xlsx("sur", "datos/../respuestas.xlsx")
    )
    assert problems(config) == [
        f"{config}: campus «norte» y campus «sur» usan el mismo libro "
        f"{tmp_path / 'datos/../respuestas.xlsx'}: se pisarían los resultados; da a cada "
        "campus su propio libro (source.path)."
    ]


def test_a_link_to_the_other_campus_workbook_is_the_same_workbook(tmp_path):
    (tmp_path / "respuestas.xlsx").write_bytes(b"")
    (tmp_path / "enlace.xlsx").symlink_to(tmp_path / "respuestas.xlsx")
    config = write(tmp_path, xlsx("norte", "respuestas.xlsx"), xlsx("sur", "enlace.xlsx"))
    [line] = problems(config)
    assert "«norte» y campus «sur» usan el mismo libro" in line


def test_two_workbooks_are_fine(tmp_path):
    config = write(tmp_path, xlsx("norte", "norte.xlsx"), xlsx("sur", "sur.xlsx"))
    assert [c.name for c in load(config).campuses] == ["norte", "sur"]


def test_two_campuses_on_one_spreadsheet_are_refused_by_id_or_url(tmp_path):
    url = f"https://docs.google.com/spreadsheets/d/{ID}/edit#gid=0"
    config = write(tmp_path, google("norte", ID), google("sur", url))
    assert problems(config) == [
        f"{config}: campus «norte» y campus «sur» usan la misma hoja de Google {ID}: se "
        "pisarían los resultados; da a cada campus su propia hoja (google.spreadsheet) o su "
        "propia pestaña (google.tab)."
    ]


def test_one_spreadsheet_is_shared_only_with_two_named_tabs(tmp_path):
    same_tab = write(tmp_path, google("norte", ID, "Norte"), google("sur", ID, "norte"))
    assert len(problems(same_tab)) == 1
    first_tab = write(tmp_path, google("norte", ID), google("sur", ID, "Sur"))
    assert len(problems(first_tab)) == 1  # no tab is the first one: it may be «Sur»
    two_tabs = write(tmp_path, google("norte", ID, "Norte"), google("sur", ID, "Sur"))
    assert len(load(two_tabs).campuses) == 2


@pytest.mark.parametrize(("a", "b"), [("Norte", "norte"), ("San Juan", "san_juan")])
def test_two_campuses_with_one_ledger_key_are_refused(tmp_path, a, b):
    config = write(tmp_path, xlsx(a, "a.xlsx"), xlsx(b, "b.xlsx"))
    assert problems(config) == [
        f"{config}: campus «{a}» y campus «{b}» compartirían la bitácora (mismo name): "
        "cambia el name de uno de ellos."
    ]


@pytest.mark.parametrize("command", [["check"], ["sync", "--once"], ["run"]])
def test_check_sync_and_run_refuse_with_one_line(tmp_path, command):
    config = write(tmp_path, xlsx("norte", "respuestas.xlsx"), xlsx("sur", "./respuestas.xlsx"))
    result = subprocess.run(
        [sys.executable, "-m", "facultativo.cli", *command, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "«norte» y campus «sur» usan el mismo libro" in lines[0]
    assert "source.path" in lines[0]


def test_a_campus_with_two_sources_is_an_error_naming_both(tmp_path):
    """The README's [campus.google] added while the example's [campus.source] kind = "xlsx"
    stays: Google was silently ignored and `check` complained about a workbook (issue 24)."""
    campus = CAMPUS.format(name="qro") + XLSX.format(path="r.xlsx") + GOOGLE.format(sheet=ID)
    with pytest.raises(ConfigError) as err:
        load(write(tmp_path, campus))
    (line,) = [p for p in err.value.problems if "dos fuentes" in p]
    assert 'source.kind = "xlsx"' in line and "google.spreadsheet" in line
    assert "quita [campus.source]" in line


def test_google_beside_a_workbook_only_for_sending_is_fine(tmp_path):
    """[campus.google] with only the key (for sender = "gmail") is not a second source."""
    key_only = '[campus.google]\ncredentials = "credentials.json"\n'
    config = load(
        write(tmp_path, CAMPUS.format(name="qro") + XLSX.format(path="r.xlsx") + key_only)
    )
    assert config.campuses[0].source.kind == "xlsx"
