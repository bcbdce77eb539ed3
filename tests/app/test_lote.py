"""`facultativo lote`: the accepted students in one file for IMSS, then ALTA/BAJA APLICADA on
exactly those rows and one follow-up each. Each test drives the demo's workbook (or the fake
Google server) cycle by cycle and runs the command as the office runs it."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

from facultativo.cli import main
from facultativo.config import Digest, load
from facultativo.sync import digest
from facultativo.sync.cycle import run_cycle
from facultativo.wiring import open_runtime
from tests.support import google_env as g
from tests.support.sheet import ESTADO
from tests.support.workspace import EXPECTED, Crash, Workspace, crash_at, message_id

ID = "Validación: id"
NSS = "Número de Seguridad Social (NSS)"
CURP = "CURP"
NOTIFICADA = "Validación: notificada el"
ALBERTO, CARLA, MARINA, FRANCISCO = 3, 4, 13, 17  # the demo's rows
MARINA_NSS = "03200510190"  # a valid NSS that starts with 0
HEADER = [
    "NSS",
    "CURP",
    "Primer apellido",
    "Segundo apellido",
    "Nombre(s)",
    "Número de control",
    "Fecha de solicitud",
    "Tipo",
    "Registro patronal",
    "Observaciones",
    "id",
]


def lote(config: Workspace | Path, *args: str, capsys) -> tuple[int, str, str]:
    path = config.folder / "facultativo.toml" if isinstance(config, Workspace) else config
    code = main(["lote", "--config", str(path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def cell(ws: Workspace, row: int, title: str) -> str:
    return str(ws.rows()[row - 2].get(title) or "")


def set_cell(ws: Workspace, row: int, title: str, value: object) -> None:
    def change(sheet) -> None:
        header = [c.value for c in sheet[1]]
        target = sheet.cell(row, header.index(title) + 1)
        target.value = value
        if isinstance(value, str):
            target.data_type = "s"  # an answer as the Form saves it: text, never a formula

    ws.edit(change)


def decided_workspace(folder: Path, pool, grace: float = 0) -> Workspace:
    """The demo after its first cycle (ACEPTADA: Ana, Alberto, Carla's baja), where staff
    then applied Ana by hand and accepted two rows themselves: Marina's RECHAZADA
    (SIN_ADJUNTO: the constancia came by email; her NSS was typed as a number and lost
    its 0) and Francisco's REVISIÓN MANUAL (his typed name is not the constancia's)."""
    ws = Workspace(folder)
    ws.campus = replace(ws.campus, mail=replace(ws.campus.mail, espera_decision_minutos=grace))
    set_cell(ws, MARINA, NSS, int(MARINA_NSS))
    ws.cycle(pool)
    assert [cell(ws, r, ESTADO) for r in (2, ALBERTO, CARLA)] == ["ACEPTADA"] * 3
    ws.set_status(2, "ALTA APLICADA")
    ws.set_status(MARINA, "Aceptado")
    ws.set_status(FRANCISCO, "Procede")
    ws.clock.advance(1)
    ws.cycle(pool)  # staff's decisions seen (and, with no wait, mailed)
    return ws


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM: Excel shows the accents"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def aplicada_sent(ws: Workspace) -> Counter[str]:
    """Follow-up emails in the outbox, per response id (Message-ID aplicada.<gen>.<id>@…)."""
    ids = [message_id(p) for p in ws.emails()]
    return Counter(i.split("@")[0].split(".", 2)[2] for i in ids if i.startswith("aplicada."))


def test_the_batch_lists_each_accepted_row_not_yet_applied_with_its_name_in_three_fields(
    tmp_path, pool, capsys
):
    ws = decided_workspace(tmp_path, pool)

    code, out, err = lote(ws, "--salida", str(tmp_path / "lote.csv"), capsys=capsys)

    assert code == 0, err
    header, *rows = read_csv(tmp_path / "lote.csv")
    assert header == HEADER
    ids = {r: cell(ws, r, ID) for r in (ALBERTO, CARLA, MARINA, FRANCISCO)}
    assert [r[-1] for r in rows] == list(ids.values())  # sheet order, applied Ana left out
    by_id = {r[-1]: dict(zip(header, r, strict=True)) for r in rows}
    alberto, carla = by_id[ids[ALBERTO]], by_id[ids[CARLA]]
    assert alberto == {
        "NSS": "12210310020",
        "CURP": "RALA030504HQTMNLA0",
        "Primer apellido": "Ramírez",
        "Segundo apellido": "Luna",
        "Nombre(s)": "Alberto",
        "Número de control": "22140101",
        "Fecha de solicitud": "16/11/2026",
        "Tipo": "Alta",
        "Registro patronal": "Y6012345321",
        "Observaciones": "",
        "id": ids[ALBERTO],
    }
    assert (carla["Primer apellido"], carla["Segundo apellido"], carla["Tipo"]) == (
        "Sánchez",
        "Orozco",
        "Baja",
    )
    marina = by_id[ids[MARINA]]
    assert marina["NSS"] == MARINA_NSS  # typed as a number: its 0 comes back
    assert (marina["Primer apellido"], marina["Segundo apellido"]) == ("Guerrero", "Paz")
    francisco = by_id[ids[FRANCISCO]]  # what IMSS printed, not «Campos» as he typed
    assert [francisco[k] for k in ("Nombre(s)", "Primer apellido", "Segundo apellido")] == [
        "FRANCISCO",
        "AGUILAR",
        "CANO",
    ]
    assert francisco["NSS"] == cell(ws, FRANCISCO, "Validación: NSS leído")
    assert "como lo imprime la constancia" in francisco["Observaciones"]
    assert "lote de 4 solicitudes ACEPTADA por registrar en el IMSS (3 altas, 1 baja)" in out
    assert "permisos 600" in out
    assert f"fila {FRANCISCO}: nombre como lo imprime la constancia" in out
    assert "--aplicar" in out
    for nss in (r[0] for r in rows):
        assert nss not in out  # the terminal is not the file: no NSS there


def test_only_altas_or_only_bajas_and_only_requests_since_a_day(tmp_path, pool, capsys):
    ws = decided_workspace(tmp_path, pool)
    path = tmp_path / "lote.csv"

    assert lote(ws, "--salida", str(path), "--tipo", "baja", capsys=capsys)[0] == 0
    assert [r[-1] for r in read_csv(path)[1:]] == [cell(ws, CARLA, ID)]
    assert lote(ws, "--salida", str(path), "--desde", "2026-11-16", capsys=capsys)[0] == 0
    assert len(read_csv(path)) == 1 + 4

    path.unlink()
    code, out, _ = lote(ws, "--salida", str(path), "--desde", "2026-11-17", capsys=capsys)

    assert code == 0 and not path.exists()
    assert out.startswith(
        "Campus demo: ninguna solicitud ACEPTADA desde el 17/11/2026 espera registrarse en el "
        "IMSS; no se escribió"
    )


def test_the_tipo_is_taken_in_any_case(tmp_path, pool, capsys):
    """`--tipo ALTA`, as staff write it in the sheet, was refused by argparse."""
    ws = decided_workspace(tmp_path, pool)
    path = tmp_path / "lote.csv"

    code, _, err = lote(ws, "--salida", str(path), "--tipo", "BAJA", capsys=capsys)

    assert code == 0, err
    assert [r[-1] for r in read_csv(path)[1:]] == [cell(ws, CARLA, ID)]


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        (
            "solo-id.csv",
            b"id\r\nabc\r\n",
            "solo-id.csv no tiene las columnas «NSS», «CURP» y «Tipo»: --aplicar las compara "
            "con la hoja antes de marcar cada fila; usa el archivo que escribió facultativo lote.",
        ),
        (
            "sin-tipo.csv",
            b"NSS,CURP,id\r\n1,2,abc\r\n",
            "sin-tipo.csv no tiene la columna «Tipo»: --aplicar la compara con la hoja antes de "
            "marcar cada fila; usa el archivo que escribió facultativo lote.",
        ),
        (
            "roto.xlsx",
            b"esto no es un libro de Excel",
            "roto.xlsx no se pudo leer: no es un libro .xlsx válido (está dañado, o es otro tipo "
            "de archivo con esa extensión); usa el archivo que escribió facultativo lote.",
        ),
    ],
)
def test_a_file_that_is_not_a_batch_is_one_spanish_line_naming_what_it_lacks(
    tmp_path, capsys, name, content, said
):
    """«no tiene la columna «NSS» y «CURP» y «Tipo»», and «(BadZipFile)» for a broken
    workbook."""
    ws = Workspace(tmp_path)
    path = tmp_path / name
    path.write_bytes(content)

    code, _, err = lote(ws, "--aplicar", str(path), "--si", capsys=capsys)

    assert code == 1
    assert err.strip() == f"facultativo: {said}"


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_long_numero_de_control_goes_whole(tmp_path, pool, capsys, suffix):
    """The sheet's reading kept 40 characters: «=HYPERLINK("http://…"&A1,"clic")» went to
    the batch cut at its comma, and a number with the career after it lost the rest."""
    ws = Workspace(tmp_path)
    typed = "22140101, Ingeniería en Sistemas Computacionales, grupo B"
    set_cell(ws, ALBERTO, "Número de control", typed)
    ws.cycle(pool)
    path = tmp_path / f"lote.{suffix}"

    assert lote(ws, "--salida", str(path), capsys=capsys)[0] == 0

    if suffix == "csv":
        header, *rows = read_csv(path)
    else:
        header, *rows = [
            [str(v or "") for v in r]
            for r in load_workbook(path).active.iter_rows(values_only=True)
        ]
    alberto = next(
        dict(zip(header, r, strict=True)) for r in rows if r[-1] == cell(ws, ALBERTO, ID)
    )
    assert alberto["Número de control"] == typed


def test_the_csv_and_the_xlsx_keep_leading_zeros_accents_and_formulas_as_text_for_the_owner_only(
    tmp_path, pool, capsys
):
    ws = decided_workspace(tmp_path, pool)
    set_cell(ws, ALBERTO, "Número de control", "=1+1")  # typed by a student: never a formula
    (ws.folder / "facultativo.toml").write_text(
        (ws.folder / "facultativo.toml").read_text(encoding="utf-8")
        + '\n[campus.lote]\ncolumnas = ["fila", "tipo", "nss", "curp", "nombre_completo",'
        ' "numero_control"]\n',
        encoding="utf-8",
    )
    csv_path, xlsx_path = tmp_path / "lote.csv", tmp_path / "lote.xlsx"
    csv_path.write_text(",".join(HEADER) + "\r\n", encoding="utf-8")  # another day's batch
    csv_path.chmod(0o644)  # a file that was there, readable by others, is replaced

    for path in (csv_path, xlsx_path):
        code, _, err = lote(ws, "--salida", str(path), capsys=capsys)
        assert code == 0, err
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    header, *rows = read_csv(csv_path)
    assert header == ["Fila", "Tipo", "NSS", "CURP", "Nombre completo", "Número de control", "id"]
    marina = next(r for r in rows if r[0] == str(MARINA))
    assert marina[2] == MARINA_NSS
    alberto = next(r for r in rows if r[0] == str(ALBERTO))
    assert alberto[4] == "Alberto Ramírez Luna" and alberto[5] == "'=1+1"
    assert "Sánchez" in csv_path.read_bytes().decode("utf-8-sig")

    sheet = load_workbook(xlsx_path).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == header
    (marina_row,) = [row for row in sheet.iter_rows(min_row=2) if row[0].value == str(MARINA)]
    assert marina_row[2].value == MARINA_NSS and marina_row[2].data_type == "s"
    assert marina_row[2].number_format == "@"  # text: typing over it keeps the 0 too
    (alberto_row,) = [row for row in sheet.iter_rows(min_row=2) if row[0].value == str(ALBERTO)]
    assert alberto_row[5].value == "=1+1" and alberto_row[5].data_type == "s"
    assert [r[:5] for r in values[1:]] == [r[:5] for r in rows]  # the same rows as the CSV
    assert [r[-1] for r in values[1:]] == [r[-1] for r in rows]


def test_the_batch_is_never_written_over_the_responses_workbook_nor_a_file_that_is_not_a_batch(
    tmp_path, pool, capsys
):
    """`--salida respuestas.xlsx` once replaced the campus's workbook with the batch: every
    answer, the «Validación» block and staff's notes gone. The workbook (however its path
    is spelled), a file in the attachments folder and any file that is not a previous batch
    are refused in one line; the latter is replaced with --reemplazar."""
    ws = decided_workspace(tmp_path / "campus", pool)
    workbook = ws.workbook.read_bytes()
    (tmp_path / "enlace.xlsx").symlink_to(ws.workbook)
    (ws.folder / "sub").mkdir()
    spellings = [
        ws.workbook,
        ws.folder / "sub" / ".." / "respuestas.xlsx",
        tmp_path / "enlace.xlsx",
    ]

    for path in spellings:
        code, out, err = lote(ws, "--salida", str(path), "--reemplazar", capsys=capsys)
        assert code == 2 and not out
        assert err.strip() == (
            f"facultativo: {path} es el libro de respuestas del campus demo: el lote nunca se "
            "escribe encima (se perderían las respuestas y el bloque «Validación»); usa otro "
            "nombre, p. ej. --salida lote.xlsx."
        )
    assert ws.workbook.read_bytes() == workbook
    assert (tmp_path / "enlace.xlsx").is_symlink()

    notes = ws.folder / "notas.csv"  # the demo's attachments folder is its own folder
    notes.write_text("notas del personal", encoding="utf-8")
    code, _, err = lote(ws, "--salida", str(notes), "--reemplazar", capsys=capsys)
    assert code == 2 and "está en la carpeta de las constancias del campus demo" in err
    assert notes.read_text(encoding="utf-8") == "notas del personal"

    other = tmp_path / "otra.xlsx"
    load_workbook(ws.workbook).save(other)  # any workbook that is not a batch
    kept = other.read_bytes()
    code, out, err = lote(ws, "--salida", str(other), capsys=capsys)
    assert code == 2 and err.strip() == (
        f"facultativo: {other} ya existe y no es un lote de facultativo (no tiene la columna "
        "«id»): no se escribe encima; usa otro nombre, o agrega --reemplazar para reemplazarlo."
    )
    assert other.read_bytes() == kept

    assert lote(ws, "--salida", str(other), "--reemplazar", capsys=capsys)[0] == 0
    assert load_workbook(other).active.cell(1, len(HEADER)).value == "id"
    assert lote(ws, "--salida", str(other), capsys=capsys)[0] == 0  # a batch: replaced again


def test_a_row_accepted_over_a_curp_that_is_not_the_constancias_says_so_in_observaciones(
    tmp_path, pool, capsys
):
    """Staff accepted the demo's CURP_NO_COINCIDE (row 9): the batch carried the typed CURP,
    someone else's, with no word about it, and IMSS got it."""
    ws = decided_workspace(tmp_path, pool)
    row = next(i + 2 for i, (_, m) in enumerate(EXPECTED) if m == "CURP_NO_COINCIDE")
    ws.set_status(row, "Aceptado")
    ws.clock.advance(1)
    ws.cycle(pool)
    path = tmp_path / "lote.csv"

    code, out, err = lote(ws, "--salida", str(path), capsys=capsys)

    assert code == 0, err
    header, *rows = read_csv(path)
    by_id = {r[-1]: dict(zip(header, r, strict=True)) for r in rows}
    note = "la CURP escrita no es la de la constancia: revísala antes de registrar"
    assert note in by_id[cell(ws, row, ID)]["Observaciones"]
    assert f"fila {row}: {note}" in out
    assert all(note not in r["Observaciones"] for k, r in by_id.items() if k != cell(ws, row, ID))


