"""facultativo.toml read in-process: each backend's settings come from its own module
(notifiers/, sync/sources/, sync/attachments/), found by the kind the file names."""

from __future__ import annotations

import pytest

from facultativo.google_api.account import Account
from facultativo.notifiers import gmail, outbox, smtp
from facultativo.sync.attachments import folder, google_drive
from facultativo.sync.sources import google_sheets, xlsx
from tests.support.config_files import config, problems


def test_a_workbook_source_and_its_folder_store_with_paths_beside_the_file(tmp_path):
    campus = config(
        tmp_path, '[campus.source]\nkind = "xlsx"\npath = "r.xlsx"\nattachments = "pdfs"\n'
    ).campuses[0]
    assert campus.source.kind == "xlsx" and campus.store.kind == "folder"
    assert campus.source.settings == xlsx.Settings(tmp_path / "r.xlsx", None)
    assert campus.store.settings == folder.Settings(tmp_path / "pdfs")
    assert campus.google is None


def test_a_google_table_alone_means_sheets_and_drive_through_one_account(tmp_path):
    campus = config(
        tmp_path,
        '[campus.google]\ncredentials = "key.json"\nspreadsheet = "1abc"\ntab = "Respuestas"\n',
    ).campuses[0]
    account = Account(tmp_path / "key.json")
    assert campus.source.settings == google_sheets.Settings(account, "1abc", "Respuestas")
    assert campus.store.settings == google_drive.Settings(account)
    assert campus.google == account


def test_the_default_sender_is_the_outbox_folder(tmp_path):
    mail = config(tmp_path, "").campuses[0].mail
    assert mail.sender.kind == "outbox"
    assert mail.sender.settings == outbox.Settings(tmp_path / "outbox")  # beside the file


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('sender = "smtp"\nhost = "smtp.x.mx"', smtp.Settings("smtp.x.mx")),
        (
            'sender = "smtp"\nhost = "smtp.x.mx"\nsecurity = "ssl"\nauth = "none"',
            smtp.Settings("smtp.x.mx", port=465, security="ssl", auth="none"),
        ),
        ('sender = "gmail"\nmailbox = "escolares@x.mx"', gmail.Settings("escolares@x.mx")),
        # a key of another sender is kept: switching senders does not break the file
        ('sender = "gmail"\nhost = "smtp.x.mx"', gmail.Settings()),
        ('sender = "smtp"\nhost = "h"\noutbox = "correo"', smtp.Settings("h")),
    ],
)
def test_each_sender_reads_its_own_keys(tmp_path, table, expected):
    google = '[campus.google]\ncredentials = "k.json"\nspreadsheet = "1abc"\n'
    mail = config(tmp_path, f"[campus.mail]\n{table}\n{google}").campuses[0].mail
    assert mail.sender.settings == expected


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ('[campus.mail]\nsender = "smtp"', "host falta"),
        ('[campus.mail]\nsender = "smtp"\nhost = "h"\npassword = "x"', "no escribas contraseñas"),
        ('[campus.mail]\nsender = "smtp"\nhost = "h"\nusername = "u"', "falta password_env"),
        ('[campus.mail]\nsender = "fax"', 'sender = "fax": usa uno de outbox, smtp, gmail'),
        ('[campus.mail]\nsender = "smtp"\nhost = "h"\nsecurity = "tls"', "usa uno de starttls"),
        ('[campus.source]\nkind = "ftp"', 'kind = "ftp": usa uno de xlsx, google'),
        ('[campus.source]\nkind = "xlsx"', "path falta"),
        ('[campus.source]\nkind = "google"', "necesita una tabla [campus.google]"),
        ('[campus.google]\nspreadsheet = "1abc"', "credentials falta"),
        ('[campus.google]\ncredentials = "k.json"', "spreadsheet falta"),
        ('[campus.google]\ncredentials = "k.json"\nspreadsheet = "1"\nhots = "x"', "no es una"),
    ],
)
def test_each_backend_names_its_own_problems(tmp_path, table, said):
    found = problems(tmp_path, table + "\n")
    assert any(said in p for p in found), found


def test_a_problem_two_backends_see_in_one_table_is_said_once(tmp_path):
    found = problems(tmp_path, '[campus.google]\nspreadsheet = "1abc"\n')
    assert sum("credentials falta" in p for p in found) == 1


