"""Regressions from the attack on [campus.columns] prefijo (issue 26), each named after the
bug it pins: a campus switched back to an older block, a ledger adopted under the wrong
block, a decision typed in a block nobody reads any more, a prefijo that is the start of a
Form question, and the digest naming the default block."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from facultativo.commands.adoptar import adopt
from facultativo.commands.check import check_campus
from facultativo.config import load
from facultativo.sync import digest
from facultativo.sync.block import DEFAULT_BLOCK, Block
from facultativo.sync.columns import map_columns
from facultativo.sync.sources.base import SourceError
from facultativo.wiring import open_runtime
from tests.support import google_env as g
from tests.support.workspace import Clock, Workspace
from tests.sync.test_block_prefix import PREFIJO, google_campus, outbox, sent_twice, with_prefijo

OLD = DEFAULT_BLOCK.titles["estado"]
NEW = Block(PREFIJO).titles["estado"]
ALTA, REVIEW, REVIEW_2 = 2, 17, 18  # demo rows: an accepted alta, two REVISIÓN MANUAL


def switched(ws: Workspace, text: str) -> Workspace:
    """The same folder, with facultativo.toml as `text`: the next cycle sees the new
    configuration on the same workbook, ledger and clock."""
    (ws.folder / "facultativo.toml").write_text(text, encoding="utf-8")
    again = Workspace.__new__(Workspace)
    again.__dict__.update(ws.__dict__)
    again.config = load(ws.folder / "facultativo.toml")
    again.campus = again.config.campuses[0]
    return again


def test_switching_the_prefijo_back_mails_nobody_and_keeps_staff_decisions(tmp_path, pool):
    """«Validación» → «Revisión IMSS» → «Validación»: the old block's cells are older than
    the ledger; read as staff's they would undo a decision and re-open an applied alta."""
    ws = Workspace(tmp_path)
    original = (tmp_path / "facultativo.toml").read_text(encoding="utf-8")
    ws.cycle(pool)
    with_prefijo(tmp_path / "facultativo.toml")
    ws = switched(ws, (tmp_path / "facultativo.toml").read_text(encoding="utf-8"))
    ws.cycle(pool)
    ws.set_status(REVIEW, "RECHAZADA")
    ws.set_status(ALTA, "ALTA APLICADA")
    ws.cycle(pool)
    ws.cycle(pool)
    mails = ws.emails()

    back = switched(ws, original)
    report = back.cycle(pool)

    assert back.emails() == mails and not sent_twice(mails)
    assert report.processed == 0
    estados = back.column(OLD)
    assert estados[REVIEW - 2] == "RECHAZADA" and estados[ALTA - 2] == "ALTA APLICADA"
    assert back.cycle(pool).processed == 0 and back.emails() == mails


def test_switching_a_google_sheet_back_mails_nobody(tmp_path, fake, pool):
    path, book = google_campus(tmp_path, fake)
    with_prefijo_text = path.read_text(encoding="utf-8")
    clock = Clock()
    g.cycle(path, pool, clock)
    original = with_prefijo_text.replace(f'prefijo = "{PREFIJO}"', "")
    path.write_text(original, encoding="utf-8")  # the «Validación» block, then back
    g.cycle(path, pool, clock)
    path.write_text(with_prefijo_text, encoding="utf-8")
    g.cycle(path, pool, clock)
    sheet = book.sheets[0]
    col = sheet.rows[0].index(NEW)
    sheet.rows[REVIEW - 1][col] = "RECHAZADA"
    g.cycle(path, pool, clock)
    mails = outbox(tmp_path)

    path.write_text(original, encoding="utf-8")
    g.cycle(path, pool, clock)

    assert outbox(tmp_path) == mails and not sent_twice(mails)
    assert g.column(book, OLD)[REVIEW - 2] == "RECHAZADA"


