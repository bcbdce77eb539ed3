"""Every template renders for every motivo, in both parts, with no undefined variable."""

from __future__ import annotations

import subprocess
import sys

import pytest
from jinja2 import UndefinedError

from facultativo.notifiers.compose import environment, student_context
from facultativo.notifiers.preview import SAMPLE_CAMPUS, samples
from facultativo.notifiers.texts import URL_ASIGNACION_NSS, URL_CLINICA, URL_VIGENCIA
from facultativo.validators import Estado, Motivo

EMAILS = dict(samples(environment()))


@pytest.mark.parametrize("motivo", list(Motivo), ids=lambda m: m.value)
def test_every_motivo_renders_both_parts_in_spanish(motivo):
    stem = next(k for k in EMAILS if k.endswith(motivo.value.lower()))
    email = EMAILS[stem]
    assert email.subject and email.text.startswith("Hola, Ana Sofía Martínez Gómez:")
    assert motivo.texto_estudiante in email.text
    assert SAMPLE_CAMPUS["email"] in email.text and SAMPLE_CAMPUS["hours"] in email.html
    assert "<html" in email.html and "Ana Sofía Martínez Gómez" in email.html


@pytest.mark.parametrize(
    ("motivo", "must"),
    [
        (Motivo.SIN_ADJUNTO, [URL_VIGENCIA]),
        (Motivo.PDF_SIN_TEXTO, [URL_VIGENCIA, "fotos"]),
        (Motivo.DOCUMENTO_INCORRECTO, [URL_ASIGNACION_NSS, "Constancia de Vigencia de Derechos"]),
        (Motivo.NSS_INVALIDO, [URL_ASIGNACION_NSS, "11 dígitos"]),
        (Motivo.FECHA_NO_COINCIDE, [URL_VIGENCIA, "mismo día"]),
        (Motivo.VIGENTE_OTRA_INSTITUCION, ["Acude a UNIVERSIDAD AUTONOMA DE QUERETARO", "baja"]),
        (Motivo.VIGENTE_CON_PATRON, ["ambos seguros", "COMERCIALIZADORA DEL BAJIO"]),
        (Motivo.YA_INSCRITO, ["¡Listo", URL_CLINICA, "acta de nacimiento"]),
        (Motivo.NOMBRE_NO_COINCIDE, ["la revisará personal de Servicios Escolares"]),
    ],
)
def test_the_steps_each_motivo_needs(motivo, must):
    email = next(e for k, e in EMAILS.items() if k.endswith(motivo.value.lower()))
    for text in must:
        assert text in email.text and text in email.html, text


def test_follow_up_after_alta_aplicada_says_what_to_check():
    email = EMAILS["seguimiento-alta"]
    for text in (
        "3 a 5 días hábiles",
        "VIGENTE",
        "INSTITUTO TECNOLÓGICO DE QUERÉTARO",
        "identificación, acta de nacimiento, CURP y comprobante de domicilio",
    ):
        assert text in email.text, text


def test_internal_findings_never_reach_the_student():
    ctx = student_context(
        nombre="Ana",
        tipo="alta",
        estado=Estado.REVISION_MANUAL,
        motivo=Motivo.CONSTANCIA_SOSPECHOSA,
        detalle="Posible edición: PDF producido por un editor (iLovePDF)",
        datos={},
        campus=SAMPLE_CAMPUS,
    )
    assert ctx["detalle"] == ""


def test_a_missing_variable_is_an_error_not_a_blank():
    env = environment()
    with pytest.raises(UndefinedError):
        env.get_template("rechazada.txt.j2").render({"motivo": {"code": "SIN_ADJUNTO"}})


def test_a_campus_can_override_any_template(tmp_path):
    (tmp_path / "revision.txt.j2").write_text(
        '{% extends "layout.txt.j2" %}{% block asunto %}Recibido{% endblock %}'
        "{% block cuerpo %}Texto propio del campus.{% endblock %}",
        encoding="utf-8",
    )
    email = dict(samples(environment(tmp_path)))["05-datos_ilegibles"]
    assert email.subject == "Recibido" and "Texto propio del campus." in email.text
    assert SAMPLE_CAMPUS["email"] in email.text  # the shared layout still applies


