"""What an outside review of the architecture step found; each test names what went wrong."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from facultativo import demo
from facultativo.cli import main
from facultativo.config import ConfigError, load
from facultativo.sync.ledger import Ledger

EXE = [sys.executable, "-m", "facultativo.cli"]


def demo_config(tmp_path, edit=lambda t: t):
    demo.build(tmp_path)
    toml = tmp_path / "facultativo.toml"
    toml.write_text(edit(toml.read_text(encoding="utf-8")), encoding="utf-8")
    return toml


def problems(tmp_path, edit) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load(demo_config(tmp_path, edit))
    return err.value.problems


def test_google_written_as_a_value_not_a_table_is_refused(tmp_path):
    """`google = "c.json"` was ignored; the campus then failed every cycle elsewhere."""
    found = problems(
        tmp_path, lambda t: t.replace("[campus.contact]", 'google = "c.json"\n[campus.contact]')
    )
    assert found == [
        f"{tmp_path / 'facultativo.toml'}: campus «demo».google debe ser una tabla [campus.google]."
    ]


def test_a_source_written_as_a_value_is_one_line(tmp_path):
    table = '[campus.source]\nkind = "xlsx"\npath = "respuestas.xlsx"\nattachments = "."\n'

    def edit(text):
        return text.replace(table, "").replace("[campus.contact]", 'source = "x"\n[campus.contact]')

    found = problems(tmp_path, edit)
    assert len(found) == 1 and "source debe ser una tabla" in found[0]


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [("kind", "1", "usa uno de xlsx, google"), ("sender", "5", "usa uno de outbox, smtp, gmail")],
)
def test_a_kind_that_is_not_text_still_lists_the_kinds(tmp_path, key, value, said):
    table = "[campus.source]" if key == "kind" else "[campus.mail]"
    found = problems(
        tmp_path, lambda t: t.replace(f'{table}\n{key} = "', f'{table}\n{key} = {value}\n#"')
    )
    assert any(said in p for p in found), found


def test_smtp_keys_under_the_default_outbox_sender_are_refused(tmp_path):
    """host, port and password_env with sender = "outbox": every email stayed in a folder."""
    found = problems(
        tmp_path,
        lambda t: t.replace(
            'sender = "outbox"', 'sender = "outbox"\nhost = "smtp.gmail.com"\nport = 587'
        ),
    )
    assert any('¿falta sender = "smtp"?' in p and "host, port" in p for p in found), found


@pytest.mark.parametrize(
    "mail",
    [
        'sender = "gmail"\nmailbox = "a@b.mx"',
        'sender = "smtp"\nhost = "h"\nauth = "xoauth2"\nusername = "u"',
    ],
)
def test_a_sender_that_needs_the_google_key_without_one_is_refused(tmp_path, mail):
    found = problems(tmp_path, lambda t: t.replace('sender = "outbox"\noutbox = "outbox"', mail))
    assert any("agrega la tabla [campus.google]" in p for p in found), found


def test_a_templates_folder_that_does_not_exist_is_refused(tmp_path):
    found = problems(
        tmp_path,
        lambda t: t.replace('sender = "outbox"', 'sender = "outbox"\ntemplates = "noexiste"'),
    )
    assert any("templates: no existe la carpeta" in p for p in found), found


def test_check_says_where_the_emails_go(tmp_path):
    toml = demo_config(tmp_path)
    done = subprocess.run(
        [*EXE, "check", "--config", str(toml)], capture_output=True, text=True, timeout=60
    )
    assert "correos: se escriben en la carpeta" in done.stdout and "(no se envían)" in done.stdout


def test_preview_emails_into_a_file_is_one_line(tmp_path, capsys):
    target = tmp_path / "p"
    target.write_text("ya existo", encoding="utf-8")
    assert main(["preview-emails", "--dir", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no se pudo escribir" in err and "Traceback" not in err


def test_a_key_of_another_campus_table_is_pointed_there(tmp_path):
    found = problems(
        tmp_path,
        lambda t: t + '\n[campus.google]\ncredentials = "c.json"\nspreadsheet = "1"\npath = "x"\n',
    )
    assert any("«path»" in p and "(va en [campus.source])" in p for p in found), found


def test_two_campuses_open_one_new_ledger_at_once(tmp_path):
    """About one start in four logged «database is locked» with two campuses."""
    path, errors = tmp_path / "nuevo.db", []

    def open_it():
        try:
            Ledger(path).close()
        except Exception as exc:  # the failure under test
            errors.append(exc)

    for _ in range(5):
        path.unlink(missing_ok=True)
        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_the_example_config_points_to_check():
    from tests.support import ROOT

    head = (ROOT / "facultativo.example.toml").read_text(encoding="utf-8").splitlines()[1]
    assert "facultativo check --config" in head
