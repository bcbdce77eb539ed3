"""The cycle's state machine, as a table: what the estado cell shows × what the ledger
remembers → what the cycle does with the row (sync/plan.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from facultativo.sync.model import Action, Entry
from facultativo.sync.plan import plan
from facultativo.sync.rows import Row

NOW = datetime(2026, 11, 16, 17, 0, tzinfo=UTC)
DESDE = datetime(2026, 11, 10, tzinfo=UTC)
OLD, NEW = DESDE - timedelta(days=30), DESDE + timedelta(days=3)


def row(cell: str = "", *, when: datetime = NEW, copy_of: int | None = None) -> Row:
    status = {"estado": cell} if cell else {}
    return Row(0, 2, "k", when, "ana@example.mx", None, [], status, copy_of=copy_of)


def entry(
    estado: str | None = "ACEPTADA",
    written: str | None = "ACEPTADA",
    *,
    pending: dict[str, str] | None = None,
    next_attempt: datetime | None = None,
    staff: str | None = None,
) -> Entry:
    return Entry("k", 0, estado, "SIN_VIGENCIA", 0, next_attempt, pending, written, staff, 1, {})


ERROR = dict(estado="ERROR_TEMPORAL", written="ERROR TEMPORAL")
CASES = [
    # (why, estado cell, ledger entry, desde, action)
    ("a new response", "", None, None, Action.VALIDATE),
    ("staff cleared our verdict: validate again", "", entry(), None, Action.RERUN),
    ("our verdict is in the sheet", "ACEPTADA", entry(), None, Action.DONE),
    ("our verdict, typed in lower case", " aceptada ", entry(), None, Action.DONE),
    ("staff typed another estado over ours", "RECHAZADA", entry(), None, Action.STAFF),
    ("staff mistyped an estado", "Aceptda", entry(), None, Action.STAFF),
    ("staff decided a row we never saw", "ACEPTADA", None, None, Action.STAFF),
    ("applied in IMSS: the follow-up", "ALTA APLICADA", entry(), None, Action.APLICADA),
    ("applied on a row we never decided", "BAJA APLICADA", None, None, Action.STAFF),
    (
        "our ERROR TEMPORAL, not due yet",
        "ERROR TEMPORAL",
        entry(**ERROR, next_attempt=NOW + timedelta(minutes=5)),
        None,
        Action.WAIT,
    ),
    (
        "our ERROR TEMPORAL, due",
        "ERROR TEMPORAL",
        entry(**ERROR, next_attempt=NOW - timedelta(minutes=1)),
        None,
        Action.VALIDATE,
    ),
    ("an ERROR TEMPORAL from a lost ledger", "ERROR TEMPORAL", None, None, Action.VALIDATE),
    (
        "decided before a crash, not yet written",
        "",
        entry(written=None, pending={"estado": "ACEPTADA"}),
        None,
        Action.WRITE_PENDING,
    ),
    (
        "a newer verdict waits, the sheet shows our older one",
        "RECHAZADA",
        entry(written="RECHAZADA", pending={"estado": "ACEPTADA"}),
        None,
        Action.WRITE_PENDING,
    ),
    (
        "a verdict waits, but staff typed their own meanwhile",
        "CONCLUIDA",
        entry(written="RECHAZADA", pending={"estado": "ACEPTADA"}),
        None,
        Action.STAFF,
    ),
    ("before the first day, never decided", "", None, DESDE, Action.ANTERIOR),
    ("before the first day, but we decided it", "ACEPTADA", entry(), DESDE, Action.DONE),
    ("marked ANTERIOR, desde still after it", "ANTERIOR", None, DESDE, Action.ANTERIOR),
    ("marked ANTERIOR, desde removed: never decided", "ANTERIOR", None, None, Action.ANTERIOR),
]
# The responses in the table arrived a month before `desde` when the case is about it.
ABOUT_DESDE = {"before the first day", "marked ANTERIOR"}


@pytest.mark.parametrize(
    ("why", "cell", "known", "desde", "action"), CASES, ids=[c[0] for c in CASES]
)
def test_plan(why, cell, known, desde, action):
    when = OLD if any(why.startswith(topic) for topic in ABOUT_DESDE) else NEW
    entries = {"k": known} if known else {}
    assert plan([row(cell, when=when)], entries, NOW, desde=desde)[0].action is action


def test_marked_anterior_and_desde_moved_before_it_is_decided_now():
    r = row("ANTERIOR", when=NEW)
    assert plan([r], {}, NOW, desde=DESDE)[0].action is Action.VALIDATE


def test_a_response_stamped_at_the_very_instant_of_desde_is_decided():
    """`desde` is the first day: responses from before it are ANTERIOR, the one stamped at
    that very instant is already facultativo's (the same instant, marked ANTERIOR, too)."""
    assert plan([row(when=DESDE)], {}, NOW, desde=DESDE)[0].action is Action.VALIDATE
    earlier = row(when=DESDE - timedelta(seconds=1))
    assert plan([earlier], {}, NOW, desde=DESDE)[0].action is Action.ANTERIOR
    marked = row("ANTERIOR", when=DESDE)
    assert plan([marked], {}, NOW, desde=DESDE)[0].action is Action.VALIDATE


def test_a_pasted_copy_is_never_decided_whatever_its_cell_says():
    for cell in ("", "ACEPTADA", "ERROR TEMPORAL"):
        assert plan([row(cell, copy_of=3)], {}, NOW)[0].action is Action.COPY


def test_a_row_showing_another_responses_verdict_is_decided_or_written_back():
    foreign = frozenset({"k"})
    assert plan([row("ACEPTADA")], {}, NOW, foreign)[0].action is Action.VALIDATE
    waiting = {"k": entry(pending={"estado": "RECHAZADA"})}
    assert plan([row("ACEPTADA")], waiting, NOW, foreign)[0].action is Action.WRITE_PENDING
