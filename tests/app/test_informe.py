"""`facultativo informe`: facultativo's verdicts against staff's decisions (issue 13, point 2).

Staff decide by typing over our estado, or in «Validación: decisión del personal»;
the report gives the agreement rate, the estado × estado table and each disagreeing
row with its detalle, and never changes the sheet or the ledger.
"""

from __future__ import annotations

import hashlib
import json

from facultativo import demo
from facultativo.cli import main
from tests.support.sheet import ESTADO
from tests.support.workspace import EXPECTED, Workspace

DECISION = "Validación: decisión del personal"


def informe(ws: Workspace, capsys, *extra: str) -> tuple[int, str, str]:
    code = main(["informe", "--config", str(ws.folder / "facultativo.toml"), *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


def rows_with(ws: Workspace, estado: str) -> list[int]:
    return [i + 2 for i, r in enumerate(ws.rows()) if r[ESTADO] == estado]


def override(ws: Workspace) -> dict[str, int]:
    """What staff do in the shadow weeks: agree by applying, disagree by typing over."""
    picks = {
        "rechazada_aceptada": rows_with(ws, "RECHAZADA")[0],
        "concluida_rechazada": rows_with(ws, "CONCLUIDA")[0],
        "revision_aceptada": rows_with(ws, "REVISIÓN MANUAL")[0],
        "aceptada_aplicada": rows_with(ws, "ACEPTADA")[0],
    }
    ws.set_status(picks["rechazada_aceptada"], "ACEPTADA")
    ws.set_status(picks["concluida_rechazada"], "Rechazado")  # staff's own word
    ws.set_status(picks["revision_aceptada"], "aceptada")
    ws.set_status(picks["aceptada_aplicada"], "ALTA APLICADA")
    return picks


def test_informe_on_the_demo_after_staff_overrides(tmp_path, pool, capsys):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    picks = override(ws)
    code, out, err = informe(ws, capsys, "--json")
    assert (code, err) == (0, "")
    report = json.loads(out)[0]
    assert (report["coinciden"], report["comparadas"]) == (1, 3)
    assert report["revision_resueltas"] == 1
    confusion = {(c["facultativo"], c["personal"]): c["filas"] for c in report["confusion"]}
    assert confusion == {
        ("ACEPTADA", "ACEPTADA"): 1,
        ("RECHAZADA", "ACEPTADA"): 1,
        ("CONCLUIDA", "RECHAZADA"): 1,
        ("REVISION_MANUAL", "ACEPTADA"): 1,
    }
    rows = {d["fila"]: d for d in report["desacuerdos"]}
    assert set(rows) == {picks["rechazada_aceptada"], picks["concluida_rechazada"]}
    assert all(d["detalle"] and d["motivos"] for d in rows.values())  # the evidence, and why
    # The same in text, with the table and the rate.
    code, text, _ = informe(ws, capsys)
    assert code == 0
    assert "Coinciden: 1 de 3" in text and "33%" in text
    assert "facultativo \\ personal" in text
    assert f"fila {picks['rechazada_aceptada']}: facultativo RECHAZADA" in text
    for r in ws.rows():  # no NSS or address of anyone in the report
        assert str(r["Número de Seguridad Social (NSS)"]) not in text
        assert r["Dirección de correo electrónico"] not in text


def test_informe_changes_nothing(tmp_path, pool, capsys):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    override(ws)
    files = [ws.workbook, ws.config.ledger]
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]
    assert informe(ws, capsys)[0] == 0
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in files] == before
    assert ws.cycle(pool).processed == 0  # and the next cycle sees staff's estados as before


def test_a_staff_decision_column_is_compared_and_our_estados_stay(tmp_path, pool, capsys):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    accepted, rejected = rows_with(ws, "ACEPTADA")[0], rows_with(ws, "RECHAZADA")[0]

    def staff_column(sheet):
        col = sheet.max_column + 1
        sheet.cell(1, col).value = DECISION
        sheet.cell(accepted, col).value = "Aceptado"
        sheet.cell(rejected, col).value = "aceptada"
        sheet.cell(rejected + 1, col).value = "ya le hablé"  # not a decision we can read

    ws.edit(staff_column)
    code, out, _ = informe(ws, capsys, "--json")
    assert code == 0
    report = json.loads(out)[0]
    assert (report["coinciden"], report["comparadas"]) == (1, 2)
    assert [d["fila"] for d in report["desacuerdos"]] == [rejected]
    assert report["no_reconocidas"] == [{"fila": rejected + 1, "texto": "ya le hablé"}]
    ws.cycle(pool)
    assert ws.rows()[accepted - 2][ESTADO] == "ACEPTADA"  # the column never overrides ours


