"""`facultativo historial`: «nunca me llegó el correo» answered from the ledger. Each test is
a row's life driven cycle by cycle (the demo's workbook, the fake Google server, a real
SMTP server on loopback), then told by the command as the office runs it."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from facultativo.cli import main
from tests.support import google_env as g
from tests.support import smtp_server as smtp
from tests.support.sheet import ESTADO
from tests.support.workspace import EXPECTED, Clock, Workspace, message_id

ADDRESS = "Dirección de correo electrónico"
NSS = "Número de Seguridad Social (NSS)"
ID = "Validación: id"
GRACE = 10  # minutes: [campus.mail] espera_decision_minutos as a real install has it
REVIEW = next(  # the demo's REVISIÓN MANUAL for a name that does not match: Francisco
    i + 2
    for i, (e, m) in enumerate(EXPECTED)
    if (e, m) == ("REVISION_MANUAL", "NOMBRE_NO_COINCIDE")
)


def historial(ws_or_config: Workspace | Path, *args: str, capsys) -> tuple[int, str, str]:
    config = (
        ws_or_config.folder / "facultativo.toml"
        if isinstance(ws_or_config, Workspace)
        else ws_or_config
    )
    code = main(["historial", "--config", str(config), *args])
    out, err = capsys.readouterr()
    return code, out, err


def waiting_workspace(folder: Path) -> Workspace:
    ws = Workspace(folder)
    ws.campus = replace(ws.campus, mail=replace(ws.campus.mail, espera_decision_minutos=GRACE))
    return ws


def cell(ws: Workspace, row: int, title: str) -> str:
    return str(ws.rows()[row - 2].get(title) or "")


def lines_with(out: str, *needles: str) -> list[str]:
    return [line for line in out.splitlines() if all(n in line for n in needles)]


def in_order(out: str, *needles: str) -> None:
    """Each needle on a line of its own, in this order."""
    at = 0
    lines = out.splitlines()
    for needle in needles:
        found = next((i for i in range(at, len(lines)) if needle in lines[i]), None)
        assert found is not None, f"«{needle}» after line {at}:\n{out}"
        at = found + 1


def ids_sent_to(ws: Workspace, address: str) -> dict[str, str]:
    """Message-ID (with <>) → kind, of the outbox's messages to `address`."""
    import email
    from email import policy

    found = {}
    for path in ws.emails():
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if msg["To"] == address:
            found[f"<{message_id(path)}>"] = message_id(path).split(".")[0]
    return found


def decided_then_overridden_then_applied(ws: Workspace, pool) -> None:
    """The demo decided (11:00 in the campus); staff type «Aceptado» over the REVISIÓN
    MANUAL (seen 11:01, mailed after the wait, 11:12); then ALTA APLICADA (seen 11:13,
    its follow-up 11:24)."""
    ws.cycle(pool)
    for typed in ("Aceptado", "ALTA APLICADA"):
        ws.set_status(REVIEW, typed)
        ws.clock.advance(1)
        ws.cycle(pool)  # sees it: the wait starts
        ws.clock.advance(GRACE + 1)
        ws.cycle(pool)  # the wait is over: mailed


def sort_rows_backwards(ws: Workspace) -> None:
    """Staff sort the whole sheet, newest first: every row moves, with its block."""

    def change(sheet):
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
        for i, values in enumerate(reversed(rows), start=2):
            for j, value in enumerate(values, start=1):
                sheet.cell(i, j).value = value

    ws.edit(change)


