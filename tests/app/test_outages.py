"""One log line per outage, a growing wait between attempts, and a line when it ends."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from facultativo.outages import Outages

T0 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
DNS = "hoja: no se encuentra el servidor de Google (DNS)"


def lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]


def test_the_same_failure_is_logged_once_and_waits_double_each_time(caplog):
    caplog.set_level(logging.DEBUG, logger="facultativo")
    outages = Outages(longest=timedelta(minutes=5))
    now, waits = T0, []
    for _ in range(6):
        assert outages.may_try("q", now)
        outages.failed("q", DNS, now)
        wait = outages.open["q"].next_try - now
        assert not outages.may_try("q", now + wait - timedelta(seconds=1))
        waits.append(wait.total_seconds())
        now += wait
    assert waits == [30, 60, 120, 240, 300, 300]  # capped at the interval
    assert len(lines(caplog)) == 1 and DNS in lines(caplog)[0]


def test_a_different_failure_is_logged_and_the_return_says_how_long(caplog):
    caplog.set_level(logging.INFO, logger="facultativo")
    outages = Outages(longest=timedelta(minutes=5))
    outages.failed("q", DNS, T0)
    outages.failed("q", "hoja: Google rechazó la llave", T0 + timedelta(minutes=1))
    outages.failed("otro", DNS, T0 + timedelta(minutes=1))  # campuses apart
    outages.recovered("q", T0 + timedelta(minutes=42))
    outages.recovered("q", T0 + timedelta(minutes=43))  # nothing open: says nothing
    got = lines(caplog)
    assert len(got) == 4
    assert "rechazó la llave" in got[1] and got[2].startswith("campus otro:")
    assert "funciona de nuevo, tras 42 min y 2 intentos fallidos" in got[3]
    assert outages.may_try("q", T0 + timedelta(minutes=43))