def test_anterior_rows_are_shown_only_when_asked(tmp_path, pool, capsys):
    demo.build(tmp_path)
    toml = tmp_path / "facultativo.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("2026-11-01T00:00", "2026-11-16T10:00"),
        encoding="utf-8",
    )
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    old = rows_with(ws, "ANTERIOR")
    assert old

    def staff_column(sheet):
        col = sheet.max_column + 1
        sheet.cell(1, col).value = DECISION
        for row in old:
            sheet.cell(row, col).value = "RECHAZADA"

    ws.edit(staff_column)
    hidden = json.loads(informe(ws, capsys, "--json")[1])[0]
    assert hidden["anteriores"] == len(old)
    assert all(c["facultativo"] != "ANTERIOR" for c in hidden["confusion"])
    shown = json.loads(informe(ws, capsys, "--json", "--anteriores")[1])[0]
    confusion = {(c["facultativo"], c["personal"]): c["filas"] for c in shown["confusion"]}
    assert confusion[("ANTERIOR", "RECHAZADA")] == len(old)
    assert shown["comparadas"] == hidden["comparadas"]  # never counted as agreement or not


def test_desde_limits_the_report_to_later_responses(tmp_path, pool, capsys):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    override(ws)
    everything = json.loads(informe(ws, capsys, "--json")[1])[0]
    later = json.loads(informe(ws, capsys, "--json", "--desde", "2026-11-17")[1])[0]
    assert everything["comparadas"] == 3
    assert later["comparadas"] == 0 and later["sin_decision"] == 0
    code, _, err = informe(ws, capsys, "--desde", "ayer")
    assert code == 2 and "--desde" in err and "AAAA-MM-DD" in err


def test_html_report_and_a_path_that_cannot_be_written(tmp_path, pool, capsys):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    override(ws)
    page = tmp_path / "informe.html"
    code, out, _ = informe(ws, capsys, "--html", str(page))
    assert code == 0 and str(page) in out
    html = page.read_text(encoding="utf-8")
    assert "<table" in html and "Filas en desacuerdo (2)" in html
    code, _, err = informe(ws, capsys, "--html", str(tmp_path / "no-existe" / "x.html"))
    assert code == 1 and err.count("\n") == 1 and "no se pudo escribir" in err


def test_before_any_staff_decision_the_report_says_so(tmp_path, pool, capsys):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    code, out, _ = informe(ws, capsys)
    assert code == 0
    assert "Todavía no hay veredictos de facultativo con decisión del personal" in out
    assert f"Sin decisión del personal: {len(EXPECTED) - 1} — " in out  # all but ERROR TEMPORAL