def test_adopting_a_sheet_whose_block_has_another_name_is_refused(tmp_path, pool):
    """A lost ledger, a prefijo changed since: adopting under the new name would rebuild
    nothing, and the next cycle would write to every student again."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    with_prefijo(tmp_path / "facultativo.toml")
    for stale in tmp_path.glob("facultativo.db*"):
        stale.unlink()
    config = load(tmp_path / "facultativo.toml")

    with pytest.raises(SourceError, match="tiene el bloque «Validación», no el bloque"):
        adopt(config, config.campuses[0])


def test_a_decision_typed_in_the_old_block_is_named_not_silently_lost(tmp_path, pool, caplog):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    ws.set_status(REVIEW, "Aceptado")  # in «Validación: estado», before any cycle saw it
    with_prefijo(tmp_path / "facultativo.toml")
    ws = switched(ws, (tmp_path / "facultativo.toml").read_text(encoding="utf-8"))

    with caplog.at_level(logging.WARNING, logger="facultativo.sync"):
        ws.cycle(pool)

    assert f"fila {REVIEW} («Aceptado»)" in caplog.text
    ws.set_status(REVIEW_2, "ACEPTADA")  # typed in the new block: read, not listed
    lines = check_campus(ws.campus, ws.config.ledger)
    old = [(ok, text) for ok, text in lines if "aún tiene el bloque «Validación»" in text]
    assert old and old[0][0] is False
    assert f"fila {REVIEW} («Aceptado»)" in old[0][1] and f"fila {REVIEW_2} " not in old[0][1]


def test_a_prefijo_that_starts_a_form_question_hides_no_answer():
    """«CURP: 18 caracteres» is the Form's question whatever the prefijo: only our own
    column names («CURP: estado») make a header facultativo's."""
    block = Block("CURP")
    header = ["Marca temporal", "Correo", "Tipo de solicitud", "CURP: 18 caracteres", "Constancia"]
    cols = map_columns(header, {}, [], block)
    assert cols.fields["curp"] == 3
    assert not block.marks("CURP: 18 caracteres") and block.marks("CURP: estado")