def test_the_same_student_twice_in_a_batch_is_flagged_and_marked_once_so_one_follow_up_goes(
    tmp_path, pool, capsys
):
    """Staff accepted the demo's duplicate (row 16, Ana's second request, CONCLUIDA): Ana
    went twice in the batch with no word, and `--aplicar` marked both, two follow-ups."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    duplicate = next(i + 2 for i, (_, m) in enumerate(EXPECTED) if m == "SOLICITUD_DUPLICADA")
    ws.set_status(duplicate, "Aceptado")
    ws.clock.advance(1)
    ws.cycle(pool)
    path = tmp_path / "lote.csv"

    code, out, err = lote(ws, "--salida", str(path), capsys=capsys)

    assert code == 0, err
    header, *rows = read_csv(path)
    notes = {r[-1]: dict(zip(header, r, strict=True))["Observaciones"] for r in rows}
    assert notes[cell(ws, 2, ID)] == f"repetido en este lote: fila {duplicate} (mismo NSS o CURP)"
    assert notes[cell(ws, duplicate, ID)] == "repetido en este lote: fila 2 (mismo NSS o CURP)"
    assert notes[cell(ws, ALBERTO, ID)] == ""

    code, out, _ = lote(ws, "--aplicar", str(path), "--si", capsys=capsys)

    assert code == 1
    line = next(n for n, r in enumerate(rows, start=2) if r[-1] == cell(ws, 2, ID))
    assert "  No se marca 1 fila:\n" in out
    assert (
        f"(fila {duplicate} de la hoja): es el mismo estudiante (mismo NSS o CURP) que el "
        f"renglón {line} del archivo, que sí se marca"
    ) in out
    assert "Las que cambiaron" not in out
    assert (cell(ws, 2, ESTADO), cell(ws, duplicate, ESTADO)) == ("ALTA APLICADA", "Aceptado")
    for _ in range(2):
        ws.clock.advance(1)
        ws.cycle(pool)
    assert aplicada_sent(ws)[cell(ws, 2, ID)] == 1
    assert cell(ws, duplicate, ID) not in aplicada_sent(ws)


def test_a_student_already_applied_in_the_sheet_is_left_out_of_the_batch_and_never_marked_again(
    tmp_path, pool, capsys
):
    """Ana's alta went in a batch and was marked; staff then accepted her duplicate (row 16,
    CONCLUIDA): a later batch listed it again and `--aplicar` marked it, a second follow-up
    for one registration."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    duplicate = next(i + 2 for i, (_, m) in enumerate(EXPECTED) if m == "SOLICITUD_DUPLICADA")
    first = tmp_path / "primero.csv"
    assert lote(ws, "--salida", str(first), capsys=capsys)[0] == 0
    header, *rows = read_csv(first)
    with first.open("w", encoding="utf-8-sig", newline="") as fh:  # staff registered Ana only
        csv.writer(fh).writerows([header, *(r for r in rows if r[-1] == cell(ws, 2, ID))])
    ws.set_status(duplicate, "Aceptado")
    ws.clock.advance(1)
    ws.cycle(pool)
    both = tmp_path / "ambos.csv"  # made before Ana was marked: she and her duplicate
    assert lote(ws, "--salida", str(both), capsys=capsys)[0] == 0
    assert lote(ws, "--aplicar", str(first), "--si", capsys=capsys)[0] == 0
    assert cell(ws, 2, ESTADO) == "ALTA APLICADA"

    code, out, err = lote(ws, "--salida", str(tmp_path / "despues.csv"), capsys=capsys)

    assert code == 0, err
    _, *rows = read_csv(tmp_path / "despues.csv")
    assert cell(ws, duplicate, ID) not in [r[-1] for r in rows]
    assert (
        "  No van en el lote, porque el mismo estudiante (mismo NSS o CURP, mismo tipo) ya está "
        f"ALTA o BAJA APLICADA en otra fila: fila {duplicate} (como la fila 2); resuélvelas en "
        "la hoja.\n"
    ) in out

    code, out, _ = lote(ws, "--aplicar", str(both), "--si", capsys=capsys)

    assert code == 1
    assert (
        f"(fila {duplicate} de la hoja): el mismo estudiante (mismo NSS o CURP) ya está ALTA "
        "APLICADA en la fila 2: no se marca dos veces"
    ) in out
    assert "Las que cambiaron" not in out
    assert cell(ws, duplicate, ESTADO) == "Aceptado"
    for _ in range(2):
        ws.clock.advance(1)
        ws.cycle(pool)
    assert aplicada_sent(ws)[cell(ws, 2, ID)] == 1
    assert cell(ws, duplicate, ID) not in aplicada_sent(ws)