def test_preview_emails_command_writes_every_email(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "facultativo.cli", "preview-emails", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert len(list(tmp_path.glob("*.html"))) == len(EMAILS) + 1  # and index.html
    assert len(list(tmp_path.glob("*.txt"))) == len(EMAILS)


def test_every_email_says_its_closing_line_once():
    """«Si tienes dudas, responde…» is the layout's closing line; a template that says it
    again makes the email read twice the same (issue 24: the REVISIÓN MANUAL email)."""
    from facultativo.notifiers.compose import environment
    from facultativo.notifiers.preview import samples

    for stem, email in samples(environment()):
        for body in (email.text, email.html):
            assert body.lower().count("si tienes dudas") == 1, stem


# A campus's own folder, broken four ways: file -> (its text, what the line says about it)
BROKEN = {
    "rechazada.txt.j2": (
        "{% if x %}\nHola {{ nombre \n",
        "línea 2: falta cerrar «{{ … }}» con «}}»",
    ),
    "aceptada.txt.j2": ("Hola\n", ": falta el bloque del asunto ({% block asunto %}"),
    "revision.txt.j2": (
        "{% block asunto %}Recibido{% endblock %}\n{% foo %}\n",
        "línea 2: «{% foo %}» no es una etiqueta que se pueda usar ahí",
    ),
    "concluida.txt.j2": (
        "{% block asunto %}Hola {{ nombre }}{% endblock %}\n",
        "línea 1: la variable «nombre» no existe (las que hay: campus,",
    ),
}
JINJA_ENGLISH = ("unexpected", "expected", "undefined", "Encountered", "Traceback", "KeyError")


def _broken_campus(tmp_path):
    from facultativo import demo

    demo.build(tmp_path)
    folder = tmp_path / "plantillas"
    folder.mkdir()
    for name, (text, _) in BROKEN.items():
        (folder / name).write_text(text, encoding="utf-8")
    path = tmp_path / "facultativo.toml"
    text = path.read_text(encoding="utf-8")
    assert "[campus.mail]\n" in text, "the demo's [campus.mail] changed: update this test"
    path.write_text(
        text.replace("[campus.mail]\n", '[campus.mail]\ntemplates = "plantillas"\n'),
        encoding="utf-8",
    )
    return path, folder


def _each_broken_template_once(lines, folder):
    for name, (_, said) in BROKEN.items():
        mine = [line for line in lines if f"plantilla {folder / name}" in line]
        assert len(mine) == 1 and said in mine[0], (name, lines)
        assert not any(word in mine[0] for word in JINJA_ENGLISH), mine[0]


def test_check_and_preview_emails_name_each_broken_template_by_file_and_line(tmp_path):
    path, folder = _broken_campus(tmp_path)
    cli = [sys.executable, "-m", "facultativo.cli"]
    check = subprocess.run(
        [*cli, "check", "--config", str(path)], capture_output=True, text=True, timeout=120
    )
    assert check.returncode == 1, check.stdout + check.stderr
    errors = [line for line in check.stdout.splitlines() if line.startswith("ERROR")]
    _each_broken_template_once(errors, folder)
    assert all(line.startswith("ERROR campus demo: correo: plantilla ") for line in errors)
    assert "Todo en orden." not in check.stdout and check.stderr == ""
    preview = subprocess.run(
        [*cli, "preview-emails", "--dir", str(tmp_path / "muestras"), "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert preview.returncode == 2, preview.stdout + preview.stderr
    _each_broken_template_once(preview.stderr.splitlines(), folder)
    assert len(preview.stderr.splitlines()) == len(BROKEN)


def test_a_broken_template_in_a_cycle_is_logged_in_spanish_with_its_file_and_line(
    tmp_path, pool, caplog
):
    from dataclasses import replace

    from tests.support.workspace import Workspace

    ws = Workspace(tmp_path)
    folder = tmp_path / "plantillas"
    folder.mkdir()
    (folder / "rechazada.txt.j2").write_text(BROKEN["rechazada.txt.j2"][0], encoding="utf-8")
    ws.campus = replace(ws.campus, mail=replace(ws.campus.mail, templates=folder))
    report = ws.cycle(pool)
    assert report.emails["retry"] > 0  # waits for the fix, never the student's error
    said = (
        f"plantilla {folder / 'rechazada.txt.j2'}, línea 2: falta cerrar «{{{{ … }}}}» con «}}}}»"
    )
    logged = [r.getMessage() for r in caplog.records if "plantilla" in r.getMessage()]
    assert logged and all(m.startswith(said) for m in logged), logged
    assert not any(word in m for m in logged for word in JINJA_ENGLISH)
