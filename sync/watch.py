"""When to run a campus's cycle: as soon as its responses change, and at least every
interval as a safety net.

Every tick (`[service] watch_seconds`, 20 s by default) costs one cheap look at the
source's version (for Google, one Drive `files.get` outside the Sheets quota; for a
workbook, a `stat`). The full cycle, with its Sheets reads, runs only when that version
moved since the last cycle, when the last cycle found answers that arrived while it ran,
or when `interval_minutes` passed without one (ERROR TEMPORAL retries, the digest, an
edit Drive reports late).

Our own writes move the version too: after a cycle that wrote, the version is read
again and remembered, so the next tick does not mistake our write for a new answer.
An answer that lands between the cycle's last read of the sheet and that version read
(about one call) is found by the next safety-net cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from facultativo.sync.cycle import Report
from facultativo.sync.sources import ResponseSource, SourceError


@dataclass
class Watcher:
    source: ResponseSource
    interval: timedelta  # the safety net
    version: str | None = None  # as of the last cycle, our own writes included
    last_cycle: datetime | None = None
    last_change: datetime | None = None  # when a version move was last seen
    again: bool = False  # the last cycle saw answers it did not decide
    error: SourceError | None = None  # why the last look failed: the service's outage
    _seen: str | None = field(default=None, repr=False)  # read by the last tick

    def due(self, now: datetime) -> bool:
        """Whether a full cycle should run now (one cheap version read). A source that
        cannot tell (None) or cannot be reached waits for the safety net."""
        try:
            self._seen, self.error = self.source.version(), None
        except SourceError as exc:
            self._seen, self.error = None, exc
        moved = self._seen is not None and self._seen != self.version
        if moved and self.last_cycle is not None:
            self.last_change = now
        if self.last_cycle is None or self.again or moved:
            return True
        return now - self.last_cycle >= self.interval

    def ran(self, report: Report, now: datetime) -> None:
        """Remember the version the cycle leaves behind, our own writes included."""
        self.version = self._version_now() if report.wrote else self._seen
        self.again = report.unseen > 0
        self.last_cycle = now

    def failed(self, now: datetime) -> None:
        """A cycle that failed is tried again on the next change or the safety net, not on
        every tick: a sheet shared read-only must not cost 180 Sheets reads an hour."""
        self.version, self.again, self.last_cycle = self._seen, False, now

    def _version_now(self) -> str | None:
        try:
            return self.source.version()
        except SourceError:
            return None
