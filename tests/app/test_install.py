"""The README's install section and deploy/facultativo.cron, run for real in a scratch root:
the commands the IT person copies work, the env file they write means the same to systemd
and to cron's sh, and cron hands its variables to facultativo."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT
from tests.support.env_file import sh_environment, systemd_environment

VARIABLE = "FACULTATIVO_SMTP_PASSWORD"
VENV = Path(
    sys.prefix
)  # the test's venv, with facultativo installed: it stands in for the README's

# App passwords as IT people get them or choose them: Gmail's four groups with spaces, and
# every character sh or systemd treat specially. (A single quote is the README's exception:
# it says to use password_file.)
PASSWORDS = [
    "abcd efgh ijkl mnop",
    "pa$$w0rd $HOME ${PATH} $(id)",
    "#empieza con gato y sigue # con otro",
    "barra\\invertida\\\\ doble, \\n y al final\\",
    'comillas "dobles" y `orden`',
    "; & | < > ( ) * ? [ ] ~ ! % ^ { } =",
    "  espacios al inicio y al final  ",
    "contraseña con ñandú y ü",
]


def install_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Instalación para el área de TI")
    return text[start : text.index("\n## ", start + 1)]


def env_line(password: str) -> str:
    """The README's env line with `password` where its example value is: inside its quotes
    when it has them, in place of the whole value when it has none."""
    found = re.search(rf"{VARIABLE}=('[^'\n]*'|\"[^\"\n]*\"|[^\s`]*)", install_section())
    assert found, f"the README's install section shows no {VARIABLE}= line"
    value = found.group(1)
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return f"{VARIABLE}={value[0]}{password}{value[0]}\n"
    return f"{VARIABLE}={password}\n"


@pytest.mark.parametrize("password", PASSWORDS)
def test_an_app_password_written_as_the_readme_says_reads_the_same_in_systemd_and_sh(
    tmp_path, password
):
    env = tmp_path / "env"
    env.write_text("# /etc/facultativo/env\n" + env_line(password), encoding="utf-8")
    assert systemd_environment(env.read_text(encoding="utf-8")).get(VARIABLE) == password
    assert sh_environment(env).get(VARIABLE) == password


# --- deploy/facultativo.cron -----------------------------------------------------------------


def cron_entry() -> tuple[str, str, dict[str, str]]:
    """(user, command, variables) of the one job in deploy/facultativo.cron."""
    variables: dict[str, str] = {}
    jobs = []
    for line in (ROOT / "deploy" / "facultativo.cron").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if re.match(r"^[A-Z_]+=", line):
            name, value = line.split("=", 1)
            variables[name] = value
            continue
        jobs.append(line.split(None, 6))
    assert len(jobs) == 1, jobs
    *_when, user, command = jobs[0]
    return user, command, variables


def scratch_paths(text: str, root: Path, venv: Path | None = None) -> str:
    """The install's absolute paths moved under `root` (the venv's onto `venv` if given)."""
    if venv is not None:
        text = re.sub(r"/opt/facultativo/\.venv(?=[/\s'\"]|$)", str(venv), text)
    for path in ("/opt/facultativo", "/etc/facultativo", "/var/lib/facultativo"):
        text = re.sub(rf"(?<![\w/.-]){re.escape(path)}(?=[/\s'\"]|$)", f"{root}{path}", text)
    return text


def run_cron_job(root: Path) -> list[dict]:
    """deploy/facultativo.cron's command, as cron runs it (its SHELL, the user's home, a bare
    environment), with a stand-in facultativo that logs its arguments and environment."""
    user, command, variables = cron_entry()
    assert user == "facultativo" and variables.get("SHELL") == "/bin/sh"
    assert "%" not in command.replace("\\%", ""), "cron would turn % into a newline"
    program = root / "opt/facultativo/.venv/bin/facultativo"
    program.parent.mkdir(parents=True, exist_ok=True)
    program.write_text(
        f"#!{sys.executable}\nimport json, os, sys\n"
        "print(json.dumps({'argv': sys.argv[1:], 'env': dict(os.environ)}))\n",
        encoding="utf-8",
    )
    program.chmod(0o755)
    home = root / "var/lib/facultativo"
    home.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [variables["SHELL"], "-c", scratch_paths(command, root)],
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "LOGNAME": user, "SHELL": "/bin/sh"},
        cwd=home,
        timeout=60,
    )
    log = home / "facultativo.log"
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("password", PASSWORDS[:3])
def test_the_cron_job_exports_the_env_file_to_facultativo(tmp_path, password):
    env = tmp_path / "etc/facultativo/env"
    env.parent.mkdir(parents=True)
    env.write_text(env_line(password), encoding="utf-8")
    env.chmod(0o640)
    runs = run_cron_job(tmp_path)
    assert len(runs) == 1
    assert runs[0]["argv"][:2] == ["sync", "--once"]
    assert runs[0]["env"].get(VARIABLE) == password


def test_the_cron_job_without_an_env_file_still_runs_facultativo_and_logs(tmp_path):
    """A missing env file does not end the job unseen: facultativo runs, and it is the one
    that says, in the log, which variable is missing (see test_check_mail)."""
    runs = run_cron_job(tmp_path)
    assert len(runs) == 1 and runs[0]["argv"][:2] == ["sync", "--once"]
    assert VARIABLE not in runs[0]["env"]


def test_a_broken_env_file_is_reported_in_the_cron_log(tmp_path):
    env = tmp_path / "etc/facultativo/env"
    env.parent.mkdir(parents=True)
    env.write_text(f"{VARIABLE}=(abc\n", encoding="utf-8")  # unquoted: sh cannot parse it
    run_cron_job(tmp_path)
    log = (tmp_path / "var/lib/facultativo/facultativo.log").read_text(encoding="utf-8")
    assert str(env) in log  # the shell names the file and line, where the IT person looks


@pytest.mark.parametrize("password", PASSWORDS[:3])
def test_an_env_file_with_windows_line_endings_gives_cron_the_password_systemd_gets(
    tmp_path, password
):
    """Edited on Windows: under cron the password ended in \r (SMTP 535), under systemd not."""
    env = tmp_path / "etc/facultativo/env"
    env.parent.mkdir(parents=True)
    text = "# /etc/facultativo/env\n" + env_line(password) + "OTRA='x'\n"
    env.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    assert systemd_environment(env.read_text(encoding="utf-8")).get(VARIABLE) == password
    runs = run_cron_job(tmp_path)
    assert len(runs) == 1 and runs[0]["env"].get(VARIABLE) == password
    assert runs[0]["env"].get("OTRA") == "x"


def test_an_env_file_sh_cannot_parse_still_runs_facultativo_and_says_so(tmp_path):
    """An unterminated quote stopped cron's shell before facultativo ran: nothing in the
    log said which variable was missing."""
    env = tmp_path / "etc/facultativo/env"
    env.parent.mkdir(parents=True)
    env.write_text(f"{VARIABLE}='abcd efgh ijkl mnop\n", encoding="utf-8")
    runs = run_cron_job(tmp_path)
    assert len(runs) == 1 and runs[0]["argv"][:2] == ["sync", "--once"]
    assert VARIABLE not in runs[0]["env"]  # facultativo says which is missing, and where
    log = (tmp_path / "var/lib/facultativo/facultativo.log").read_text(encoding="utf-8")
    assert f"facultativo: {env} no se cargó porque sh no entiende su sintaxis" in log
    assert str(env) in log.split("facultativo:")[0]  # sh -n names the file and line first


# --- the README's install commands -----------------------------------------------------------

# Commands a scratch run without root leaves out, each with the reason.
NEEDS_ROOT = [
    (r"^useradd\b", "creates the system user"),
    (r"^(systemctl|journalctl)\b", "the system's systemd"),
    (r"^(chown|chgrp)\b", "gives files to another user"),
    (r"\s/etc/(systemd|cron\.d)/", "writes the system's configuration"),
]
# Commands the test's own venv stands in for (it already has facultativo installed).
VENV_STANDS_IN = [
    r"^python3 -m venv /opt/facultativo/\.venv$",
    r"^/opt/facultativo/\.venv/bin/pip install /ruta/a/facultativo$",
]


def readme_commands() -> list[str]:
    """The install section's ```bash blocks, one command per line, in order."""
    commands = []
    blocks = re.findall(r"^( *)```bash\n(.*?)^\1```", install_section(), flags=re.M | re.S)
    for indent, body in blocks:
        text = "\n".join(line[len(indent) :] for line in body.splitlines())
        commands += [c for c in text.replace("\\\n", " ").splitlines() if c.strip()]
    return commands


