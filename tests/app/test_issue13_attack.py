"""What a hostile tester found in issue 13's first-day, shadow-week and message features;
each test is named after what went wrong and fails on the code before its fix."""

from __future__ import annotations

import email
import subprocess
import sys
from datetime import datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest

from facultativo import demo
from facultativo.cli import main
from facultativo.config import ConfigError, Digest, load
from facultativo.sync import digest
from facultativo.sync import values as v
from facultativo.sync.block import COLOURS
from facultativo.validators import Motivo, Tipo
from facultativo.validators.motivos import motivo_cell
from facultativo.wiring import open_runtime
from tests.support.sheet import ESTADO, MOTIVO
from tests.support.workspace import EXPECTED, Workspace, code

TZ = ZoneInfo("America/Mexico_City")
TIPO = "Tipo de solicitud"
DETALLE = "Validación: detalle"
EXE = [sys.executable, "-m", "facultativo.cli"]


def text_of(path) -> str:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    return message.get_body(("plain",)).get_content()


def subject(path) -> str:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)["Subject"]


def row_of(motivo: str) -> int:
    return next(i for i, (_, m) in enumerate(EXPECTED) if m == motivo) + 2


def test_a_decision_in_the_staff_column_over_a_review_reaches_the_student_once(tmp_path, pool):
    """It was seen by `informe` only: no email, and the digest kept listing the row."""
    ws = Workspace(tmp_path, digest=Digest(("jefa@demo.example.mx",)))
    ws.cycle(pool)
    review = row_of("SITUACION_NO_PREVISTA")
    before = set(ws.emails())

    def decide(sheet):
        col = sheet.max_column + 1
        sheet.cell(1, col).value = "Validación: decisión del personal"
        sheet.cell(review, col).value = "Rechazado"

    ws.edit(decide)
    ws.cycle(pool)
    new = [p for p in ws.emails() if p not in before]
    assert len(new) == 1 and "revisamos tu solicitud" in subject(new[0])
    assert "No pudimos hacer tu trámite" in text_of(new[0])
    assert ws.rows()[review - 2][ESTADO] == "REVISIÓN MANUAL"  # our verdict stays in sight
    with open_runtime(ws.config, ws.campus, pool) as rt:
        rt.hooks.clock = ws.clock
        sent = digest.build(rt, ws.campus.digest.recipients, ws.clock())
    assert f"Fila {review}:" not in sent.text.split("Correos que no")[0]
    ws.cycle(pool)
    assert len([p for p in ws.emails() if p not in before]) == 1  # once


@pytest.mark.parametrize(
    ("answer", "tipo"),
    [
        ("Alta del seguro facultativo", Tipo.ALTA),
        ("BAJA", Tipo.BAJA),
        ("Quiero el alta", Tipo.ALTA),
        ("NO quiero alta", Tipo.DESCONOCIDO),
        ("Alta y baja", Tipo.DESCONOCIDO),
        ("Información", Tipo.DESCONOCIDO),
        ("", Tipo.DESCONOCIDO),
        (None, Tipo.DESCONOCIDO),
    ],
)
def test_tipo_answers_that_are_not_alta_or_baja_are_unknown_never_alta(answer, tipo):
    assert v.tipo(answer) is tipo


def test_an_unknown_tipo_still_checks_the_constancia_and_greets_by_name(tmp_path, pool):
    """It skipped the PDF (a photo was told «no necesitas enviar nada más»), said
    «solicitud de alta», blamed the constancia, and greeted nobody."""
    ws = Workspace(tmp_path)
    good, photo = row_of("VIGENTE_CON_PATRON"), row_of("PDF_SIN_TEXTO")

    def answer(sheet):
        col = [c.value for c in sheet[1]].index(TIPO) + 1
        sheet.cell(good, col).value = "Quiero información"
        sheet.cell(photo, col).value = "NO quiero alta"

    ws.edit(answer)
    ws.cycle(pool)
    rows = ws.rows()
    assert (rows[good - 2][ESTADO], code(rows[good - 2][MOTIVO])) == (
        "REVISIÓN MANUAL",
        "TIPO_NO_RECONOCIDO",
    )
    assert (rows[photo - 2][ESTADO], code(rows[photo - 2][MOTIVO])) == (
        "RECHAZADA",
        "PDF_SIN_TEXTO",
    )
    who = rows[good - 2]["Dirección de correo electrónico"]
    mail = next(text_of(p) for p in ws.emails() if who.encode() in p.read_bytes())
    name = rows[good - 2]["Nombre completo"]
    assert mail.startswith(f"Hola, {name}:")
    assert "solicitud de alta o baja" in mail and "solicitud de alta del" not in mail
    assert Motivo.TIPO_NO_RECONOCIDO.texto_estudiante in " ".join(mail.split())


