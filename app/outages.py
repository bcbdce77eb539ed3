"""A campus that cannot reach its sheet: one log line per outage, and a growing wait
between attempts while it lasts.

Without this, a school proxy down for a night wrote the same error every 20 s and
knocked on Google's door at the same pace. Now the first failure is logged with what
to do, the same failure again is not, a different one is (the DNS came back but the
key is refused), and the return is logged with how long it lasted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

log = logging.getLogger("facultativo.service")
FIRST_WAIT = timedelta(seconds=30)


@dataclass
class Outage:
    text: str
    since: datetime
    failures: int
    next_try: datetime


class Outages:
    def __init__(self, longest: timedelta, first: timedelta = FIRST_WAIT) -> None:
        self.longest = max(longest, first)
        self.first = first
        self.open: dict[str, Outage] = {}

    def may_try(self, campus: str, now: datetime) -> bool:
        outage = self.open.get(campus)
        return outage is None or now >= outage.next_try

    def failed(self, campus: str, text: str, now: datetime) -> None:
        """Log the failure if it is new for this campus; wait longer before the next try."""
        outage = self.open.get(campus)
        if outage is None or outage.text != text:
            log.error(
                "campus %s: %s (facultativo lo reintentará por su cuenta; "
                "este aviso no se repite mientras dure)",
                campus,
                text.rstrip("."),
            )
            since, failures = (outage.since, outage.failures) if outage else (now, 0)
            outage = self.open[campus] = Outage(text, since, failures, now)
        outage.failures += 1
        wait = min(self.longest, self.first * 2 ** (outage.failures - 1))
        outage.next_try = now + wait
        log.debug("campus %s: siguiente intento en %d s", campus, wait.total_seconds())

    def recovered(self, campus: str, now: datetime) -> None:
        outage = self.open.pop(campus, None)
        if outage is not None:
            minutes = max(1, round((now - outage.since).total_seconds() / 60))
            log.info(
                "campus %s: funciona de nuevo, tras %d min y %d intentos fallidos",
                campus,
                minutes,
                outage.failures,
            )
