"""The staff digest: counts since the last one, rows waiting for a person, failed emails."""

from __future__ import annotations

import email
import re
from collections import Counter
from datetime import UTC, datetime
from email import policy
from html.parser import HTMLParser

import pytest

from facultativo.config import Digest, load
from facultativo.sync import digest
from facultativo.wiring import open_runtime
from tests.support import google_env as g
from tests.support.sheet import ESTADO
from tests.support.workspace import Workspace, message_id


def read(path):
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def test_digest_lists_manual_reviews_and_failed_emails_with_links(tmp_path, pool):
    ws = Workspace(tmp_path, digest=Digest(("jefa@demo.example.mx", "apoyo@demo.example.mx")))

    def no_email(sheet):
        sheet.cell(3, 2).value = "sin correo"  # Alberto typed no address

    ws.edit(no_email)
    ws.cycle(pool)
    with open_runtime(ws.config, ws.campus, pool) as rt:
        rt.hooks.clock = ws.clock
        sent = digest.send(rt, ws.campus.digest.recipients, ws.clock())
    assert "(4 por revisar)" in sent.subject
    for text in (
        "REVISIÓN MANUAL",
        "ACEPTADA",
        "respuestas.xlsx, fila 20",
        "respuestas.xlsx, fila 17",
        "Francisco Aguilar Campos",
        "dirección no válida",
        "respuestas.xlsx, fila 3",
    ):
        assert text in sent.text, text
    assert "12200210084" not in sent.text  # no NSS in the digest
    message = read(next(p for p in ws.emails() if message_id(p).startswith("resumen.")))
    assert message["To"] == "jefa@demo.example.mx, apoyo@demo.example.mx"
    # The next digest only counts what was decided after this one.
    with open_runtime(ws.config, ws.campus, pool) as rt:
        rt.hooks.clock = ws.clock
        ws.clock.advance(60)
        again = digest.build(rt, ws.campus.digest.recipients, ws.clock())
    assert "Procesadas desde el último resumen (2026-11-16 11:00): 0\n" in again.text, again.text


def test_digest_counts_the_sheet_by_label_as_status_words_it(tmp_path, pool):
    """Issue 13: the digest said ACEPTADA 3 while the sheet showed ACEPTADA 1 and ALTA
    APLICADA 2, and counted «desde el inicio»."""
    from facultativo.commands.status import campus_status, render

    ws = Workspace(tmp_path, digest=Digest(("jefa@demo.example.mx",)))
    ws.cycle(pool)
    rows = ws.rows()
    accepted = [i + 2 for i, r in enumerate(rows) if r[ESTADO] == "ACEPTADA"]
    assert accepted

    ws.set_status(accepted[0], "ALTA APLICADA")
    ws.cycle(pool)
    sheet_counts = Counter(r[ESTADO] for r in ws.rows())
    with open_runtime(ws.config, ws.campus, pool) as rt:
        rt.hooks.clock = ws.clock
        first = digest.send(rt, ws.campus.digest.recipients, ws.clock())
    line = next(x for x in first.text.splitlines() if x.startswith("Filas por estado:"))
    for label, n in sheet_counts.items():
        assert f"{label} {n}" in line, (label, n, line)
    assert "que empezó facultativo" in first.text  # the first digest says so
    status_line = next(
        x.strip()
        for x in render([campus_status(ws.config, ws.campus)]).splitlines()
        if "Filas por estado:" in x
    )
    assert status_line == line  # one wording, one count


class _Links(HTMLParser):
    """The <a href> of a page, and its text without tags."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.words: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")

    def handle_data(self, data):
        self.words.append(data)


def _listed(sent) -> list[int]:
    """The rows the digest lists (REVISIÓN MANUAL and undelivered), by number."""
    return [int(n) for n in re.findall(r"^- .*?[Ff]ila (\d+):", sent.text, re.MULTILINE)]


def test_the_digest_links_a_row_only_where_the_source_has_an_address(tmp_path, fake, pool):
    """For a workbook the digest's links were href="respuestas.xlsx, fila 17": a link that
    opens nothing. A workbook's rows are named by file and row, as text; a Google sheet's
    open the row."""
    ws = Workspace(tmp_path / "local")
    ws.cycle(pool)
    with open_runtime(ws.config, ws.campus, pool) as rt:
        rt.hooks.clock = ws.clock
        sent = digest.send(rt, ("jefa@demo.example.mx",), ws.clock())
    rows = _listed(sent)
    assert len(rows) == 4  # the demo's REVISIÓN MANUAL
    page = _Links(sent.html)
    assert page.hrefs == []
    shown = " ".join(" ".join(page.words).split())
    for row in rows:
        assert f"respuestas.xlsx, fila {row}:" in shown
        assert f"- respuestas.xlsx, fila {row}:" in sent.text
    assert "http" not in sent.text

    g.spreadsheet(fake, g.demo_rows(fake))
    path = g.config(tmp_path, fake)
    g.cycle(path, pool)
    config = load(path)
    with open_runtime(config, config.campuses[0], pool) as rt:
        sent = digest.send(rt, ("jefa@demo.example.mx",), rt.hooks.clock())
    assert _listed(sent) == rows  # the same responses, in the same rows
    where = f"https://docs.google.com/spreadsheets/d/{g.SHEET_ID}/edit#gid=123&range=A"
    page = _Links(sent.html)
    assert page.hrefs == [f"{where}{row}" for row in rows]
    for row in rows:
        assert f"- Fila {row}:" in sent.text and f"\n  {where}{row}\n" in sent.text
    assert "hoja de Google" not in " ".join(page.words) + sent.text


@pytest.mark.parametrize(
    ("local", "last", "expected"),
    [
        ("2026-11-16 07:59", None, False),  # Monday, before 8:00
        ("2026-11-16 08:00", None, True),
        ("2026-11-16 15:00", "2026-11-16 08:01", False),  # already sent today
        ("2026-11-17 08:30", "2026-11-16 08:01", True),
        ("2026-11-21 09:00", "2026-11-20 08:00", False),  # Saturday
    ],
)
def test_digest_is_due_on_business_days_after_its_time(local, last, expected):
    def at(text):
        from zoneinfo import ZoneInfo

        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("America/Mexico_City"))

    now = at(local).astimezone(UTC)
    previous = at(last) if last else None
    assert digest.due(now, "America/Mexico_City", "08:00", (0, 1, 2, 3, 4), previous) is expected