def test_applying_the_batch_marks_exactly_its_rows_and_each_student_hears_once(
    tmp_path, pool, capsys
):
    """Staff registered in IMSS the rows they kept in the file (not Carla's): those, and
    only those, become ALTA/BAJA APLICADA; after the wait each student gets one follow-up."""
    ws = decided_workspace(tmp_path, pool, grace=10)
    path = tmp_path / "lote.xlsx"
    assert lote(ws, "--salida", str(path), capsys=capsys)[0] == 0
    book = load_workbook(path)
    rows = [r[-1].value for r in book.active.iter_rows(min_row=2)]
    book.active.delete_rows(2 + rows.index(cell(ws, CARLA, ID)))  # not registered yet
    book.save(path)
    before = {r: cell(ws, r, ESTADO) for r in range(2, 22)}

    code, out, err = lote(ws, "--aplicar", str(path), "--si", capsys=capsys)

    assert code == 0, err
    assert "Marcadas 3 filas (3 ALTA APLICADA)" in out
    after = {r: cell(ws, r, ESTADO) for r in range(2, 22)}
    changed = {r: after[r] for r in after if after[r] != before[r]}
    assert changed == {
        ALBERTO: "ALTA APLICADA",
        MARINA: "ALTA APLICADA",
        FRANCISCO: "ALTA APLICADA",
    }
    keys = [cell(ws, r, ID) for r in (ALBERTO, MARINA, FRANCISCO)]
    assert not aplicada_sent(ws)

    ws.clock.advance(1)
    ws.cycle(pool)  # sees the marks: the wait starts
    assert not aplicada_sent(ws)
    ws.clock.advance(11)
    ws.cycle(pool)
    ws.clock.advance(11)
    ws.cycle(pool)

    assert aplicada_sent(ws) == Counter(dict.fromkeys(keys, 1)) + Counter({cell(ws, 2, ID): 1})
    assert cell(ws, ALBERTO, NOTIFICADA).endswith("(seguimiento)")
    assert cell(ws, CARLA, ESTADO) == "ACEPTADA"

    code, out, _ = lote(ws, "--aplicar", str(path), "--si", capsys=capsys)  # again: no-op
    assert code == 0 and "Nada que marcar." in out and "Ya estaban marcadas" in out
    assert main(["historial", "--config", str(ws.folder / "facultativo.toml"), "--fila", "3"]) == 0
    story = capsys.readouterr().out
    assert "Marcada «ALTA APLICADA» con facultativo lote --aplicar (archivo lote.xlsx)" in story


