"""A crash between any two steps of the cycle, then a restart: nothing lost, no row
decided twice, at most one repeated email."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.sheet import ESTADO, LABEL, main_motivos
from tests.support.workspace import EXPECTED, Crash, Workspace, crash_at, message_id

NEEDING_EMAIL = sum(1 for e, _ in EXPECTED if e != "ERROR_TEMPORAL")
STEPS = [
    ("read", 1),
    ("validated", 1),
    ("recorded", 1),
    ("written", 1),
    ("marked", 1),
    ("intent", 1),
    ("intent", 7),
    ("delivered", 1),
    ("delivered", 7),
    ("sent", 1),
    ("sent", 7),
    ("sent", NEEDING_EMAIL),
    ("noted", 1),
]


@pytest.mark.parametrize(("step", "occurrence"), STEPS, ids=[f"{s}-{n}" for s, n in STEPS])
def test_crash_and_restart_loses_nothing(tmp_path, pool, step, occurrence):
    ws = Workspace(tmp_path)
    with pytest.raises(Crash):
        ws.cycle(pool, checkpoint=crash_at(step, occurrence))
    ws.cycle(pool)  # the restart
    ws.cycle(pool)  # and a cycle with nothing left to do

    assert main_motivos(ws) == [(LABEL.get(e, e), m) for e, m in EXPECTED]
    ledger = ws.ledger()
    try:
        entries = ledger.entries(ws.campus.name)
    finally:
        ledger.close()
    assert len(entries) == len(EXPECTED)
    assert all(e.validations == 1 for e in entries.values()), "a row was decided twice"

    sends = Counter(message_id(p) for p in ws.emails())
    assert len(sends) == NEEDING_EMAIL, "an email was lost"
    repeated = sum(sends.values()) - len(sends)
    assert repeated <= 1, "more than one repeated email"
    assert repeated == (step == "delivered"), "only a crash inside the send may repeat one"
    notified = [r["Validación: notificada el"] for r in ws.rows() if r[ESTADO] != "ERROR TEMPORAL"]
    assert all(notified), "a sent email is not shown in the sheet"


@pytest.mark.parametrize(("step", "occurrence"), STEPS, ids=[f"{s}-{n}" for s, n in STEPS])
def test_after_a_crash_the_history_tells_exactly_what_committed(tmp_path, pool, step, occurrence):
    """Each response's events (facultativo historial) against the state they describe,
    after a crash at every checkpoint and a restart: one verdict event per decision, a
    write after it, each send attempt once and each result once; the only attempt without
    a result is the one the crash cut (its email may or may not have gone)."""
    ws = Workspace(tmp_path)
    with pytest.raises(Crash):
        ws.cycle(pool, checkpoint=crash_at(step, occurrence))
    ws.cycle(pool)
    ws.cycle(pool)

    ledger = ws.ledger()
    try:
        name = ws.campus.name
        entries, notices = ledger.entries(name), ledger.notices(name)
        stories = {key: ledger.history(name, key) for key in entries}
    finally:
        ledger.close()
    unfinished = 0
    for key, entry in entries.items():
        kinds = [e.kind for e in stories[key]]
        assert kinds[0] == "seen" and kinds.count("seen") == 1, kinds
        assert kinds.count("verdict") == entry.validations == 1, kinds
        assert "written" in kinds[kinds.index("verdict") :], kinds
    for (key, kind, generation), notice in notices.items():
        mine = [
            e
            for e in stories[key]
            if e.data.get("notice") == kind and e.data.get("gen") == generation
        ]
        intents = [e for e in mine if e.kind == "email_sending"]
        results = [e for e in mine if e.kind == "email"]
        assert len(intents) == notice.attempts, (key, kind, [e.kind for e in mine])
        assert results and results[-1].data["status"] == notice.status
        assert all(i.data["message_id"] == notice.message_id for i in intents)
        unfinished += len(intents) - len(results)
    assert unfinished == (1 if step in ("intent", "delivered") else 0)
