"""Messages people read (issue 13, point 6): neutral Spanish, no sentence said twice, no
line broken mid-sentence, the truth about a duplicate's original, and motivo texts (not
codes) in the sheet."""

from __future__ import annotations

import email
import json
import re
from datetime import timedelta
from email import policy

import pytest

from facultativo.notifiers import preview
from facultativo.notifiers.compose import environment
from facultativo.validators import MOTIVOS, Motivo
from facultativo.validators.motivos import motivo_cell, motivos_in_cell
from tests.support.sheet import ESTADO, MOTIVO
from tests.support.workspace import EXPECTED, Workspace, code

# Words that agree with the student's gender: «dado de alta» told women they were «dado».
GENDERED = re.compile(
    r"\b(inscrit[oa]s?|dad[oa]s? de (alta|baja)|asegurad[oa]s?|bienvenid[oa]s?|"
    r"interesad[oa]s?|afiliad[oa]s?|registrad[oa]s?|obligad[oa]s?|seguro de que)\b",
    re.IGNORECASE,
)
# A line that stops mid-sentence and goes on on the next one.
HARD_WRAP = re.compile(r"[a-záéíóúñü,;]\n[ \t]*[a-záéíóúñü(]")


def all_previews():
    return preview.samples(environment())


def text_of(path) -> str:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    return message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(("stem", "mail"), all_previews(), ids=lambda v: getattr(v, "template", v))
def test_every_email_is_in_neutral_spanish(stem, mail):
    for part in (mail.subject, mail.text, mail.html):
        found = GENDERED.search(part)
        assert found is None, f"{stem}: «{found.group(0)}»"


@pytest.mark.parametrize("motivo", list(Motivo))
def test_motivo_texts_are_neutral(motivo):
    info = MOTIVOS[motivo]
    assert GENDERED.search(motivo.texto_estudiante) is None
    assert GENDERED.search(info.personal) is None


@pytest.mark.parametrize(("stem", "mail"), all_previews(), ids=lambda v: getattr(v, "template", v))
def test_text_part_never_breaks_a_line_mid_sentence(stem, mail):
    found = HARD_WRAP.search(mail.text)
    assert found is None, f"{stem}: …{mail.text[found.start() - 40 : found.end() + 20]!r}"


def test_detalle_that_restates_the_main_sentence_is_left_out(tmp_path, pool):
    """«Tu solicitud llegó sin archivo adjunto» followed by «Detalle: No se adjuntó ningún
    archivo.»: the same thing twice. A detalle with facts (dates, the NSS typed) stays."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    by_motivo = {}
    for path in ws.emails():
        text = text_of(path)
        for motivo in Motivo:
            if motivo.texto_estudiante.split(",")[0] in " ".join(text.split()):
                by_motivo.setdefault(motivo.value, text)
    for restating in ("SIN_ADJUNTO", "PDF_SIN_TEXTO", "CURP_NO_COINCIDE", "NSS_NO_COINCIDE"):
        assert "Detalle:" not in by_motivo[restating], restating
    assert "Detalle: Constancia del 02/10/2026" in by_motivo["FECHA_NO_COINCIDE"]
    for path in ws.emails():
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text_of(path)) if s.strip()]
        long = [s for s in sentences if len(s) > 20]
        assert len(long) == len(set(long)), path.name


def _duplicate_emails(ws: Workspace) -> list[str]:
    return [text_of(p) for p in ws.emails() if "ya teníamos tu solicitud" in _subject(p)]


def _subject(path) -> str:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)["Subject"]


def test_duplicate_email_tells_the_truth_about_the_original(tmp_path, pool):
    """Issue 13: «te escribiremos cuando quede aplicado» went out even when the original
    was already ALTA APLICADA."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    first = _duplicate_emails(ws)
    assert len(first) == 1
    assert "sigue en trámite" in first[0] and "ya quedó aplicada" not in first[0]

    rows = ws.rows()
    dup = next(i for i, (_, m) in enumerate(EXPECTED) if m == "SOLICITUD_DUPLICADA")
    who = rows[dup]["Dirección de correo electrónico"]
    original = next(i for i, r in enumerate(rows) if r["Dirección de correo electrónico"] == who)
    ws.set_status(original + 2, "ALTA APLICADA")
    ws.cycle(pool)  # the follow-up to the original goes out

    def ask_again(sheet):
        values = [c.value for c in sheet[dup + 2]][:9]
        values[0] = values[0] + timedelta(hours=2)
        sheet.append(values)

    ws.edit(ask_again)
    ws.clock.advance(120)
    ws.cycle(pool)
    again = _duplicate_emails(ws)
    assert len(again) == 2
    latest = next(t for t in again if t != first[0])
    assert "ya quedó aplicada en el IMSS" in latest
    assert "te escribiremos" not in latest.lower()


def test_sheet_shows_motivo_texts_and_the_ledger_and_json_keep_codes(tmp_path, pool):
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    cells = [r[MOTIVO] for r in ws.rows() if r[ESTADO] not in ("ERROR TEMPORAL",)]
    assert not any(re.search(r"\b[A-Z]+_[A-Z_]+\b", c or "") for c in cells), cells
    assert [code(c) for c in cells] == [m for e, m in EXPECTED if e != "ERROR_TEMPORAL"]
    ledger = ws.ledger()
    try:
        stored = {e.motivos for e in ledger.entries(ws.campus.name).values() if e.motivos}
    finally:
        ledger.close()
    assert "VIGENTE_OTRA_INSTITUCION" in stored  # the code, for --json and other tools
    assert json.dumps(sorted(stored))  # codes only: ASCII identifiers
    assert all(re.fullmatch(r"[A-Z_,]+", m) for m in stored)


@pytest.mark.parametrize("motivo", list(Motivo))
def test_a_motivo_cell_reads_back_to_its_codes(motivo):
    other = Motivo.CONSTANCIA_SOSPECHOSA if motivo is not Motivo.CONSTANCIA_SOSPECHOSA else None
    both = (motivo, other) if other else (motivo,)
    assert motivos_in_cell(motivo_cell(both)) == both
    assert motivos_in_cell(motivo.value) == (motivo,)  # cells written before the texts