def test_an_open_workbook_is_read_for_the_batch_and_only_marking_waits_for_it_to_close(
    tmp_path, pool, capsys
):
    """Staff keep respuestas.xlsx open in LibreOffice all day: `lote` refused to make the
    batch (reading is safe); only the marks, which their save would undo, wait."""
    ws = decided_workspace(tmp_path, pool)
    lock = tmp_path / ".~lock.respuestas.xlsx#"
    lock.write_text("lupita,escolares,2026-11-16")
    path = tmp_path / "lote.csv"
    before = ws.workbook.read_bytes()

    code, out, err = lote(ws, "--salida", str(path), capsys=capsys)

    assert code == 0, err
    assert "respuestas.xlsx está abierto en Excel o LibreOffice (.~lock.respuestas.xlsx#); " in out
    assert len(read_csv(path)) == 5  # the header and the four ACEPTADA rows

    code, out, err = lote(ws, "--aplicar", str(path), "--si", capsys=capsys)

    assert code == 1
    assert "Marcadas" not in out
    assert err.strip() == (
        "facultativo: respuestas.xlsx está abierto en Excel o LibreOffice "
        "(.~lock.respuestas.xlsx#): ciérralo y vuelve a ejecutar el comando para marcar (al "
        "guardarlo se perderían las marcas); no se marcó nada."
    )
    assert ws.workbook.read_bytes() == before
    lock.unlink()

    code, out, err = lote(ws, "--aplicar", str(path), "--si", capsys=capsys)

    assert code == 0, err
    assert "Marcadas 4 filas (3 ALTA APLICADA, 1 BAJA APLICADA)" in out


