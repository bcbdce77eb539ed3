"""Every command, run as the README says, on a machine that cannot reach Google (school
proxy down, no DNS): one Spanish line that says what to check, never a traceback, never
the libraries' English. The service keeps running and says it once per outage."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.google_api.test_unreachable import ENGLISH, NOWHERE
from tests.support import google_env

EXE = [sys.executable, "-m", "facultativo.cli"]
DNS = "no se encuentra el servidor de Google (DNS)"


@pytest.fixture
def offline(tmp_path, fake) -> Path:
    """A deployment whose key and endpoint point at names that never resolve."""
    config = google_env.config(tmp_path, fake)
    text = config.read_text().replace(f'endpoint = "{fake.url}"', 'endpoint = "https://x.invalid"')
    text += '\n[campus.digest]\nrecipients = ["escolares@demo.example.mx"]\ntime = "00:00"\n'
    config.write_text(text + "\n[service]\nwatch_seconds = 1\n", encoding="utf-8")
    key = tmp_path / "credentials.json"
    key.write_text(json.dumps({**json.loads(key.read_text()), "token_uri": NOWHERE}))
    return config


def facultativo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EXE, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


@pytest.mark.parametrize(
    "command",
    [["check"], ["sync", "--once"], ["digest"], ["informe"], ["adoptar"], ["status"]],
    ids=lambda c: " ".join(c),
)
def test_no_command_shows_a_traceback_or_english_without_network(offline, command):
    result = facultativo(*command, "--config", str(offline), cwd=offline.parent)
    out = result.stdout + result.stderr
    assert "Traceback" not in out and not ENGLISH.search(out), out
    if command[0] != "status":  # status reads only the ledger
        assert DNS in out, out
        assert result.returncode == 1, out


def test_check_under_the_unit_says_the_same_line_as_the_service(offline):
    result = facultativo("check", "--config", str(offline), cwd=offline.parent)
    line = next(x for x in result.stdout.splitlines() if DNS in x)
    assert line.startswith("ERROR campus queretaro: hoja de Google")
    assert "*.googleapis.com" in line


def test_the_service_keeps_running_and_says_it_once_per_outage(offline):
    """Ticks every second for six seconds: one line, not six, and no urllib3 English."""
    proc = subprocess.Popen(
        [*EXE, "run", "--config", str(offline)],
        cwd=offline.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        proc.wait(timeout=6)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err  # it was still running, and stopped cleanly
    assert err.count(DNS) == 1, err
    assert "no se repite mientras dure" in err
    assert "Traceback" not in err and not ENGLISH.search(err), err


def test_the_unit_starts_through_an_outage_and_never_loops_on_a_broken_config():
    """check's report goes to the journal but does not keep the service down; `run`
    exits 2 on a broken configuration, and systemd does not restart that in a loop."""
    unit = (Path(__file__).parents[2] / "deploy" / "facultativo.service").read_text()
    settings = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#")
    )
    assert settings["ExecStartPre"].startswith("-/") and " check " in settings["ExecStartPre"]
    assert settings["RestartPreventExitStatus"].split() == ["2"]


def test_a_campus_that_is_not_in_the_file_is_a_command_line_mistake(offline):
    result = facultativo(
        "check", "--config", str(offline), "--campus", "noexiste", cwd=offline.parent
    )
    assert result.returncode == 2, result.stderr
    assert "no hay campus «noexiste»" in result.stderr and "queretaro" in result.stderr


def test_a_ledger_folder_the_service_cannot_write_is_one_line_and_exit_2(tmp_path):
    """The example's ledger path left relative puts it in /etc/facultativo, where the
    service may not write: no traceback, and exit 2, which systemd does not restart."""
    from facultativo import demo

    demo.build(tmp_path)
    config = tmp_path / "facultativo.toml"
    (tmp_path / "no-es-carpeta").write_text("")
    text = config.read_text().replace('path = "facultativo.db"', 'path = "no-es-carpeta/f.db"')
    config.write_text(text)
    for command in (["sync", "--once"], ["adoptar"], ["run"]):
        result = facultativo(*command, "--config", str(config), cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and "/var/lib/facultativo" in result.stderr
    status = facultativo("status", "--config", str(config), cwd=tmp_path)
    assert "Traceback" not in status.stderr, status.stderr
