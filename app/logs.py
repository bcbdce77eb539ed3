"""Logging for humans and machines, with personal data masked everywhere.

One line per event: readable on a terminal, JSON lines with --log-format json.
Every record passes through `Scrub`, which masks anything shaped like an NSS,
a CURP or an email address in the message and in any traceback, so a careless
log call elsewhere still cannot leak them.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from facultativo.sync.privacy import scrub


class Scrub(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class Ours(logging.Filter):
    """Only facultativo's own lines: the libraries speak English («Retrying (Retry(total=2…
    after connection broken by 'NameResolutionError…'») about failures that facultativo
    already reports in one Spanish line. With level DEBUG everything passes."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.everything = level <= logging.DEBUG

    def filter(self, record: logging.LogRecord) -> bool:
        return self.everything or record.name.split(".")[0] == "facultativo"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="seconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_text:
            entry["error"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def setup(fmt: str = "text", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(Ours(level))
    handler.addFilter(Scrub())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S")
        )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("apscheduler", "googleapiclient", "urllib3", "pdfminer", "httplib2"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))  # not even formatted