def test_a_rows_story_after_a_decision_a_staff_override_and_a_follow_up(tmp_path, pool, capsys):
    ws = waiting_workspace(tmp_path)
    decided_then_overridden_then_applied(ws, pool)
    key, address = cell(ws, REVIEW, ID), cell(ws, REVIEW, ADDRESS)
    sort_rows_backwards(ws)
    now = next(i + 2 for i, r in enumerate(ws.rows()) if r[ID] == key)
    assert now != REVIEW

    code, out, err = historial(ws, "--fila", str(now), capsys=capsys)

    assert code == 0, err
    sent = ids_sent_to(ws, address)
    assert sorted(sent.values()) == ["aplicada", "decision", "resultado"]
    by_kind = {kind: ident for ident, kind in sent.items()}
    assert out.startswith(f"Campus demo: respuesta {key}, hoy en la fila {now}\n")
    assert (
        "En la hoja: estado «ALTA APLICADA»; notificada el «2026-11-16 11:24 (seguimiento)»" in out
    )
    in_order(
        out,
        f"2026-11-16 11:00  Vista por primera vez, en la fila {REVIEW} (correo fr***@alumnos",
        "2026-11-16 11:00  Veredicto: REVISIÓN MANUAL — NOMBRE_NO_COINCIDE",
        f"2026-11-16 11:00  Correo «resultado» {by_kind['resultado']}, dice REVISIÓN MANUAL: "
        "enviado (intento 1).",
        f"2026-11-16 11:00  Escrito en la hoja, fila {REVIEW}: estado «REVISIÓN MANUAL», motivo",
        "2026-11-16 11:01  El personal escribió «Aceptado» en el estado (se lee como ACEPTADA); "
        "se le envió al estudiante el 2026-11-16 11:12.",
        f"2026-11-16 11:12  Correo «decisión del personal» {by_kind['decision']}, dice ACEPTADA: "
        "enviado (intento 1).",
        f"2026-11-16 11:12  Escrito en la hoja, fila {REVIEW}: notificada el «2026-11-16 11:12 "
        "(decisión del personal: ACEPTADA)».",
        "2026-11-16 11:13  El personal escribió «ALTA APLICADA» en el estado; se le envió al "
        "estudiante el 2026-11-16 11:24.",
        f"2026-11-16 11:24  Correo «seguimiento (alta o baja aplicada)» {by_kind['aplicada']}",
    )
    nss = cell(ws, now, NSS)
    assert address not in out and nss not in out  # nobody asked for them: masked


def test_a_lote_mark_cleared_before_the_next_cycle_says_the_sheet_showed_the_mark(
    tmp_path, pool, capsys
):
    """Staff accepted the REVISIÓN MANUAL, `lote --aplicar` marked it, staff cleared it
    before the next cycle: the re-run said «antes: REVISIÓN MANUAL», not what the sheet
    showed."""
    ws = waiting_workspace(tmp_path)
    ws.cycle(pool)
    ws.set_status(REVIEW, "Aceptado")
    ws.clock.advance(1)
    ws.cycle(pool)
    config, lote = str(ws.folder / "facultativo.toml"), str(tmp_path / "lote.csv")
    assert main(["lote", "--config", config, "--salida", lote]) == 0
    assert main(["lote", "--config", config, "--aplicar", lote, "--si"]) == 0
    capsys.readouterr()
    ws.set_status(REVIEW, None)
    ws.clock.advance(1)
    ws.cycle(pool)

    code, out, err = historial(ws, "--fila", str(REVIEW), capsys=capsys)

    assert code == 0, err
    assert lines_with(
        out,
        "El personal borró el estado: se valida de nuevo (antes: «ALTA APLICADA»; facultativo "
        "había dicho REVISIÓN MANUAL).",
    ), out


def test_a_lote_mark_seen_by_the_cycle_is_told_as_the_marks_not_as_typed_by_staff(
    tmp_path, pool, capsys
):
    """After `lote --aplicar`, the cycle reads the mark as a staff estado: historial said
    «El personal escribió «ALTA APLICADA»», which nobody typed."""
    ws = waiting_workspace(tmp_path)
    ws.cycle(pool)
    config, lote = str(ws.folder / "facultativo.toml"), str(tmp_path / "lote.csv")
    assert main(["lote", "--config", config, "--salida", lote]) == 0
    assert main(["lote", "--config", config, "--aplicar", lote, "--si"]) == 0
    capsys.readouterr()
    for _ in range(2):
        ws.clock.advance(GRACE + 1)
        ws.cycle(pool)

    code, out, err = historial(ws, "--fila", "2", capsys=capsys)

    assert code == 0, err
    assert "El personal escribió «ALTA APLICADA»" not in out
    in_order(
        out,
        "Marcada «ALTA APLICADA» con facultativo lote --aplicar (archivo lote.csv)",
        "Se leyó en la hoja «ALTA APLICADA», la marca de facultativo lote --aplicar; se le "
        "envió al estudiante el ",
        "Correo «seguimiento (alta o baja aplicada)»",
    )