def test_the_web_page_settings_and_the_campus_form(tmp_path):
    loaded = config(
        tmp_path,
        '[campus.web]\nform_url = "https://forms.gle/AbC123"\n'
        "[web]\nchecks_per_address = 40\nwindow_minutes = 5\n",
    )
    assert loaded.campuses[0].form_url == "https://forms.gle/AbC123"
    assert (loaded.web.checks_per_address, loaded.web.window_minutes) == (40, 5)
    assert loaded.web.max_concurrent == 8 and loaded.web.upload_seconds == 120


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[campus.web]\nform_url = "forms.gle/AbC123"\n', "escribe la dirección completa"),
        ('[campus.web]\nform_url = "javascript:alert(1)"\n', "escribe la dirección completa"),
        ('[campus.web]\nform_ur = "https://forms.gle/x"\n', "¿quisiste decir «form_url»?"),
        ("[web]\nchecks_per_address = 0\n", "web.checks_per_address = 0: usa un número entero"),
        ("[web]\nchecks_per_address = 2.5\n", "usa un número entero"),
        ("[web]\nmax_concurent = 3\n", "¿quisiste decir «max_concurrent»?"),
        ('web = "si"\n', "web debe ser una tabla [campus.web]"),
    ],
)
def test_web_settings_mistakes_are_named(tmp_path, text, expected):
    found = problems(tmp_path, text)
    assert any(expected in p for p in found), found


FORM = "https://forms.gle/AbC123"


def test_form_url_is_a_campus_key_and_the_page_address_a_web_key(tmp_path):
    campus = config(
        tmp_path,
        f'form_url = "{FORM}"\n[campus.web]\nurl = "https://facultativo.escuela.mx"\n',
    ).campuses[0]
    assert campus.form_url == FORM
    assert campus.web_url == "https://facultativo.escuela.mx"


@pytest.mark.parametrize(
    "text",
    [
        f'form_url = "{FORM}"\n',  # its place
        f'[campus.web]\nform_url = "{FORM}"\n',  # its old place, in installations that have it
        f'form_url = "{FORM}"\n[campus.web]\nform_url = "{FORM}"\n',  # both, the same Form
    ],
    ids=["campus", "campus.web", "both"],
)
def test_either_place_of_form_url_reaches_the_emails(tmp_path, text):
    from facultativo.notifiers.compose import compose, environment, student_context
    from facultativo.validators import Motivo
    from facultativo.wiring import contact

    campus = config(tmp_path, text).campuses[0]
    ctx = student_context(
        nombre="Ana",
        tipo="alta",
        estado=Motivo.SIN_ADJUNTO.estado,
        motivo=Motivo.SIN_ADJUNTO,
        detalle="",
        datos={},
        campus=contact(campus),
    )
    mail = compose(environment(), "rechazada", "a@x.mx", "<1@x>", ctx)
    assert campus.form_url == FORM
    assert f"Formulario: {FORM}" in mail.text and f'href="{FORM}"' in mail.html


def test_two_different_form_urls_are_an_error_naming_both(tmp_path):
    found = problems(
        tmp_path, f'form_url = "{FORM}"\n[campus.web]\nform_url = "https://forms.gle/Otro"\n'
    )
    assert found == [
        f'{tmp_path / "facultativo.toml"}: campus «qro»: form_url = "{FORM}" y [campus.web] '
        'form_url = "https://forms.gle/Otro" son formularios distintos; deja solo form_url (en '
        "[[campus]]) y borra el de [campus.web]."
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'form_url = "forms.gle/AbC123"\n',
            'campus «qro».form_url = "forms.gle/AbC123": escribe la dirección completa del '
            'formulario, p. ej. "https://forms.gle/AbCdEf123".',
        ),
        (
            '[campus.web]\nform_url = "https:///AbC123"\n',
            'campus «qro».web.form_url = "https:///AbC123": escribe la dirección completa del '
            "formulario",
        ),
        (
            '[campus.web]\nurl = "ftp://facultativo.escuela.mx"\n',
            'campus «qro».web.url = "ftp://facultativo.escuela.mx": escribe la dirección '
            'completa de la página, p. ej. "https://facultativo.escuela.mx".',
        ),
        ("[campus.web]\nurl = 8080\n", "campus «qro».web.url debe ser un texto entre comillas"),
    ],
    ids=["form_url", "old-form_url-without-host", "web-url", "web-url-number"],
)
def test_a_link_that_is_not_a_web_address_is_one_spanish_line(tmp_path, text, expected):
    found = problems(tmp_path, text)
    assert len(found) == 1 and "\n" not in found[0], found
    assert expected in found[0]


def test_a_form_url_written_in_another_table_points_to_the_campus_table(tmp_path):
    found = problems(tmp_path, f'[campus.mail]\nform_url = "{FORM}"\n')
    assert any("«form_url»? (va en [[campus]], antes de las tablas" in p for p in found), found