def test_the_digest_names_the_campus_block(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    with_prefijo(tmp_path / "facultativo.toml")
    ws = switched(ws, (tmp_path / "facultativo.toml").read_text(encoding="utf-8"))
    ws.cycle(pool)  # the new block is written from the ledger: «restaurado»
    with open_runtime(ws.config, ws.campus, pool) as rt:
        rt.hooks.clock = ws.clock
        mail = digest.build(rt, ("jefa@demo.example.mx",), ws.clock())
    assert f"bloque «{PREFIJO}»" in mail.text and "«Validación»" not in mail.text
    assert f"Bloque «{PREFIJO}» restaurado" in mail.html


def _ledger_at(tmp_path: Path, path: str) -> Path:
    config = tmp_path / "facultativo.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('path = "facultativo.db"', f'path = "{path}"'), "utf-8")
    return config


def test_a_ledger_path_that_is_a_folder_is_a_setup_error(tmp_path, capsys):
    from facultativo.cli import main

    Workspace(tmp_path)
    (tmp_path / "carpeta.db").mkdir()
    config = _ledger_at(tmp_path, "carpeta.db")
    assert main(["sync", "--once", "--config", str(config)]) == 2
    assert "es una carpeta" in capsys.readouterr().err


def test_a_ledger_path_through_a_file_says_so_not_ya_existe(tmp_path, capsys):
    from facultativo.cli import main

    Workspace(tmp_path)
    config = _ledger_at(tmp_path, "facultativo.toml/x.db")
    assert main(["sync", "--once", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "una parte de la ruta es un archivo" in err and "ya existe" not in err


def _loaded(tmp_path: Path, tail: str):
    Workspace(tmp_path)
    config = tmp_path / "facultativo.toml"
    config.write_text(config.read_text(encoding="utf-8") + tail, encoding="utf-8")
    return load(config)


@pytest.mark.parametrize(
    "value",
    ['"Validación:"', '":"', '"Validación: estado"', '"a\\nb"', '"x\\ty"', '"' + "x" * 200 + '"'],
)
def test_a_prefijo_with_a_colon_or_a_line_break_is_one_line_refused(tmp_path, value):
    """«Validación:» would make «Validación:: estado», a second block beside the first."""
    from facultativo.config import ConfigError

    with pytest.raises(ConfigError) as err:
        _loaded(tmp_path, f"\n[campus.columns]\nprefijo = {value}\n")
    (line,) = err.value.lines()
    assert "prefijo" in line and "\n" not in line and "\t" not in line and len(line) < 400


def test_a_prefijo_in_another_table_points_to_campus_columns(tmp_path):
    from facultativo.config import ConfigError

    with pytest.raises(ConfigError) as err:
        _loaded(tmp_path, '\nprefijo = "Revisión"\n')  # the demo's file ends in [campus.mail]
    assert "va en [campus.columns]" in str(err.value)


# --- the second attack: blocks that come back ------------------------------------------

CONTROL = Block("Control")


def with_text(ws: Workspace, prefijo: str | None) -> Workspace:
    """The demo's facultativo.toml with `prefijo` (None: the default block)."""
    text = ws.demo_text if hasattr(ws, "demo_text") else ""
    tail = f'\n[campus.columns]\nprefijo = "{prefijo}"\n' if prefijo else ""
    again = switched(ws, text + tail)
    again.demo_text = text
    return again


def demo(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path)
    ws.demo_text = (tmp_path / "facultativo.toml").read_text(encoding="utf-8")
    return ws


def set_title(ws: Workspace, row: int, title: str, value: str) -> None:
    def change(sheet) -> None:
        header = [c.value for c in sheet[1]]
        if title not in header:
            sheet.cell(1, sheet.max_column + 1).value = title
            header.append(title)
        sheet.cell(row, header.index(title) + 1).value = value

    ws.edit(change)


def test_a_block_that_comes_back_is_not_read_as_a_new_decision(tmp_path, pool):
    """Aceptado in «Validación», then No procede in «Control»; back in «Validación» its
    old «Aceptado» is older than the ledger: no second correction, No procede stands."""
    ws = demo(tmp_path)
    ws.cycle(pool)
    ws.set_status(REVIEW, "Aceptado")
    ws.cycle(pool)
    ws = with_text(ws, "Control")
    ws.cycle(pool)
    ws.set_status(REVIEW, "No procede")
    ws.cycle(pool)
    mails = ws.emails()

    back = with_text(ws, None)
    back.cycle(pool)
    back.cycle(pool)

    assert back.emails() == mails  # the correction was the last word
    assert back.column(OLD)[REVIEW - 2] == "No procede"
    assert "No procede" in back.ledger().entries("demo")[_key(back, REVIEW)].staff_label


def test_words_typed_in_an_unread_block_are_not_mailed_when_it_comes_back(tmp_path, pool, caplog):
    ws = demo(tmp_path)
    ws.cycle(pool)
    ws = with_text(ws, "Control")
    ws.cycle(pool)
    set_title(ws, REVIEW, OLD, "Aceptado")  # «Validación: estado»: nobody reads it now
    set_title(ws, REVIEW_2, DEFAULT_BLOCK.staff_decision, "Aceptado")
    ws.cycle(pool)
    mails = ws.emails()

    back = with_text(ws, None)
    with caplog.at_level(logging.WARNING, logger="facultativo.sync"):
        back.cycle(pool)
    back.cycle(pool)

    assert back.emails() == mails
    assert f"fila {REVIEW} («Aceptado»)" in caplog.text
    assert f"fila {REVIEW_2} («Aceptado»)" in caplog.text
    assert back.column(OLD)[REVIEW - 2] == "REVISIÓN MANUAL"
    assert not back.column(DEFAULT_BLOCK.staff_decision)[REVIEW_2 - 2]  # cleared


def test_an_old_blocks_decision_column_never_beats_the_ledger(tmp_path, pool):
    """No procede in «Control: decisión del personal», corrected to Aceptado in
    «Validación»; back in «Control», its old decision cell is cleared, not mailed."""
    ws = demo(tmp_path)
    ws.cycle(pool)
    ws = with_text(ws, "Control")
    ws.cycle(pool)
    set_title(ws, REVIEW, CONTROL.staff_decision, "No procede")
    ws.cycle(pool)
    ws = with_text(ws, None)
    ws.cycle(pool)
    ws.set_status(REVIEW, "Aceptado")
    ws.cycle(pool)
    mails = ws.emails()

    back = with_text(ws, "Control")
    back.cycle(pool)
    back.cycle(pool)

    assert back.emails() == mails
    assert back.column(CONTROL.titles["estado"])[REVIEW - 2] == "Aceptado"
    assert not back.column(CONTROL.staff_decision)[REVIEW - 2]


def test_adopting_a_sheet_with_two_blocks_is_refused(tmp_path, pool):
    ws = demo(tmp_path)
    ws.cycle(pool)
    ws = with_text(ws, "Control")
    ws.cycle(pool)
    for stale in tmp_path.glob("facultativo.db*"):
        stale.unlink()
    config = load(tmp_path / "facultativo.toml")

    with pytest.raises(SourceError, match="dos bloques de facultativo"):
        adopt(config, config.campuses[0])


def _key(ws: Workspace, row: int) -> str:
    return ws.rows()[row - 2][ws.block.titles["id"]]