def test_each_count_says_in_one_line_what_it_counts(tmp_path, pool, capsys):
    """«sin decisión del personal: 17» said nothing of what it meant. Each count is its
    own line with what it counts, and every response is in exactly one of them."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    override(ws)  # 3 compared (1 agrees), 1 REVISIÓN MANUAL settled
    unreadable = rows_with(ws, "RECHAZADA")[-1]

    def staff_and_a_new_answer(sheet):
        col = sheet.max_column + 1
        sheet.cell(1, col).value = DECISION
        sheet.cell(unreadable, col).value = "ya le hablé"
        new = [c.value for c in sheet[2]][:9]  # an answer after the cycle: no verdict yet
        new[0], new[1] = new[0].replace(hour=13), "nueva.alumna@alumnos.example.mx"
        sheet.append(new)

    ws.edit(staff_and_a_new_answer)
    rows = len(ws.rows())
    decided = rows - 2  # the new answer and the one in ERROR TEMPORAL have no verdict
    quiet = decided - 3 - 1 - 1

    code, text, _ = informe(ws, capsys)
    assert code == 0
    for line in (
        "Coinciden: 1 de 3 (33%) — de los veredictos ACEPTADA, RECHAZADA o CONCLUIDA de "
        "facultativo en los que el personal también escribió una decisión que se entiende, "
        "aquellos en los que decidió lo mismo (ALTA o BAJA APLICADA cuenta como ACEPTADA)",
        "REVISIÓN MANUAL resueltas por el personal: 1 — respuestas que facultativo dejó en "
        "REVISIÓN MANUAL y en las que el personal ya escribió su decisión",
        f"Sin decisión del personal: {quiet} — respuestas que facultativo decidió y en las "
        "que el personal no escribió nada: la columna «decisión del personal» del bloque "
        "vacía y el estado como lo dejó facultativo (o vacío)",
        "Sin veredicto de facultativo: 2 — respuestas que facultativo no ha decidido: nuevas "
        "que aún no pasan por un ciclo, en ERROR TEMPORAL",
        "Decisiones del personal que no se entienden: 1 — decisiones del personal que no son "
        "un estado",
        "Filas en desacuerdo: 2 — veredictos ACEPTADA, RECHAZADA o CONCLUIDA de facultativo "
        "en los que el personal decidió otra cosa",
    ):
        assert any(x.startswith(line) for x in text.splitlines()), (line, text)

    report = json.loads(informe(ws, capsys, "--json")[1])[0]
    explained = report["explicaciones"]
    counted = {k for k, v in report.items() if isinstance(v, int | list) and k != "confusion"}
    assert set(explained) == counted and all(explained.values())
    assert explained["sin_decision"] in text and explained["sin_veredicto"] in text
    assert report["sin_decision"] == quiet and report["sin_veredicto"] == 2
    one_each = ("comparadas", "revision_resueltas", "sin_decision", "sin_veredicto", "anteriores")
    assert sum(report[k] for k in one_each) + len(report["no_reconocidas"]) == rows

    page = tmp_path / "informe.html"
    assert informe(ws, capsys, "--html", str(page))[0] == 0
    html = page.read_text(encoding="utf-8")
    assert f"Sin decisión del personal: {quiet}</strong> — " in html
    assert "la columna «decisión del personal» del bloque vacía" in html


def test_baja_aplicada_over_our_acceptance_of_a_baja_counts_as_agreement(tmp_path, pool, capsys):
    """Staff applying the baja we accepted agree with us, as ALTA APLICADA does on an alta."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    baja = next(i + 2 for i, (_, motivo) in enumerate(EXPECTED) if motivo == "BAJA_PROCEDENTE")
    assert ws.rows()[baja - 2][ESTADO] == "ACEPTADA"
    ws.set_status(baja, "BAJA APLICADA")
    report = json.loads(informe(ws, capsys, "--json")[1])[0]
    assert (report["coinciden"], report["comparadas"]) == (1, 1)
    assert report["desacuerdos"] == [] and report["no_reconocidas"] == []
    confusion = {(c["facultativo"], c["personal"]): c["filas"] for c in report["confusion"]}
    assert confusion == {("ACEPTADA", "ACEPTADA"): 1}


def test_our_own_label_retyped_in_lower_case_or_without_accents_is_no_staff_decision(
    tmp_path, pool, capsys
):
    """Staff who retype our estado («aceptada», «Revision manual») have decided nothing:
    those rows stay «sin decisión», never compared nor a settled review."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    quiet = json.loads(informe(ws, capsys, "--json")[1])[0]["sin_decision"]
    ws.set_status(rows_with(ws, "ACEPTADA")[0], "aceptada")
    ws.set_status(rows_with(ws, "REVISIÓN MANUAL")[0], "Revision manual")
    report = json.loads(informe(ws, capsys, "--json")[1])[0]
    assert (report["comparadas"], report["revision_resueltas"]) == (0, 0)
    assert report["confusion"] == [] and report["no_reconocidas"] == []
    assert report["sin_decision"] == quiet == len(EXPECTED) - 1  # all but ERROR TEMPORAL
