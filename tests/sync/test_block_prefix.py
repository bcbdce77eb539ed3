"""[campus.columns] prefijo end to end: a campus whose facultativo.toml names its status block
«Revisión IMSS» gets «Revisión IMSS: estado»… on both backends (a workbook on disk, and a
Google sheet on the fake server with the real gspread), reads its verdicts back, and reads
staff's decisions there; a campus whose prefijo changes on a sheet that already has a
«Validación» block mails nobody twice."""

from __future__ import annotations

import email
import logging
from collections import Counter
from email import policy
from pathlib import Path

from facultativo import demo
from facultativo.commands.check import check_campus
from facultativo.config import load
from facultativo.sync.block import DEFAULT_BLOCK, Block
from tests.support import google_env as g
from tests.support.sheet import LABEL
from tests.support.workspace import EXPECTED, Clock, Workspace, message_id

PREFIJO = "Revisión IMSS"
BLOCK = Block(PREFIJO)
ESTADO, MOTIVO = BLOCK.titles["estado"], BLOCK.titles["motivo"]
DECISION = BLOCK.staff_decision
EMAIL = "Dirección de correo electrónico"
MAILED = sum(1 for e, _ in EXPECTED if e != "ERROR_TEMPORAL")
REVIEW, REVIEW_2 = [i + 2 for i, (e, _) in enumerate(EXPECTED) if e == "REVISION_MANUAL"][:2]


def with_prefijo(config: Path, mail: str = "") -> None:
    """The campus's facultativo.toml names its block (and, with `mail`, adds keys to the
    [campus.mail] table it ends with)."""
    text = config.read_text(encoding="utf-8") + mail
    config.write_text(text + f'\n[campus.columns]\nprefijo = "{PREFIJO}"\n', encoding="utf-8")