def test_an_old_pdf_resubmitted_days_after_the_alta_was_applied_is_a_duplicate(tmp_path, pool):
    """It was RECHAZADA «La constancia es de otro día»: «corrige y envía de nuevo»."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    dup = row_of("SOLICITUD_DUPLICADA")
    who = ws.rows()[dup - 2]["Dirección de correo electrónico"]
    original = next(
        i + 2 for i, r in enumerate(ws.rows()) if r["Dirección de correo electrónico"] == who
    )
    ws.set_status(original, "ALTA APLICADA")
    ws.cycle(pool)

    def again_days_later(sheet):
        values = [c.value for c in sheet[dup]][:9]
        values[0] = values[0] + timedelta(days=4)
        sheet.append(values)

    ws.edit(again_days_later)
    ws.clock.advance(4 * 24 * 60)
    ws.cycle(pool)
    last = ws.rows()[-1]
    assert (last[ESTADO], code(last[MOTIVO])) == ("CONCLUIDA", "SOLICITUD_DUPLICADA")
    newest = max(ws.emails(), key=lambda p: p.stat().st_mtime_ns)
    assert "ya quedó aplicada en el IMSS" in text_of(newest)


def test_a_duplicate_reads_as_one_to_staff_not_procede_el_alta():
    cell = motivo_cell((Motivo.SOLICITUD_DUPLICADA, Motivo.SIN_VIGENCIA))
    assert cell.startswith(Motivo.SOLICITUD_DUPLICADA.texto_personal)
    assert "Si no fuera por eso: sin vigencia actual" in cell
    both = motivo_cell((Motivo.FECHA_NO_COINCIDE, Motivo.CONSTANCIA_SOSPECHOSA))
    assert "Además: la constancia muestra señales de edición." in both


def test_an_acceptance_of_someone_who_answered_before_the_first_day_warns_staff(tmp_path, pool):
    """Ana's 08:03 request is ANTERIOR (handled by hand); her 11:31 one was accepted as if
    nothing had happened, risking a double alta."""
    ws = Workspace(tmp_path, desde=datetime(2026, 11, 16, 10, 0, tzinfo=TZ))
    ws.cycle(pool)
    rows = ws.rows()
    dup = row_of("SOLICITUD_DUPLICADA")
    assert rows[dup - 2][ESTADO] == "ACEPTADA"
    assert "ANTERIOR): revisen que esa solicitud no se haya aplicado ya" in rows[dup - 2][DETALLE]


def test_a_corrupt_ledger_is_one_spanish_line_for_every_command(tmp_path):
    demo.build(tmp_path)
    (tmp_path / "facultativo.db").write_text("no soy una base de datos", encoding="utf-8")
    toml = str(tmp_path / "facultativo.toml")
    for command in (["informe"], ["status"], ["check"]):
        done = subprocess.run(
            [*EXE, *command, "--config", toml], capture_output=True, text=True, timeout=60
        )
        assert done.returncode != 0, command
        assert "Traceback" not in done.stderr, command
        assert "bitácora" in done.stdout + done.stderr, command


@pytest.mark.parametrize("value", ["20261123", "true", '"ayer"'])
def test_desde_that_is_not_a_date_is_refused(tmp_path, value):
    """`desde = 20261123` was read as a date and marked every row ANTERIOR for good."""
    demo.build(tmp_path)
    toml = tmp_path / "facultativo.toml"
    text = toml.read_text(encoding="utf-8").replace('"2026-11-01T00:00"', value)
    toml.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="desde = "):
        load(toml)


def test_moving_desde_earlier_decides_the_rows_it_had_left_as_anterior(tmp_path, pool):
    late = Workspace(tmp_path, desde=datetime(2026, 11, 17, 0, 0, tzinfo=TZ))
    late.cycle(pool)
    assert {r[ESTADO] for r in late.rows()} == {"ANTERIOR"}
    assert late.emails() == []
    fixed = Workspace(tmp_path, desde=datetime(2026, 11, 1, 0, 0, tzinfo=TZ))
    fixed.clock = late.clock
    report = fixed.cycle(pool)
    assert report.processed == len(EXPECTED)
    assert "ANTERIOR" not in {r[ESTADO] for r in fixed.rows()}


def test_removing_desde_never_decides_or_mails_the_anterior_rows(tmp_path, pool):
    start = datetime(2026, 11, 16, 10, 0, tzinfo=TZ)
    ws = Workspace(tmp_path, desde=start)
    ws.cycle(pool)
    old = [i for i, r in enumerate(ws.rows()) if r[ESTADO] == "ANTERIOR"]
    mailed = len(ws.emails())
    no_desde = Workspace(tmp_path, desde=None)
    no_desde.clock = ws.clock
    assert no_desde.cycle(pool).processed == 0
    assert [no_desde.rows()[i][ESTADO] for i in old] == ["ANTERIOR"] * len(old)
    assert len(no_desde.emails()) == mailed


def _check(tmp_path, edit=lambda t: t) -> subprocess.CompletedProcess:
    demo.build(tmp_path)
    toml = tmp_path / "facultativo.toml"
    toml.write_text(edit(toml.read_text(encoding="utf-8")), encoding="utf-8")
    return subprocess.run(
        [*EXE, "check", "--config", str(toml)], capture_output=True, text=True, timeout=60
    )


def test_check_in_shadow_mode_promises_no_email(tmp_path):
    done = _check(tmp_path, lambda t: t.replace("[campus.mail]", '[campus.mail]\nmodo = "sombra"'))
    assert "ningún correo: modo sombra" in done.stdout
    assert "hasta 20 correos" not in done.stdout


def test_check_names_an_estado_staff_mistyped(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    row = row_of("CURP_NO_COINCIDE")
    ws.set_status(row, "Aceptda")
    done = _check(tmp_path)
    assert done.returncode == 1
    assert f"fila {row}: «Aceptda» (¿quisiste decir ACEPTADA?)" in done.stdout
    with open_runtime(ws.config, ws.campus, pool) as rt:
        rt.hooks.clock = ws.clock
        sent = digest.build(rt, ("jefa@demo.example.mx",), ws.clock())
    assert "Estados que facultativo no reconoce" in sent.text and "«Aceptda»" in sent.text


def test_check_refuses_a_ledger_that_cannot_be_created(tmp_path):
    done = _check(tmp_path, lambda t: t.replace('path = "facultativo.db"', 'path = "/proc/x/f.db"'))
    assert done.returncode == 1
    assert "ERROR bitácora /proc/x/f.db: no se puede crear" in done.stdout


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda t: t + "\n[limits]\nmax_pages = 2.5\n", "usa un número entero"),
        (lambda t: t.replace("[campus.mail]", "[campus.mail]\nmodo = true"), "modo = true:"),
    ],
)
def test_config_values_are_shown_as_written_and_whole_numbers_stay_whole(tmp_path, edit, said):
    demo.build(tmp_path)
    toml = tmp_path / "facultativo.toml"
    toml.write_text(edit(toml.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load(toml)
    assert said in str(err.value)


def test_a_config_saved_by_notepad_with_a_bom_is_read(tmp_path):
    demo.build(tmp_path)
    toml = tmp_path / "facultativo.toml"
    toml.write_bytes(b"\xef\xbb\xbf" + toml.read_bytes())
    assert load(toml).campuses[0].name == "demo"


def test_a_misspelled_column_field_is_one_line(tmp_path):
    demo.build(tmp_path)
    toml = tmp_path / "facultativo.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + '\n[campus.columns]\nnsss = ["Tu NSS"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load(toml)
    assert len(err.value.problems) == 1 and "«nss»" in err.value.problems[0]


def test_file_errors_reach_staff_in_spanish(tmp_path, pool, capsys):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    code_ = main(["informe", "--config", str(tmp_path / "facultativo.toml"), "--html", "/tmp"])
    err = capsys.readouterr().err
    assert code_ == 1 and "es una carpeta" in err and "Is a directory" not in err


def test_every_estado_staff_see_has_a_colour():
    from facultativo.validators import Estado

    assert {e.etiqueta for e in Estado} <= set(COLOURS)
