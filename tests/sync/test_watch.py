"""The watcher (sync/watch.py): an idle campus costs one Drive call a tick and no Sheets
call; an answer the Form appends is decided on the next tick; our own writes do not wake
it; the interval still runs a cycle as a safety net."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from facultativo.config import load
from facultativo.sync.sources import SourceError
from facultativo.sync.watch import Watcher
from facultativo.wiring import build_source
from tests.support import google_env as g
from tests.support.google_env import cycle
from tests.support.sheet import ESTADO
from tests.support.workspace import Workspace

NOW = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)
TICK = timedelta(seconds=20)


def watched(tmp_path, fake, pool):
    """A Google campus after its first cycle, with its watcher settled."""
    book = g.spreadsheet(fake, g.demo_rows(fake))
    path = g.config(tmp_path, fake)
    watcher = Watcher(build_source(load(path).campuses[0]), timedelta(minutes=5))
    assert watcher.due(NOW)  # never ran: a cycle now
    watcher.ran(cycle(path, pool), NOW)
    return book, path, watcher


def test_an_idle_watcher_makes_no_sheets_call(tmp_path, fake, pool):
    _, _, watcher = watched(tmp_path, fake, pool)
    fake.reset_log()
    ticks = 12  # four minutes at 20 s
    assert not any(watcher.due(NOW + TICK * (i + 1)) for i in range(ticks))
    assert fake.calls("sheets.read") == fake.calls("sheets.write") == 0
    assert fake.calls("drive") == ticks  # one light files.get a tick


def test_an_answer_the_form_appends_is_decided_on_the_next_tick(tmp_path, fake, pool):
    book, path, watcher = watched(tmp_path, fake, pool)
    rows = g.column(book, ESTADO)
    new = list(book.sheets[0].rows[1][:9])
    new[0] += 1 / 1440  # a minute later: another response
    book.append(new)
    assert watcher.due(NOW + TICK)
    report = cycle(path, pool)
    watcher.ran(report, NOW + TICK)
    assert report.processed == 2  # the new answer, and the ERROR TEMPORAL retried (0 min)
    assert len(g.column(book, ESTADO)) == len(rows) + 1 and g.column(book, ESTADO)[-1]
    assert not watcher.due(NOW + 2 * TICK)  # our own write did not wake it


def test_the_interval_still_runs_a_cycle(tmp_path, fake, pool):
    _, _, watcher = watched(tmp_path, fake, pool)
    assert not watcher.due(NOW + timedelta(minutes=4))
    assert watcher.due(NOW + timedelta(minutes=5))


def test_a_workbook_saved_by_someone_wakes_the_watcher(tmp_path, pool):
    ws = Workspace(tmp_path)
    watcher = Watcher(build_source(ws.campus), timedelta(minutes=5))
    assert watcher.due(NOW)
    watcher.ran(ws.cycle(pool), NOW)
    assert not watcher.due(NOW + TICK)  # our own save did not count
    ws.set_status(2, None)  # staff clear an estado in Excel and save
    assert watcher.due(NOW + 2 * TICK)


class Unreachable:
    def version(self):
        raise SourceError("sin conexión con Google", transient=True)


def test_a_failing_campus_waits_for_the_safety_net_not_every_tick():
    watcher = Watcher(Unreachable(), timedelta(minutes=5))
    assert watcher.due(NOW)  # never ran
    watcher.failed(NOW)
    assert not watcher.due(NOW + TICK)
    assert watcher.due(NOW + timedelta(minutes=5))


def test_status_shows_the_last_change_the_watcher_saw(tmp_path, pool):
    from facultativo.commands.status import campus_status, render
    from facultativo.sync.ledger import Ledger

    ws = Workspace(tmp_path)
    ws.cycle(pool)
    ledger = Ledger(ws.config.ledger)
    try:
        ledger.heartbeat(ws.campus.name, 1, NOW, None, NOW, last_change=NOW - TICK)
        ledger.heartbeat(ws.campus.name, 1, NOW, None, NOW + TICK)  # no change since
    finally:
        ledger.close()
    text = render([campus_status(ws.config, ws.campus)])
    assert "Último cambio visto en la hoja: 2026-11-16 11:59" in text


def test_closing_excel_wakes_the_watcher(tmp_path, pool):
    """An answer blocked by an open workbook waited for the safety net after Excel closed."""
    ws = Workspace(tmp_path)
    watcher = Watcher(build_source(ws.campus), timedelta(minutes=5))
    watcher.due(NOW)
    watcher.ran(ws.cycle(pool), NOW)
    lock = tmp_path / "~$respuestas.xlsx"
    lock.write_text("", encoding="utf-8")  # staff open it in Excel
    assert watcher.due(NOW + TICK)
    watcher.failed(NOW + TICK)  # the cycle refused: the workbook is open
    assert not watcher.due(NOW + 2 * TICK)  # still open: no retry every tick
    lock.unlink()  # Excel closed
    assert watcher.due(NOW + 3 * TICK)


def test_a_watch_interval_below_a_second_is_refused(tmp_path):
    import pytest

    from facultativo import demo
    from facultativo.config import ConfigError

    demo.build(tmp_path)
    toml = tmp_path / "facultativo.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + "\n[service]\nwatch_seconds = 0.001\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"usa 0 \(no mirar\) o de 1 a 3600"):
        load(toml)


def answer_while_the_cycle_runs(ws: Workspace):
    """A checkpoint: a student answers after the cycle read the sheet, before it writes."""

    def checkpoint(step: str) -> None:
        if step != "recorded":
            return

        def answer(sheet):
            new = [c.value for c in sheet[2]][:9]  # the Form's nine questions
            new[0], new[1] = new[0].replace(hour=13), "nueva.alumna@alumnos.example.mx"
            sheet.append(new)

        ws.edit(answer)

    return checkpoint


def test_an_answer_that_arrives_while_a_cycle_runs_starts_the_next_cycle_at_once(tmp_path, pool):
    """The version read after our write already holds the new answer: only the cycle's
    count of answers it did not decide (Report.unseen) tells the watcher to run again."""
    ws = Workspace(tmp_path)
    watcher = Watcher(build_source(ws.campus), timedelta(minutes=5))
    assert watcher.due(NOW)
    report = ws.cycle(pool, checkpoint=answer_while_the_cycle_runs(ws))
    watcher.ran(report, NOW)
    assert report.unseen == 1 and report.processed == len(ws.rows()) - 1
    assert ws.column(ESTADO)[-1] is None  # not decided by the cycle it arrived in
    assert watcher.due(NOW + TICK)  # at once, not at the safety net
    report = ws.cycle(pool)
    watcher.ran(report, NOW + TICK)
    assert (report.processed, report.unseen) == (1, 0)  # the new answer, decided
    assert ws.column(ESTADO)[-1]
    assert not watcher.due(NOW + 2 * TICK)  # nothing left: the watcher rests again


def test_the_watcher_records_when_it_saw_the_sheet_change(tmp_path, pool):
    """`status` shows «Último cambio visto en la hoja» from the watcher's last_change: set
    when a tick sees the version move, never by the first cycle or our own writes."""
    ws = Workspace(tmp_path)
    watcher = Watcher(build_source(ws.campus), timedelta(minutes=5))
    assert watcher.due(NOW)
    watcher.ran(ws.cycle(pool), NOW)
    assert not watcher.due(NOW + TICK)
    assert watcher.last_change is None
    ws.set_status(2, None)  # staff clear an estado and save
    assert watcher.due(NOW + 2 * TICK)
    assert watcher.last_change == NOW + 2 * TICK
    watcher.ran(ws.cycle(pool), NOW + 2 * TICK)
    assert not watcher.due(NOW + 3 * TICK)
    assert watcher.last_change == NOW + 2 * TICK  # our write is no change: it stays


def test_the_service_puts_the_change_its_watcher_saw_in_status(tmp_path, pool):
    """The whole way: a service tick sees the sheet move, its cycle's heartbeat records
    when, and `status` reads it back (nothing written into the ledger by the test)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from facultativo.commands.status import campus_status
    from facultativo.service import Service

    ws = Workspace(tmp_path)
    service = Service(ws.config, [ws.campus])
    service.pool, service.scheduler = pool, BackgroundScheduler(timezone=UTC)  # not started
    service._watch(ws.campus)  # the first cycle: nothing changed yet
    assert campus_status(ws.config, ws.campus)["last_change_at"] is None
    ws.set_status(2, None)
    before = datetime.now(UTC)
    service._watch(ws.campus)
    seen = campus_status(ws.config, ws.campus)["last_change_at"]
    assert seen is not None
    assert before <= datetime.fromisoformat(seen) <= datetime.now(UTC)
