"""Fault matrix: each fault injected end to end (fake Google server, loopback SMTP, the
ledger), cycles run until nothing is left to do, then what the sheet, the ledger and the
students ended with.

    python -m tests.reliability.faults          # prints the table for docs/RELIABILITY.md

Invariants checked for every fault: every row has an estado; every student who was due an
email got exactly one per request, or the failure is written in the sheet; no email was
sent twice; the ledger passes integrity_check.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from facultativo.config import load
from facultativo.sync.cycle import run_cycle
from facultativo.sync.ledger import LedgerError
from facultativo.sync.sources.base import SourceError
from facultativo.validators import ValidatorPool
from facultativo.wiring import forget_backends, open_runtime
from tests.support import google_env as g
from tests.support import smtp_server as smtp
from tests.support.fake_google import FakeGoogle, Fault
from tests.support.workspace import Clock


@dataclass
class Scenario:
    name: str
    what: str
    google: list[Fault] | None = None
    smtp: Callable[[smtp.Recorder, list[str]], None] | None = None
    ledger: str | None = None  # "full" (disk full mid-cycle) or "readonly" (one cycle)
    unshared_file: bool = False


@dataclass
class Outcome:
    scenario: str
    what: str
    rows: int
    rows_with_estado: int
    manual_review: int
    emails_due: int
    emailed_once: int
    failures_shown: int
    repeated: int
    cycles: int
    cycle_errors: int
    integrity: str

    @property
    def ok(self) -> bool:
        return (
            self.rows_with_estado == self.rows
            and self.repeated == 0
            and self.emailed_once + self.failures_shown == self.emails_due
            and self.integrity == "ok"
        )

    def row(self) -> str:
        sheet = f"{self.rows_with_estado}/{self.rows} con estado"
        if self.manual_review:
            sheet += f", {self.manual_review} en revisión manual"
        students = f"{self.emailed_once}/{self.emails_due} una vez"
        if self.failures_shown:
            students += f", {self.failures_shown} fallo visible en la hoja"
        return (
            f"| {self.what} | {sheet} | {self.integrity}, {self.cycle_errors} ciclo(s) "
            f"fallido(s) y recuperado(s) | {students}; repetidos: {self.repeated} |"
        )


def _smtp_replies(kind: str) -> Callable[[smtp.Recorder, list[str]], None]:
    def apply(rec: smtp.Recorder, addresses: list[str]) -> None:
        if kind == "421":
            rec.data_replies[3] = "421 4.7.0 Cerrando el canal"
        elif kind == "451":
            rec.rcpt_replies[addresses[4]] = ["451 4.3.0 Intenta más tarde"] * 2
        elif kind == "550":
            rec.rcpt_replies[addresses[5]] = ["550 5.1.1 El buzón no existe"]
        elif kind == "cut":
            rec.drop_at.update({2, 9})

    return apply


SCENARIOS = [
    Scenario(
        "sheets-429",
        "Sheets 429 ×3 (Retry-After)",
        [Fault(r"values:batchGet", 429, times=3, headers={"Retry-After": "0.2"})],
    ),
    Scenario("sheets-500", "Sheets 500 ×2 al leer", [Fault(r"^GET /v4/", 500, times=2)]),
    Scenario(
        "sheets-503-write",
        "Sheets 503 ×6 al escribir (agota los reintentos)",
        [Fault(r"values:batchUpdate", 503, times=6)],
    ),
    Scenario(
        "sheets-timeout",
        "Sheets lenta (7 s > tiempo límite 5 s)",
        [Fault(r"values:batchGet", delay=7, times=1)],
    ),
    Scenario(
        "drive-403-rate",
        "Drive 403 rateLimitExceeded ×4",
        [Fault(r"/drive/v3/files/", 403, times=4, reason="rateLimitExceeded")],
    ),
    Scenario("drive-404", "Drive 404 (archivo no compartido o borrado)", unshared_file=True),
    Scenario("drive-500", "Drive 500 ×4", [Fault(r"/drive/v3/files/", 500, times=4)]),
    Scenario("drive-slow", "Drive: descarga lenta (7 s)", [Fault(r"alt=media", delay=7)]),
    Scenario(
        "drive-dropped",
        "Drive: conexión cortada a media descarga ×2",
        [Fault(r"alt=media", drop_after=100, times=2)],
    ),
    Scenario("smtp-421", "SMTP 421 en DATA", smtp=_smtp_replies("421")),
    Scenario("smtp-451", "SMTP 451 ×2 a un destinatario", smtp=_smtp_replies("451")),
    Scenario("smtp-550", "SMTP 550 (buzón inexistente)", smtp=_smtp_replies("550")),
    Scenario("smtp-dropped", "SMTP: conexión cortada a media tanda ×2", smtp=_smtp_replies("cut")),
    Scenario("ledger-full", "Bitácora: disco lleno a mitad del ciclo", ledger="full"),
    Scenario("ledger-readonly", "Bitácora de solo lectura durante un ciclo", ledger="readonly"),
]


def _config(folder: Path, fake: FakeGoogle, smtp_port: int) -> Path:
    path = g.config(folder, fake)
    text = path.read_text().replace(
        '[campus.mail]\noutbox = "outbox"',
        f'[campus.mail]\nsender = "smtp"\nhost = "127.0.0.1"\nport = {smtp_port}\n'
        'security = "none"\nauth = "none"\ntimeout_seconds = 5',
    )
    text = text.replace("retry_minutes = 0", "retry_minutes = 1\nmax_attempts = 3")
    path.write_text(text, encoding="utf-8")
    return path


def run_one(scenario: Scenario, folder: Path, pool: ValidatorPool) -> Outcome:
    fake = FakeGoogle().start()
    forget_backends()
    recorder = smtp.Recorder()
    controller = smtp.start(recorder, "plain")
    try:
        book = g.spreadsheet(fake, g.demo_rows(fake))
        addresses = g.column(book, "Dirección de correo electrónico")
        if scenario.unshared_file:
            fake.files["1Drv001betoxyz"].shared = False
        if scenario.google:
            fake.faults.extend(scenario.google)
        if scenario.smtp:
            scenario.smtp(recorder, addresses)
        config = load(_config(folder, fake, controller.port))
        clock, cycles, errors = Clock(), 0, 0
        for n in range(8):
            cycles += 1
            try:
                _cycle(config, pool, clock, scenario.ledger if n == 0 else None)
            except (SourceError, LedgerError):
                errors += 1
            clock.advance(60 * 6)
        return _outcome(scenario, book, recorder, folder, cycles, errors)
    finally:
        controller.stop()
        fake.stop()
        forget_backends()


def _cycle(config, pool: ValidatorPool, clock: Clock, ledger_fault: str | None) -> None:
    campus = config.campuses[0]
    with open_runtime(config, campus, pool) as rt:
        rt.hooks.clock = clock
        if ledger_fault == "readonly":
            rt.ports.ledger.db.execute("PRAGMA query_only = ON")
        if ledger_fault == "full":

            def fill(step: str) -> None:
                if step == "validated":
                    pages = rt.ports.ledger.db.execute("PRAGMA page_count").fetchone()[0]
                    rt.ports.ledger.db.execute(f"PRAGMA max_page_count = {pages}")

            rt.hooks.checkpoint = fill
        run_cycle(rt)


def _outcome(
    s: Scenario, book, recorder: smtp.Recorder, folder: Path, cycles: int, errors: int
) -> Outcome:
    estados = g.column(book, "Validación: estado")
    notified = g.column(book, "Validación: notificada el")
    addresses = g.column(book, "Dirección de correo electrónico")
    due = Counter(a for a, e in zip(addresses, estados, strict=True) if e and e != "ERROR TEMPORAL")
    got = Counter(r for rcpts, _ in recorder.messages for r in rcpts)
    failed = Counter(
        a for a, n in zip(addresses, notified, strict=True) if str(n).startswith("ERROR")
    )
    once = sum(min(got[a], n) for a, n in due.items() if not failed[a])
    shown = sum(failed.values())
    ids = recorder.ids()
    db = sqlite3.connect(folder / "facultativo.db")
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    return Outcome(
        s.name,
        s.what,
        len(estados),
        sum(1 for e in estados if e),
        sum(1 for e in estados if e == "REVISIÓN MANUAL"),
        sum(due.values()),
        once,
        shown,
        len(ids) - len(set(ids)),
        cycles,
        errors,
        integrity,
    )


def main() -> None:
    results = []
    with ValidatorPool(workers=2) as pool:
        for scenario in SCENARIOS:
            with tempfile.TemporaryDirectory() as tmp:
                results.append(run_one(scenario, Path(tmp), pool))
    print("| falla inyectada | hoja | bitácora | estudiantes |")
    print("|---|---|---|---|")
    for r in results:
        print(r.row())
    print(f"\n{sum(r.ok for r in results)}/{len(results)} fallas superadas sin perder nada.")
    sys.exit(0 if all(r.ok for r in results) else 1)


if __name__ == "__main__":
    main()