# Between the mark and the follow-up: the cycle killed before it read, after it noted the
# marks, after it recorded, with the email's intent recorded, and after a send recorded
# (the kill between the server's 250 and that record is the machinery's one known duplicate
# window, tests/sync/test_crash.py).
KILLS = [("read", 1), ("validated", 1), ("recorded", 1), ("intent", 1), ("sent", 1), ("sent", 2)]


@pytest.mark.parametrize(("step", "occurrence"), KILLS, ids=[f"{s}-{n}" for s, n in KILLS])
def test_a_kill_between_marking_and_mailing_still_mails_each_student_exactly_once(
    tmp_path, pool, capsys, step, occurrence
):
    ws = decided_workspace(tmp_path, pool)
    path = tmp_path / "lote.csv"
    assert lote(ws, "--salida", str(path), capsys=capsys)[0] == 0
    assert lote(ws, "--aplicar", str(path), "--si", capsys=capsys)[0] == 0
    keys = [cell(ws, r, ID) for r in (ALBERTO, CARLA, MARINA, FRANCISCO)]

    with pytest.raises(Crash):
        ws.cycle(pool, checkpoint=crash_at(step, occurrence))
    ws.cycle(pool)  # the restart
    ws.cycle(pool)  # and one with nothing left

    sent = aplicada_sent(ws)
    assert {k: sent[k] for k in keys} == dict.fromkeys(keys, 1)
    assert all(cell(ws, r, NOTIFICADA).endswith("(seguimiento)") for r in (ALBERTO, CARLA))


def test_a_kill_of_the_whole_process_after_marking_mails_each_student_once(tmp_path, pool, capsys):
    """`sync --once` killed with SIGKILL as soon as the first follow-up is in the outbox,
    then run again."""
    ws = decided_workspace(tmp_path, pool)
    path = tmp_path / "lote.csv"
    assert lote(ws, "--salida", str(path), capsys=capsys)[0] == 0
    assert lote(ws, "--aplicar", str(path), "--si", capsys=capsys)[0] == 0
    keys = [cell(ws, r, ID) for r in (ALBERTO, CARLA, MARINA, FRANCISCO)]
    command = [sys.executable, "-m", "facultativo.cli", "sync", "--config"]
    command += [str(ws.folder / "facultativo.toml"), "--once"]

    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not aplicada_sent(ws) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.kill()
    process.wait()
    assert subprocess.run(command, capture_output=True, timeout=120).returncode == 0

    sent = aplicada_sent(ws)
    assert set(keys) <= set(sent)
    # one follow-up each; a kill inside a send (after the file, before its record) may
    # repeat that one email, and only that one (the machinery's duplicate window)
    assert sum(sent[k] for k in keys) - len(keys) <= 1


def test_rows_that_changed_since_the_file_was_made_are_listed_and_the_rest_is_marked(
    tmp_path, pool, capsys
):
    ws = decided_workspace(tmp_path, pool)
    path = tmp_path / "lote.csv"
    assert lote(ws, "--salida", str(path), capsys=capsys)[0] == 0
    ws.set_status(ALBERTO, "RECHAZADA")  # staff changed their mind
    set_cell(ws, CARLA, CURP, "SAOC020120MQTNRRA6")  # the student edited the answer
    header, *rows = read_csv(path)
    francisco_id = cell(ws, FRANCISCO, ID)
    for row in rows:
        if row[-1] == francisco_id:
            row[0] = "12230510170"  # someone retyped the NSS in the file
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    marina_id = cell(ws, MARINA, ID)

    def delete_marina(sheet) -> None:
        sheet.delete_rows(MARINA)

    ws.edit(delete_marina)
    teresa = 19  # after Marina's row went: Teresa (REVISIÓN MANUAL) accepted by staff too
    assert cell(ws, teresa, "Nombre completo") == "Teresa Vázquez Molina"
    ws.set_status(teresa, "ACEPTADA")

    code, out, _ = lote(ws, "--aplicar", str(path), "--si", capsys=capsys)

    assert code == 1  # some rows were refused
    assert "No se marcan 4 filas" in out
    lines = out.splitlines()
    assert any(
        f"(fila {ALBERTO} de la hoja): su estado ya no es ACEPTADA: «RECHAZADA»" in x for x in lines
    )
    assert any(f"(fila {CARLA} de la hoja): el estudiante cambió su respuesta" in x for x in lines)
    assert any("(ya no está en la hoja): ya no está en la hoja" in x for x in lines)
    assert any(
        f"(fila {FRANCISCO - 1} de la hoja): cambió el NSS desde que se hizo el archivo" in x
        for x in lines
    )
    assert "Nada que marcar." in out
    assert cell(ws, ALBERTO, ESTADO) == "RECHAZADA" and cell(ws, CARLA, ESTADO) == "ACEPTADA"
    assert marina_id not in [r[ID] for r in ws.rows()]

    # a batch with Teresa in it too: she is marked, the others still refused
    assert lote(ws, "--salida", str(tmp_path / "otro.csv"), capsys=capsys)[0] == 0
    _, *rows2 = read_csv(tmp_path / "otro.csv")
    with path.open("a", encoding="utf-8", newline="") as fh:
        teresa_row = next(r for r in rows2 if r[-1] == cell(ws, teresa, ID))
        csv.writer(fh).writerow(teresa_row)

    code, out, _ = lote(ws, "--aplicar", str(path), "--si", capsys=capsys)

    assert code == 1 and "Marcada 1 fila (1 ALTA APLICADA)" in out
    assert cell(ws, teresa, ESTADO) == "ALTA APLICADA"
    assert cell(ws, ALBERTO, ESTADO) == "RECHAZADA" and cell(ws, CARLA, ESTADO) == "ACEPTADA"