def test_the_json_history_lists_each_event_with_its_iso_time_kind_and_fields(
    tmp_path, pool, capsys
):
    ws = waiting_workspace(tmp_path)
    decided_then_overridden_then_applied(ws, pool)
    key, address, nss = (cell(ws, REVIEW, t) for t in (ID, ADDRESS, NSS))

    code, out, _ = historial(ws, "--fila", str(REVIEW), "--json", capsys=capsys)

    assert code == 0
    (story,) = json.loads(out)
    assert (story["id"], story["row"], story["complete"]) == (key, REVIEW, True)
    events = story["events"]
    assert all(datetime.fromisoformat(e["at"]).tzinfo is not None for e in events)
    kinds = [e["kind"] for e in events]
    assert kinds[:2] == ["seen", "verdict"] and kinds.count("staff") == 2
    verdict = events[1]
    assert verdict["estado"] == "REVISION_MANUAL"
    assert verdict["motivos"].startswith("NOMBRE_NO_COINCIDE")
    assert verdict["nss_read"] == "*******" + nss[-4:] and verdict["nss_same"] is True
    results = [e for e in events if e["kind"] == "email"]
    assert [(e["notice"], e["gen"], e["status"]) for e in results] == [
        ("resultado", 0, "sent"),
        ("decision", 0, "sent"),
        ("aplicada", 0, "sent"),
    ]
    assert [e["message_id"] for e in results] == sorted(ids_sent_to(ws, address), key=_order)
    staff = [e for e in events if e["kind"] == "staff"]
    assert [(s["typed"], s.get("new")) for s in staff] == [
        ("Aceptado", True),
        ("ALTA APLICADA", True),
    ]
    assert address not in out and nss not in out


def _order(ident: str) -> int:
    return ["<resultado", "<decision", "<aplicada"].index(ident.split(".")[0])


def test_an_email_that_failed_and_was_retried_shows_the_servers_answer_and_each_attempt(
    tmp_path, pool, capsys
):
    recorder = smtp.Recorder()
    controller = smtp.start(recorder, "plain")
    try:
        ws = smtp.smtp_workspace(tmp_path, controller)
        address = cell(ws, REVIEW, ADDRESS)
        recorder.rcpt_replies[address] = ["451 4.7.1 Greylisted, vuelve a intentar"]
        ws.cycle(pool)
        ws.clock.advance(2)  # the first try again comes a minute later
        ws.cycle(pool)
    finally:
        controller.stop()
    assert recorder.rcpt_tries[address] == 2

    code, out, err = historial(ws, "--correo", address.upper(), capsys=capsys)

    assert code == 0, err
    in_order(
        out,
        f"Correo {address}; NSS escrito *******",
        f"2026-11-16 11:00  Vista por primera vez, en la fila {REVIEW} (correo fr***@",
        "2026-11-16 11:00  Correo «resultado» <resultado.0.",
        "2026-11-16 11:02  Correo «resultado» <resultado.0.",
    )
    (failed,) = lines_with(out, "11:00  Correo «resultado»")
    assert "no enviado, el servidor respondió «451 4.7.1 Greylisted, vuelve a intentar" in failed
    assert failed.endswith("; se intenta de nuevo después de 2026-11-16 11:01 (intento 1).")
    (sent,) = lines_with(out, "11:02  Correo «resultado»")
    assert sent.endswith(": enviado (intento 2).")
    assert out.count(address) == 1  # the one asked about: in full, once
    others = [r[ADDRESS] for r in ws.rows() if r[ADDRESS] != address]
    assert not any(other in out for other in others)