def as_scratch(command: str, root: Path) -> str | None:
    """The command as a user without root runs it under `root`; None when it is left out."""
    if any(re.search(p, command) for p, _ in NEEDS_ROOT):
        return None
    if re.search(r"-m venv|pip install", command):  # never run against the test's own venv
        assert any(re.match(p, command.split("  #")[0].strip()) for p in VENV_STANDS_IN), (
            f"the README makes or fills the venv in a way this test cannot stand in for: {command}"
        )
        return None
    if command.startswith("install "):
        command = re.sub(r" -[og] \S+", "", command)  # only root gives a file to root
    command = re.sub(r"^sudo -u facultativo ", "", command)  # as the test's user instead
    command = scratch_paths(command.replace("/ruta/a/facultativo", str(ROOT)), root, VENV)
    for path in re.findall(r"(?<![\w.~-])/[\w.-][\w./-]*", command):  # nothing outside
        assert path == "/dev/null" or path.startswith((f"{root}/", f"{ROOT}/", f"{VENV}/")), (
            f"the scratch run would touch {path}: {command}"
        )
    return command


def test_the_readme_install_commands_run_and_check_accepts_what_they_install(tmp_path):
    root, work = tmp_path / "root", tmp_path / "descargas"
    work.mkdir()
    (work / "credentials.json").write_bytes((ROOT / "credentials.example.json").read_bytes())
    env_file = root / "etc/facultativo/env"
    environment = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(work), "LANG": "C.UTF-8"}
    ran, left_out, checks = [], [], []
    for command in readme_commands():
        scratch = as_scratch(command, root)
        if scratch is None:
            left_out.append(command)
            continue
        result = subprocess.run(
            ["/bin/sh", "-c", scratch],
            cwd=work,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        ran.append(command)
        if re.search(r"/facultativo check\b", scratch):
            checks.append(result)
            assert result.returncode in (0, 1), f"{command}\n{result.stdout}{result.stderr}"
        else:
            assert result.returncode == 0, f"{command}\n{result.stderr}"
        if env_file.exists() and not env_file.read_text(encoding="utf-8"):
            env_file.write_text(env_line("abcd efgh ijkl mnop"), encoding="utf-8")  # «nano»
    assert any(c.startswith("useradd") for c in left_out)
    assert any(c.startswith("install ") for c in ran) and checks, (ran, left_out)

    etc = root / "etc/facultativo"
    assert stat.S_IMODE(etc.stat().st_mode) == 0o750
    for name in ("facultativo.toml", "credentials.json", "env"):
        assert stat.S_IMODE((etc / name).stat().st_mode) == 0o640, name
    config = etc / "facultativo.toml"
    result = subprocess.run(
        [str(VENV / "bin/facultativo"), "check", "--config", str(config)],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    for found in [*checks, result]:
        output = found.stdout + found.stderr
        assert found.returncode in (0, 1) and "Traceback" not in output, output
        assert not found.stderr.startswith("facultativo:"), output  # a configuration error
        assert f"ok    bitácora {etc}" in found.stdout, output