def test_a_file_from_another_installation_is_said_in_one_line_and_its_foreign_rows_apart(
    tmp_path, pool, capsys
):
    """The other campus's batch, applied here, was «renglón N del archivo (ya no está en la
    hoja)» once per row, under «cambiaron… márcalas a mano si ya las registraste»."""
    ws = decided_workspace(tmp_path / "aqui", pool)
    other = decided_workspace(tmp_path / "alla", pool)  # its own ledger: other ids
    theirs, ours = tmp_path / "suyo.csv", tmp_path / "nuestro.csv"
    assert lote(other, "--salida", str(theirs), capsys=capsys)[0] == 0
    assert lote(ws, "--salida", str(ours), capsys=capsys)[0] == 0
    before = ws.workbook.read_bytes()

    code, out, err = lote(ws, "--aplicar", str(theirs), "--si", capsys=capsys)

    assert code == 1
    assert err.strip() == (
        "facultativo: ningún id de suyo.csv corresponde a una respuesta del campus demo: el "
        "archivo es de otro campus o de otra instalación; no se marcó nada."
    )
    assert "renglón" not in out and "márcalas a mano" not in out
    assert ws.workbook.read_bytes() == before

    header, *rows = read_csv(ours)
    _, *foreign = read_csv(theirs)
    with ours.open("w", encoding="utf-8-sig", newline="") as fh:  # one row pasted from theirs
        csv.writer(fh).writerows([header, *rows, foreign[0]])

    code, out, err = lote(ws, "--aplicar", str(ours), "--si", capsys=capsys)

    assert code == 1
    assert "Marcadas 4 filas (3 ALTA APLICADA, 1 BAJA APLICADA)" in out
    line = len(rows) + 2
    assert (
        f"    renglón {line} del archivo: su id no corresponde a ninguna respuesta de este campus\n"
    ) in out
    assert "ya no está en la hoja" not in out and "Las que cambiaron" not in out


def test_a_file_from_another_campus_of_the_installation_names_that_campus(tmp_path, pool, capsys):
    ws = Workspace(tmp_path)
    book = load_workbook(ws.workbook)  # the other campus's students: other addresses
    sheet = book.worksheets[0]
    at = [c.value for c in sheet[1]].index("Dirección de correo electrónico") + 1
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, at).value = f"norte.{sheet.cell(row, at).value}"
    book.save(tmp_path / "norte.xlsx")
    toml = tmp_path / "facultativo.toml"
    text = toml.read_text("utf-8")
    campus = text[text.index("[[campus]]") :]
    north = campus.replace('name = "demo"', 'name = "norte"').replace(
        '"respuestas.xlsx"', '"norte.xlsx"'
    )
    toml.write_text(text + "\n" + north, "utf-8")
    config = load(toml)
    for each in config.campuses:
        with open_runtime(config, each, pool, False, None) as rt:
            rt.hooks.clock = ws.clock
            run_cycle(rt)
    path = tmp_path / "lote-norte.csv"
    assert lote(ws, "--campus", "norte", "--salida", str(path), capsys=capsys)[0] == 0

    code, _, err = lote(ws, "--campus", "demo", "--aplicar", str(path), "--si", capsys=capsys)

    assert code == 1
    assert err.strip() == (
        "facultativo: ningún id de lote-norte.csv corresponde a una respuesta del campus demo: "
        "el archivo es del campus norte: vuelve a ejecutarlo con --campus norte; no se marcó "
        "nada."
    )


def test_applying_asks_with_the_count_and_without_a_terminal_refuses_unless_told_si(
    tmp_path, pool, capsys
):
    ws = decided_workspace(tmp_path, pool)
    path = tmp_path / "lote.xlsx"
    assert lote(ws, "--salida", str(path), capsys=capsys)[0] == 0
    shown = {r: cell(ws, r, ESTADO) for r in (ALBERTO, CARLA)}

    unattended = in_a_terminal(ws, path, None)  # cron, a script: no terminal

    assert unattended.returncode == 1
    assert unattended.stderr.strip() == (
        "facultativo: no hay una terminal para confirmar; para marcar 4 filas (3 ALTA "
        "APLICADA, 1 BAJA APLICADA) sin preguntar, agrega --si."
    )
    assert {r: cell(ws, r, ESTADO) for r in shown} == shown

    answered = in_a_terminal(ws, path, "n\n")
    assert "¿Marcar 4 filas (3 ALTA APLICADA, 1 BAJA APLICADA)?" in answered.stdout
    assert answered.returncode == 1 and "No se marcó nada." in answered.stdout
    assert {r: cell(ws, r, ESTADO) for r in shown} == shown

    answered = in_a_terminal(ws, path, "s\n")
    assert answered.returncode == 0, answered.stderr
    assert "Marcadas 4 filas (3 ALTA APLICADA, 1 BAJA APLICADA)" in answered.stdout
    assert cell(ws, ALBERTO, ESTADO) == "ALTA APLICADA"
    assert cell(ws, CARLA, ESTADO) == "BAJA APLICADA"