def test_every_response_of_an_nss_is_told_and_only_that_nss_is_shown_whole(tmp_path, pool, capsys):
    """The demo's Ana answered twice (rows 2 and 16): asked by her NSS, both are told; once
    the workbook is gone, the ledger still finds both by the NSS's keyed print."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    nss = cell(ws, 2, NSS)
    rows = [i + 2 for i, r in enumerate(ws.rows()) if r[NSS] == nss]
    assert rows == [2, 16]

    code, out, _ = historial(ws, "--nss", f"{nss[:4]}-{nss[4:]}", capsys=capsys)

    assert code == 0
    heads = lines_with(out, "Campus demo: respuesta ")
    assert [h.rsplit(" ", 1)[1] for h in heads] == ["2", "16"]
    assert out.count(f"NSS escrito {nss}") == 2 and out.count(nss) == 2
    assert out.count(f"NSS leído *******{nss[-4:]}, el mismo que escribió") == 2
    address = cell(ws, 2, ADDRESS)
    assert address not in out  # asked by NSS: the address stays masked

    ws.workbook.rename(ws.workbook.with_suffix(".bak"))
    code, out, _ = historial(ws, "--nss", nss, capsys=capsys)

    assert code == 0
    assert len(lines_with(out, "(no se pudo leer la hoja: no se sabe en qué fila está hoy)")) == 2
    assert len(lines_with(out, "No se pudo leer la hoja", "huella corta")) == 2
    assert out.count(f"Encontrada en la bitácora por el NSS {nss}") == 2
    assert out.count(f"NSS *******{nss[-4:]})") == 2


def test_an_nss_the_constancia_printed_finds_the_response_though_the_student_typed_another(
    tmp_path, pool, capsys
):
    """The demo's NSS_NO_COINCIDE: asked by the NSS on the constancia, nothing was found,
    in the sheet or (the workbook gone) in the ledger."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    row = next(i + 2 for i, (_, m) in enumerate(EXPECTED) if m == "NSS_NO_COINCIDE")
    read, typed = cell(ws, row, "Validación: NSS leído"), cell(ws, row, NSS)
    assert read and read != typed

    code, out, err = historial(ws, "--nss", read, capsys=capsys)

    assert code == 0, err
    other = next(i + 2 for i, r in enumerate(ws.rows()) if r[NSS] == read)  # typed it: row 21
    heads = lines_with(out, "Campus demo: respuesta ")
    assert [h.rsplit(" ", 1)[1] for h in heads] == [str(row), str(other)]
    assert f"NSS escrito *******{typed[-4:]}; NSS leído de la constancia {read}" in out
    assert typed not in out

    ws.workbook.rename(ws.workbook.with_suffix(".bak"))
    code, out, err = historial(ws, "--nss", read, capsys=capsys)

    assert code == 0, err
    assert out.count(f"Encontrada en la bitácora por el NSS {read}") == 2


def test_on_google_sheets_a_row_is_told_and_an_unreadable_sheet_is_said_in_one_line(
    tmp_path, pool, fake, capsys
):
    book = g.spreadsheet(fake, g.demo_rows(fake))
    config = g.config(tmp_path, fake)
    g.cycle(config, pool, clock=Clock())
    key = g.column(book, ID)[REVIEW - 2]
    nss = str(g.column(book, NSS)[REVIEW - 2])

    code, out, err = historial(config, "--fila", str(REVIEW), capsys=capsys)

    assert code == 0, err
    assert out.startswith(f"Campus queretaro: respuesta {key}, hoy en la fila {REVIEW}\n")
    in_order(
        out,
        "Veredicto: REVISIÓN MANUAL — NOMBRE_NO_COINCIDE",
        f"Correo «resultado» <resultado.0.{key}@",
        f"Escrito en la hoja, fila {REVIEW}: estado «REVISIÓN MANUAL»",
    )

    del fake.spreadsheets[g.SHEET_ID]  # unshared, or deleted
    code, out, err = historial(config, "--fila", str(REVIEW), capsys=capsys)

    assert code == 1 and out == ""
    (line,) = err.splitlines()
    assert line.startswith("facultativo: no se pudo leer la hoja del campus queretaro (")
    assert line.endswith(
        f"no se sabe qué respuesta está hoy en la fila {REVIEW}; busca con --nss o --correo."
    )
    code, out, _ = historial(config, "--nss", nss, capsys=capsys)
    assert code == 0 and "que hoy no está en la hoja" not in out  # it may well be there
    assert f"respuesta {key} (no se pudo leer la hoja: no se sabe en qué fila está hoy)\n" in out
    assert "Veredicto: REVISIÓN MANUAL — NOMBRE_NO_COINCIDE" in out