def parse(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def outbox(folder: Path) -> list[Path]:
    return sorted((folder / "outbox").glob("*.eml")) if (folder / "outbox").exists() else []


def sent_twice(paths: list[Path]) -> list[str]:
    """Students told the same kind of thing twice: one response's result (or follow-up, or
    staff's decision) in two files, whatever its generation («resultado.0.<key>@…»)."""
    told = Counter(_kind_and_key(message_id(p)) for p in paths)
    return [m for m, n in told.items() if n > 1]


def _kind_and_key(mid: str) -> str:
    kind, _, rest = mid.split("@")[0].partition(".")
    return f"{kind}.{rest.partition('.')[2]}"


def expected_estados() -> list[str]:
    return [LABEL.get(e, e) for e, _ in EXPECTED]


# --- a workbook on disk -------------------------------------------------------------


def prefixed_workspace(folder: Path) -> Workspace:
    demo.build(folder)
    with_prefijo(folder / "facultativo.toml")
    return Workspace(folder)  # loads the file: app.config.load reads the prefijo


def add_column(ws: Workspace, title: str) -> None:
    ws.edit(lambda sheet: setattr(sheet.cell(1, sheet.max_column + 1), "value", title))


def set_cell(ws: Workspace, row: int, title: str, value: str) -> None:
    def change(sheet) -> None:
        header = [c.value for c in sheet[1]]
        sheet.cell(row, header.index(title) + 1).value = value

    ws.edit(change)


def to(ws: Workspace, row: int, paths: list[Path]) -> list[Path]:
    address = ws.rows()[row - 2][EMAIL]
    return [p for p in paths if parse(p)["To"] == address]


def test_a_workbook_campus_writes_its_block_under_its_prefijo_and_reads_it_back(tmp_path, pool):
    ws = prefixed_workspace(tmp_path)
    assert ws.campus.prefijo == PREFIJO

    report = ws.cycle(pool)

    header = list(ws.rows()[0])
    assert header[-len(BLOCK.titles) :] == list(BLOCK.titles.values())
    assert header[-len(BLOCK.titles)] == "Revisión IMSS: estado"
    assert not [h for h in header if h.startswith(DEFAULT_BLOCK.prefix)]
    assert report.processed == len(EXPECTED) and report.block == PREFIJO
    assert ws.column(ESTADO) == expected_estados()
    assert len(ws.emails()) == MAILED
    estado = header.index(ESTADO) + 1  # the estado's pick-list is on the new column
    from openpyxl import load_workbook

    sheet = load_workbook(ws.workbook).worksheets[0]
    letter = sheet.cell(1, estado).column_letter
    assert any(f"{letter}2" in dv.sqref for dv in sheet.data_validations.dataValidation)

    before, mails = ws.workbook.read_bytes(), ws.emails()
    again = ws.cycle(pool)  # the verdicts are read back from «Revisión IMSS: estado»
    assert again.processed == 0
    assert ws.workbook.read_bytes() == before
    assert ws.emails() == mails


def test_a_workbook_campus_reads_staff_decisions_in_its_own_block(tmp_path, pool):
    """Staff decide one REVISIÓN MANUAL in «Revisión IMSS: decisión del personal» and
    another over «Revisión IMSS: estado»: each student hears once (the demo waits 0 min)."""
    ws = prefixed_workspace(tmp_path)
    ws.cycle(pool)
    before = ws.emails()
    add_column(ws, DECISION)
    set_cell(ws, REVIEW, DECISION, "Aceptado")
    ws.set_status(REVIEW_2, "No procede")  # the campus's estado column (Workspace.block)

    ws.cycle(pool)
    ws.cycle(pool)

    new = [p for p in ws.emails() if p not in before]
    assert len(to(ws, REVIEW, new)) == 1 and len(to(ws, REVIEW_2, new)) == 1
    assert len(new) == 2 and not sent_twice(ws.emails())
    notified = BLOCK.titles["notificada"]
    assert "decisión del personal: ACEPTADA" in ws.rows()[REVIEW - 2][notified]
    assert "decisión del personal: RECHAZADA" in ws.rows()[REVIEW_2 - 2][notified]


def test_a_workbook_switched_to_a_new_prefijo_mails_nobody_twice(tmp_path, pool, caplog):
    """The «Validación» block stays as it was (facultativo no longer reads or writes it);
    the new block is written from the ledger, nothing is validated or sent again; the log
    and `check` say the old block is still there."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    old = ws.column(DEFAULT_BLOCK.titles["estado"])
    mails = ws.emails()
    with_prefijo(tmp_path / "facultativo.toml")
    switched = Workspace(tmp_path)
    switched.clock = ws.clock

    with caplog.at_level(logging.WARNING, logger="facultativo.sync"):
        report = switched.cycle(pool)

    assert report.processed == 0 and report.restored > 0
    assert switched.emails() == mails
    assert switched.column(ESTADO) == old
    assert switched.column(DEFAULT_BLOCK.titles["estado"]) == old  # left untouched
    assert "aún tiene el bloque «Validación»" in caplog.text
    lines = [m for _, m in check_campus(switched.campus, switched.config.ledger)]
    assert any("aún tiene el bloque «Validación»" in m for m in lines), lines
    assert switched.cycle(pool).processed == 0
    assert switched.emails() == mails


# --- a Google sheet (the fake server, the real gspread) ------------------------------


def google_campus(tmp_path: Path, fake) -> tuple[Path, object]:
    """The demo's answers on the fake Google sheet; a staff decision is mailed at once, and
    an ERROR TEMPORAL (a file not shared) waits an hour, so a cycle right after the first
    has nothing to do."""
    book = g.spreadsheet(fake, g.demo_rows(fake))
    path = g.config(tmp_path, fake)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("retry_minutes = 0", "retry_minutes = 60"), encoding="utf-8")
    with_prefijo(path, mail="espera_decision_minutos = 0\n")
    return path, book


def row_of(book, title: str, row: int) -> str:
    return g.column(book, title)[row - 2]


def test_a_google_campus_writes_its_block_under_its_prefijo_and_reads_it_back(tmp_path, fake, pool):
    path, book = google_campus(tmp_path, fake)
    assert load(path).campuses[0].prefijo == PREFIJO
    clock = Clock()

    report = g.cycle(path, pool, clock)

    header = book.sheets[0].rows[0]
    assert header[-len(BLOCK.titles) :] == list(BLOCK.titles.values())
    assert not [h for h in header if str(h).startswith(DEFAULT_BLOCK.prefix)]
    assert report.processed == len(EXPECTED)
    estados = g.column(book, ESTADO)
    assert estados.count("ACEPTADA") == expected_estados().count("ACEPTADA")
    sheet = book.sheets[0]
    estado = header.index(ESTADO)
    assert sheet.validation_at(1, estado)["strict"] is False  # its pick-list
    assert sheet.number_format_at(1, header.index(BLOCK.titles["procesada"]))
    mails = outbox(tmp_path)
    assert mails and not sent_twice(mails)

    fake.reset_log()
    again = g.cycle(path, pool, clock)
    assert again.processed == 0
    assert fake.calls("sheets.write") == 0  # nothing rewritten
    assert g.column(book, ESTADO) == estados
    assert outbox(tmp_path) == mails


def test_a_google_campus_reads_staff_decisions_in_its_own_block(tmp_path, fake, pool):
    path, book = google_campus(tmp_path, fake)
    clock = Clock()
    g.cycle(path, pool, clock)
    review = [i + 2 for i, e in enumerate(g.column(book, ESTADO)) if e == "REVISIÓN MANUAL"]
    first, second = review[:2]
    before = outbox(tmp_path)
    sheet = book.sheets[0]
    sheet.rows[0].append(DECISION)
    sheet.column_count = max(sheet.column_count, len(sheet.rows[0]))
    decision, estado = sheet.rows[0].index(DECISION), sheet.rows[0].index(ESTADO)
    sheet.rows[first - 1] += [""] * (decision + 1 - len(sheet.rows[first - 1]))
    sheet.rows[first - 1][decision] = "ACEPTADA"
    sheet.rows[second - 1][estado] = "RECHAZADA"
    book.touch()
    clock.advance(30)

    g.cycle(path, pool, clock)
    g.cycle(path, pool, clock)

    new = [p for p in outbox(tmp_path) if p not in before]
    addresses = Counter(parse(p)["To"] for p in new)
    assert addresses == Counter([row_of(book, EMAIL, first), row_of(book, EMAIL, second)]), (
        addresses
    )
    notified = BLOCK.titles["notificada"]
    assert "decisión del personal: ACEPTADA" in row_of(book, notified, first)
    assert "decisión del personal: RECHAZADA" in row_of(book, notified, second)


def test_a_google_sheet_switched_to_a_new_prefijo_mails_nobody_twice(tmp_path, fake, pool):
    book = g.spreadsheet(fake, g.demo_rows(fake))
    path = g.config(tmp_path, fake)
    clock = Clock()
    g.cycle(path, pool, clock)
    old = g.column(book, DEFAULT_BLOCK.titles["estado"])
    mails = outbox(tmp_path)
    with_prefijo(path)

    report = g.cycle(path, pool, clock)

    assert report.processed == 0 and report.restored > 0
    assert outbox(tmp_path) == mails
    assert g.column(book, ESTADO) == old
    assert g.column(book, DEFAULT_BLOCK.titles["estado"]) == old
    clock.advance(30)
    g.cycle(path, pool, clock)
    assert not sent_twice(outbox(tmp_path))