def in_a_terminal(ws: Workspace, path: Path, typed: str | None) -> subprocess.CompletedProcess[str]:
    """`lote --aplicar` with a real terminal as its input, where a person types `typed`
    (None: no terminal at all, as under cron)."""
    import pty

    command = [sys.executable, "-m", "facultativo.cli", "lote", "--config"]
    command += [str(ws.folder / "facultativo.toml"), "--aplicar", str(path)]
    if typed is None:
        return subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120
        )
    main_fd, terminal = pty.openpty()
    try:
        os.write(main_fd, typed.encode())
        return subprocess.run(command, stdin=terminal, capture_output=True, text=True, timeout=120)
    finally:
        os.close(terminal)
        os.close(main_fd)


def test_clearing_the_estado_before_the_next_cycle_undoes_the_mark_and_mails_nobody(
    tmp_path, pool, capsys
):
    ws = decided_workspace(tmp_path, pool)
    path = tmp_path / "lote.csv"
    assert lote(ws, "--salida", str(path), capsys=capsys)[0] == 0
    code, out, _ = lote(ws, "--aplicar", str(path), "--si", capsys=capsys)
    assert code == 0 and f"borra el estado de las filas {ALBERTO} y {CARLA}" in out
    emails = sorted(message_id(p) for p in ws.emails())
    for row in (ALBERTO, CARLA):  # facultativo's ACEPTADA: cleared, it is validated again
        ws.set_status(row, None)
    for row, before in ((MARINA, "Aceptado"), (FRANCISCO, "Procede")):  # staff's: typed back
        ws.set_status(row, before)

    ws.clock.advance(5)
    ws.cycle(pool)
    ws.clock.advance(5)
    ws.cycle(pool)

    assert sorted(message_id(p) for p in ws.emails()) == emails  # nobody hears anything
    assert list(aplicada_sent(ws)) == [cell(ws, 2, ID)]  # Ana's, applied by hand before
    assert [cell(ws, r, ESTADO) for r in (ALBERTO, CARLA)] == ["ACEPTADA", "ACEPTADA"]
    assert lote(ws, "--salida", str(path), capsys=capsys)[0] == 0
    assert len(read_csv(path)) == 1 + 4  # all four wait for the batch again


def test_following_the_undo_advice_keeps_the_rows_staff_accepted_themselves_accepted(
    tmp_path, pool, capsys
):
    """The advice once said to clear every marked row: Marina's ACEPTADA was staff's
    «Aceptado» over a RECHAZADA, Francisco's «Procede» over a REVISIÓN MANUAL; cleared,
    each went back to facultativo's verdict with no email, and the students, told their
    alta proceeds, never heard again. The output names those rows and what to type back."""
    ws = decided_workspace(tmp_path, pool)
    path = tmp_path / "lote.csv"
    assert lote(ws, "--salida", str(path), capsys=capsys)[0] == 0
    before = {r: cell(ws, r, ESTADO) for r in (ALBERTO, CARLA, MARINA, FRANCISCO)}
    emails = sorted(message_id(p) for p in ws.emails())

    code, out, _ = lote(ws, "--aplicar", str(path), "--si", capsys=capsys)

    assert code == 0
    assert (
        f"    borra el estado de las filas {ALBERTO} y {CARLA} (facultativo las valida de nuevo "
        "y, con el mismo resultado, no le escribe a nadie);\n"
        f"    en las filas {MARINA} y {FRANCISCO} la ACEPTADA fue decisión del personal: no "
        "borres su estado (se quedaría con el resultado de facultativo y el estudiante no "
        "volvería a saber de su trámite); escribe de nuevo lo que decía: "
        f"fila {MARINA} «Aceptado» (facultativo dijo RECHAZADA), "
        f"fila {FRANCISCO} «Procede» (facultativo dijo REVISIÓN MANUAL).\n"
    ) in out
    for row in (ALBERTO, CARLA):  # as the output says
        ws.set_status(row, None)
    for row, typed in ((MARINA, "Aceptado"), (FRANCISCO, "Procede")):
        ws.set_status(row, typed)
    for _ in range(2):
        ws.clock.advance(5)
        ws.cycle(pool)

    assert {r: cell(ws, r, ESTADO) for r in before} == before
    assert sorted(message_id(p) for p in ws.emails()) == emails


def test_typing_back_the_decision_while_the_follow_up_waits_stops_it(tmp_path, pool, capsys):
    """The cycle saw the marks and the follow-ups wait `espera_decision_minutos`: typing
    back what the estado said (facultativo's ACEPTADA, staff's «Procede») stops them."""
    ws = decided_workspace(tmp_path, pool, grace=10)
    path = tmp_path / "lote.csv"
    assert lote(ws, "--salida", str(path), capsys=capsys)[0] == 0
    assert lote(ws, "--aplicar", str(path), "--si", capsys=capsys)[0] == 0
    ws.clock.advance(1)
    assert ws.cycle(pool).waiting == 4 + 1  # seen; each follow-up waits (and Ana's, by hand)
    ws.set_status(ALBERTO, "ACEPTADA")
    ws.set_status(FRANCISCO, "Procede")

    for _ in range(2):
        ws.clock.advance(11)
        ws.cycle(pool)

    sent = aplicada_sent(ws)
    assert cell(ws, ALBERTO, ID) not in sent and cell(ws, FRANCISCO, ID) not in sent
    assert sent[cell(ws, CARLA, ID)] == 1 and sent[cell(ws, MARINA, ID)] == 1