def downgrade_to_version_8(path: Path) -> None:
    """The ledger as the release before events left it: no events table, no NSS prints."""
    db = sqlite3.connect(path)
    db.executescript(
        "DROP TABLE events; ALTER TABLE responses DROP COLUMN nss_key;"
        " DELETE FROM meta WHERE name IN ('events_since', 'search_key');"
        " PRAGMA user_version = 8;"
    )
    db.close()


def test_a_row_is_told_while_staff_have_the_workbook_open(tmp_path, pool, capsys):
    """A `.~lock.respuestas.xlsx#` (LibreOffice open at the office) made historial refuse,
    though it only reads."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    (tmp_path / ".~lock.respuestas.xlsx#").write_text("lupita,escolares,2026-11-16")

    code, out, err = historial(ws, "--fila", str(REVIEW), capsys=capsys)

    assert code == 0, err
    assert f", hoy en la fila {REVIEW}" in out
    assert "Veredicto: REVISIÓN MANUAL" in out


def test_a_response_from_before_events_shows_what_is_known_and_says_the_rest_was_not_recorded(
    tmp_path, pool, capsys
):
    ws = Workspace(tmp_path)  # the demo's: no wait for staff's decisions
    ws.cycle(pool)
    downgrade_to_version_8(ws.config.ledger)
    key = cell(ws, REVIEW, ID)

    code, out, err = historial(ws, "--fila", str(REVIEW), capsys=capsys)

    assert code == 0, err
    in_order(
        out,
        f"Campus demo: respuesta {key}, hoy en la fila {REVIEW}",
        "la bitácora no registraba la historia de cada respuesta: de lo anterior solo se "
        "sabe cómo quedó.",
        "2026-11-16 11:00  Veredicto: REVISIÓN MANUAL — NOMBRE_NO_COINCIDE",
        f"2026-11-16 11:00  Correo «resultado» <resultado.0.{key}@",
    )
    assert "Vista por primera vez" not in out
    assert all(line.endswith("(antes de esta versión)") for line in lines_with(out, "11:00  "))

    ws.clock.advance(5)  # after the upgrade, staff decide: that part is recorded
    ws.set_status(REVIEW, "No procede")
    ws.cycle(pool)
    code, out, _ = historial(ws, "--fila", str(REVIEW), "--json", capsys=capsys)

    (story,) = json.loads(out)
    assert story["complete"] is False and story["events_since"]
    rebuilt = [e for e in story["events"] if e.get("rebuilt")]
    assert [e["kind"] for e in rebuilt] == ["verdict", "written", "email"]
    assert rebuilt[2]["message_id"].startswith(f"<resultado.0.{key}@")
    recorded = [e for e in story["events"] if not e.get("rebuilt")]
    assert [e["kind"] for e in recorded][:1] == ["staff"]
    decision = [e for e in recorded if e["kind"] == "email"]
    assert [(e["notice"], e["status"]) for e in decision] == [("decision", "sent")]
    assert cell(ws, REVIEW, ESTADO) == "No procede"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "falta uno de: --fila --nss --correo"),
        (["--fila", "3", "--nss", "12220456789"], "--nss no se puede usar junto con --fila"),
        (["--fila", "uno"], "«uno» no es una fila de respuesta"),
    ],
)
def test_asking_wrongly_is_one_spanish_line(tmp_path, capsys, args, message):
    from facultativo import demo

    demo.build(tmp_path)
    code, _, err = historial(tmp_path / "facultativo.toml", *args, capsys=capsys)
    assert code == 2
    (line,) = err.splitlines()
    assert message in line


def test_the_help_is_spanish(capsys):
    with pytest.raises(SystemExit):
        main(["historial", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("uso: facultativo historial") and "--correo DIRECCIÓN" in out
    assert "usage" not in out and "show this help" not in out
