"""Kill -9 harness: run `facultativo sync --once` on a few hundred rows, kill it at random
moments, restart, repeat; then check that nothing was lost.

    python -m tests.reliability.crash --kills 50 --rows 300 --seed 7

Checks, after the last restart runs to completion: every row has an estado; every email
that was due exists in the outbox; repeated emails <= kills; the ledger passes
`PRAGMA integrity_check`; the workbook opens.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from openpyxl import load_workbook

from facultativo import demo
from tests.support.workspace import message_id

EXE = [sys.executable, "-m", "facultativo.cli"]


@dataclass
class CrashResult:
    rows: int
    kills: int
    kills_mid_cycle: int
    kills_by_phase: dict[str, int]
    runs_to_finish: int
    rows_without_estado: int
    emails_due: int
    emails_missing: int
    emails_repeated: int
    ledger_integrity: str
    seconds: float

    @property
    def ok(self) -> bool:
        return (
            self.rows_without_estado == 0
            and self.emails_missing == 0
            and self.emails_repeated <= self.kills
            and self.ledger_integrity == "ok"
        )


def build(folder: Path, rows: int) -> Path:
    demo.build(folder)
    append(folder, rows - 20)
    config = folder / "facultativo.toml"
    # Thousands of rows in one day: lift the daily email cap, which would defer (not lose) mail.
    text = config.read_text().replace('sender = "outbox"', 'sender = "outbox"\ndaily_cap = 100000')
    config.write_text(text, encoding="utf-8")
    return config


def append(folder: Path, count: int) -> None:
    """New form responses, as if students kept submitting between runs."""
    book = load_workbook(folder / "respuestas.xlsx")
    ws = book.worksheets[0]
    base = [[c.value for c in row][:9] for row in ws.iter_rows(min_row=2, max_row=21)]
    start = ws.max_row
    for i in range(start, start + count):
        row = list(base[i % len(base)])
        if row[8] and "gabi" in str(row[8]):  # keep ERROR TEMPORAL to the one demo row
            row[8] = "constancias/ana.pdf"
        row[0] = row[0].replace(
            day=17 + i // 86400, hour=(i // 3600) % 24, minute=(i // 60) % 60, second=i % 60
        )
        row[1] = f"alumno{i}@alumnos.example.mx"
        ws.append(row)
    book.save(folder / "respuestas.xlsx")


def run(
    kills: int, rows: int, seed: int, folder: Path | None = None, delays: list[float] | None = None
) -> CrashResult:
    """`delays`: seconds before each kill; random within the run's expected length otherwise."""
    rng = random.Random(seed)
    folder = folder or Path(tempfile.mkdtemp(prefix="facultativo-crash-"))
    config = build(folder, rows)
    started = time.monotonic()
    mid, phases = 0, Counter()
    for n in range(kills):
        if n:  # students keep submitting: every run has work to be killed in
            append(folder, rng.randint(30, 150))
        phase = rng.choice(PHASES) if delays is None else "timed"
        proc = subprocess.Popen(
            [*EXE, "sync", "--config", str(config), "--once"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        landed = _wait_for_phase(proc, folder, phase, rng, delays[n] if delays else 0.0)
        alive = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if alive:
            mid += 1
            phases[landed] += 1
    finishing = 0
    while finishing < 10:
        finishing += 1
        done = subprocess.run(
            [*EXE, "sync", "--config", str(config), "--once"],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if (
            done.returncode == 0
            and " 0 procesadas" in done.stdout
            and "por reintentar" not in done.stdout
        ):
            break
    return _check(folder, rows, kills, mid, phases, finishing, time.monotonic() - started)


PHASES = ("starting", "validating", "writing", "sending")


def _wait_for_phase(
    proc: subprocess.Popen, folder: Path, phase: str, rng: random.Random, delay: float
) -> str:
    """Let the run reach `phase`, then return (the caller kills at once)."""
    if phase == "timed":
        time.sleep(delay)
        return "timed"
    if phase == "starting":
        time.sleep(rng.uniform(0.05, 0.5))
        return phase
    recorded = _progress(folder)[0]
    outbox = folder / "outbox"
    emails = len(list(outbox.glob("*.eml"))) if outbox.exists() else 0
    target = rng.randint(1, 40)
    deadline = time.monotonic() + 120
    started = time.monotonic()
    wait = rng.uniform(0.3, 1.5)
    while proc.poll() is None and time.monotonic() < deadline:
        if phase == "validating" and time.monotonic() - started > wait:
            return "validating" if _progress(folder)[0] == recorded else "writing"
        if phase == "writing" and _progress(folder)[0] > recorded:
            return "writing"
        if (
            phase == "sending"
            and outbox.exists()
            and len(list(outbox.glob("*.eml"))) >= (emails + target)
        ):
            return "sending"
        time.sleep(0.005)
    return "finished"


def _progress(folder: Path) -> tuple[int, int]:
    """(responses recorded, emails sent) in the ledger: did a kill land after recording?"""
    path = folder / "facultativo.db"
    if not path.exists():
        return (0, 0)
    db = sqlite3.connect(path, timeout=30)
    try:
        responses = db.execute("SELECT COUNT(*) FROM responses WHERE estado IS NOT NULL")
        sent = db.execute("SELECT COUNT(*) FROM notifications WHERE status = 'sent'")
        return (responses.fetchone()[0], sent.fetchone()[0])
    except sqlite3.OperationalError:
        return (0, 0)
    finally:
        db.close()


def _check(
    folder: Path, rows: int, kills: int, mid: int, phases: Counter, finishing: int, seconds: float
) -> CrashResult:
    book = load_workbook(folder / "respuestas.xlsx")
    values = list(book.worksheets[0].iter_rows(values_only=True))
    header = list(values[0])
    estado = header.index("Validación: estado")
    no_estado = sum(1 for r in values[1:] if not r[estado])
    rows = len(values) - 1
    db = sqlite3.connect(folder / "facultativo.db")
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    due = {
        f"resultado.{gen}.{key}"
        for key, gen, est in db.execute("SELECT key, generation, estado FROM responses")
        if est != "ERROR_TEMPORAL"
    }
    db.close()
    sent = Counter(message_id(p) for p in (folder / "outbox").glob("*.eml"))
    sent_stems = {s.rsplit("@", 1)[0] for s in sent}
    missing = len(due - sent_stems)
    repeated = sum(n - 1 for n in sent.values())
    return CrashResult(
        rows,
        kills,
        mid,
        dict(phases),
        finishing,
        no_estado,
        len(due),
        missing,
        repeated,
        integrity,
        round(seconds, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    result = run(args.kills, args.rows, args.seed)
    print(json.dumps({**asdict(result), "ok": result.ok}, indent=2))
    sys.exit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