def test_the_digest_says_how_many_accepted_rows_wait_for_the_batch_only_when_some_do(
    tmp_path, pool, capsys
):
    ws = decided_workspace(tmp_path, pool)
    ws.campus = replace(ws.campus, digest=Digest(("jefa@demo.example.mx",)))

    def build():
        with open_runtime(ws.config, ws.campus, pool) as rt:
            rt.hooks.clock = ws.clock
            return digest.build(rt, ws.campus.digest.recipients, ws.clock())

    first = build()
    lines = [x for x in first.text.splitlines() if "registrarse en el IMSS" in x]
    command = f"facultativo lote --config {(tmp_path / 'facultativo.toml').resolve()}"
    assert lines == [  # with the install's --config: without it the command finds no file
        "ACEPTADA que esperan registrarse en el IMSS: 4 (el archivo para hacerlo: "
        f"{command} --salida lote.xlsx)"
    ]
    assert "registrarse en el IMSS:</strong> 4" in first.html
    assert f"<code>{command} --salida lote.xlsx</code>" in first.html

    path = tmp_path / "lote.csv"
    assert lote(ws, "--salida", str(path), capsys=capsys)[0] == 0
    assert lote(ws, "--aplicar", str(path), "--si", capsys=capsys)[0] == 0
    after = build()
    assert "registrarse en el IMSS" not in after.text + after.html


@pytest.mark.parametrize(
    ("table", "line"),
    [
        (
            'columnas = ["nss", "curp", "tipo", "apellido"]',
            "lote.columnas: «apellido» no es una columna del lote; ¿quisiste decir "
            "«primer_apellido»? (válidas: nss, curp, primer_apellido,",
        ),
        (
            'columnas = ["nss", "curp", "tipo", "nss"]',
            "lote.columnas: «nss» está dos veces; déjala una sola vez.",
        ),
        (
            'columnas = ["nss", "primer_apellido"]',
            "lote.columnas: falta «curp», «tipo»: --aplicar compara NSS, CURP y tipo con la "
            "hoja antes de marcar cada fila.",
        ),
        (
            'columnas = ["nss", "curp", "tipo", "id"]',
            "lote.columnas: «id» no se escribe aquí: el lote la lleva siempre como última "
            "columna, para que --aplicar sepa qué respuesta es cada fila.",
        ),
        ("columnas = []", "lote.columnas está vacía: escribe las columnas del lote en orden"),
        ('columnas = "nss"', "lote.columnas: falta «curp», «tipo»"),
        ("columnas = [1, 2]", "lote.columnas debe ser una lista de textos"),
        (
            'registro_patronal = "123"',
            'lote.registro_patronal = "123": no parece un registro patronal',
        ),
        (
            'columna = ["nss"]',
            "[campus.lote] de «qro»: «columna» no es una opción conocida; "
            "¿quisiste decir «columnas»?",
        ),
    ],
)
def test_lote_columns_are_checked_with_one_spanish_line_each(tmp_path, table, line):
    from tests.support.config_files import problems

    found = problems(tmp_path, f"[campus.lote]\n{table}\n")
    assert any(line in p for p in found), found
    assert len(found) == 1, found


def test_the_columns_and_the_registro_come_from_the_campus_lote_table(tmp_path):
    from tests.support.config_files import config

    campus = config(
        tmp_path,
        'registros_patronales = ["Y6012345321", "E1234567890"]\n'
        '[campus.lote]\ncolumnas = ["tipo", "curp", "nss"]\nregistro_patronal = "E1234567890"\n',
    ).campuses[0]
    assert campus.lote.columnas == ("tipo", "curp", "nss")
    assert campus.registro == "E1234567890"


def test_on_google_sheets_the_batch_marks_its_rows_and_the_cycle_mails_each_student_once(
    tmp_path, pool, fake, capsys
):
    from tests.support.workspace import Clock

    book = g.spreadsheet(fake, g.demo_rows(fake))
    config = g.config(tmp_path, fake)
    clock = Clock()
    g.cycle(config, pool, clock=clock)
    estados = g.column(book, ESTADO)
    accepted = [i + 2 for i, e in enumerate(estados) if e == "ACEPTADA"]
    assert accepted == [2, ALBERTO, CARLA]
    path = tmp_path / "lote.xlsx"

    code, _, err = lote(config, "--salida", str(path), capsys=capsys)

    assert code == 0, err
    sheet = load_workbook(path).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    ids = g.column(book, ID)
    assert [r[-1] for r in rows[1:]] == [ids[r - 2] for r in accepted]
    assert rows[1][:5] == ["12220456789", "MAGA040312MQTRMNA3", "Martínez", "Gómez", "Ana Sofía"]

    code, _, err = lote(config, "--aplicar", str(path), "--si", capsys=capsys)

    assert code == 0, err
    estados = g.column(book, ESTADO)
    assert [estados[r - 2] for r in accepted] == ["ALTA APLICADA", "ALTA APLICADA", "BAJA APLICADA"]
    for _ in range(3):  # the wait ([campus.mail] espera_decision_minutos, 10), then mailed
        clock.advance(6)
        g.cycle(config, pool, clock=clock)
    outbox = tmp_path / "outbox"
    sent = Counter(message_id(p).split("@")[0] for p in outbox.glob("*.eml"))
    applied = {f"aplicada.0.{ids[r - 2]}" for r in accepted}
    assert {k: v for k, v in sent.items() if k.startswith("aplicada.")} == dict.fromkeys(applied, 1)


def test_the_demo_writes_the_batch_of_its_accepted_rows_and_says_how_to_apply_it(tmp_path):
    folder = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "facultativo.cli", "demo", "--dir", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout

    lote_path = folder / "lote.csv"
    assert stat.S_IMODE(lote_path.stat().st_mode) == 0o600
    header, *rows = read_csv(lote_path)
    assert header == HEADER
    assert [r[:5] for r in rows] == [
        ["12210310020", "RALA030504HQTMNLA0", "Ramírez", "Luna", "Alberto"]
    ]
    assert f"{lote_path}: el lote de las ACEPTADA que faltan por registrar en el IMSS (1)" in out
    assert f"facultativo lote --config {folder / 'facultativo.toml'} --aplicar {lote_path}" in out
    assert f"facultativo historial --config {folder / 'facultativo.toml'} --fila 2" in out


def test_the_help_is_spanish(capsys):
    with pytest.raises(SystemExit):
        main(["lote", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("uso: facultativo lote") and "--aplicar ARCHIVO" in out
    assert "usage" not in out and "show this help" not in out
