"""Chaos staff: a thread edits the workbook the way an office does while cycles run.

    python -m tests.reliability.chaos --cycles 200 --seed 3

It sorts the rows, inserts new answers at the top, renames the estado header, clears
one estado, clears the whole status block, and types ALTA APLICADA, each followed by
an Excel-like save (temp file, then rename), at random moments during the cycles.
Then the edits stop, a few quiet cycles run, and it checks:

- every response carries its own verdict (the one a calm run gives it), or the
  APLICADA label staff typed on it; no APLICADA label is lost;
- every student got exactly one result email per request, and one follow-up per
  APLICADA; nothing was mailed twice.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook

from facultativo.sync.sources import SourceError
from tests.support.workspace import Workspace, message_id

ESTADO = "Validación: estado"
EMAIL = "Dirección de correo electrónico"
STAMP = "Marca temporal"
NSS = "Número de Seguridad Social (NSS)"
FORM_COLUMNS = 9  # the Form's own questions; the status block comes after them
OPS = ("sort", "insert", "rename", "clear_one", "clear_block", "aplicada", "aplicada", "aplicada")


@dataclass
class ChaosResult:
    cycles: int
    edits: Counter[str] = field(default_factory=Counter)
    cycles_refused: int = 0  # the workbook changed under a write: retried next cycle
    restored_rows: int = 0
    responses: int = 0
    wrong_verdicts: int = 0
    lost_aplicada: int = 0
    aplicada_wiped_unseen: int = 0  # typed, then cleared by staff before any cycle read it
    result_emails_repeated: int = 0
    result_emails_missing: int = 0
    follow_ups: int = 0
    follow_ups_repeated: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.wrong_verdicts
            or self.lost_aplicada
            or self.result_emails_repeated
            or self.result_emails_missing
            or self.follow_ups_repeated
        )


class Staff(threading.Thread):
    """Edits and saves the workbook at random moments, until told to stop."""

    def __init__(self, ws: Workspace, seed: int, pause: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.ws, self.rng, self.pause = ws, random.Random(seed), pause
        self.stop = threading.Event()
        self.edits: Counter[str] = Counter()
        self.aplicada: set[tuple[str, str]] = set()  # (stamp, email) staff marked
        self.inserted = 0

    def run(self) -> None:
        while not self.stop.is_set():
            time.sleep(self.rng.uniform(0, self.pause))
            op = self.rng.choice(OPS)
            try:
                if self._edit(op):
                    self.edits[op] += 1
            except (OSError, ValueError, KeyError):  # a save raced ours: staff try again
                self.edits["failed_saves"] += 1

    def at_checkpoints(self):
        """Edits for one cycle, each at a checkpoint the seed picks."""
        plan = Counter(self.rng.choice(CHECKPOINTS) for _ in range(self.rng.randint(0, 3)))

        def checkpoint(step: str) -> None:
            for _ in range(plan.pop(step, 0)):
                op = self.rng.choice(OPS)
                if self._edit(op):
                    self.edits[op] += 1

        return checkpoint

    def _edit(self, op: str) -> bool:
        path = self.ws.workbook
        book = load_workbook(path)
        sheet = book.worksheets[0]
        header = [c.value for c in sheet[1]]
        if ESTADO not in header and op in ("clear_one", "clear_block", "aplicada"):
            return False
        changed = getattr(self, f"_{op}")(sheet, header)
        if changed:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="~staff-", suffix=".xlsx")
            os.close(fd)
            book.save(tmp)
            os.replace(tmp, path)  # how Excel and LibreOffice save
        return changed

    def _sort(self, sheet, header) -> bool:
        rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
        self.rng.shuffle(rows)
        sheet.delete_rows(2, sheet.max_row)
        for r in rows:
            sheet.append(r)
        return True

    def _insert(self, sheet, header) -> bool:
        """A new answer on top, as a Form with newest-first sorting shows it."""
        form = [c.value for c in sheet[2]][:FORM_COLUMNS]
        if not isinstance(form[0], datetime):
            return False
        self.inserted += 1
        form[0] = datetime(2026, 11, 16, 9, 0) + timedelta(seconds=self.inserted)
        form[header.index(EMAIL)] = f"nuevo{self.inserted}@alumnos.example.mx"
        # its own NSS (not valid): a verdict of its own, never a duplicate of another row's
        form[header.index(NSS)] = f"99{self.inserted:09d}"
        sheet.insert_rows(2)
        for c, value in enumerate(form, start=1):
            sheet.cell(2, c).value = value
        return True

    def _rename(self, sheet, header) -> bool:
        if ESTADO not in header:
            return False
        sheet.cell(1, header.index(ESTADO) + 1).value = "Estado (revisado)"
        return True

    def _clear_one(self, sheet, header) -> bool:
        col = header.index(ESTADO) + 1
        filled = [r for r in range(2, sheet.max_row + 1) if sheet.cell(r, col).value]
        if not filled:
            return False
        r = self.rng.choice(filled)
        if "APLICADA" in str(sheet.cell(r, col).value):
            return False  # staff do not undo their own APLICADA
        sheet.cell(r, col).value = None
        return True

    def _clear_block(self, sheet, header) -> bool:
        col = header.index(ESTADO) + 1
        for r in range(2, sheet.max_row + 1):
            for c in range(col, col + 7):
                sheet.cell(r, c).value = None
        return True

    def _aplicada(self, sheet, header) -> bool:
        col, tipo = header.index(ESTADO) + 1, header.index("Tipo de solicitud") + 1
        ready = [
            r
            for r in range(2, sheet.max_row + 1)
            if sheet.cell(r, col).value == "ACEPTADA" and "Alta" in str(sheet.cell(r, tipo).value)
        ]
        if not ready:
            return False
        r = self.rng.choice(ready)
        sheet.cell(r, col).value = "ALTA APLICADA"
        key = (str(sheet.cell(r, 1).value), str(sheet.cell(r, header.index(EMAIL) + 1).value))
        self.aplicada.add(key)
        return True


CHECKPOINTS = ("read", "validated", "recorded", "intent", "sent", "written")


def run(
    cycles: int, seed: int, pool, folder: Path | None = None, threaded: bool = True
) -> ChaosResult:
    """`threaded`: staff edit from a thread at any moment (the figures); otherwise at
    checkpoints inside each cycle chosen by the seed, the same way every run (the tests)."""
    folder = folder or Path(tempfile.mkdtemp(prefix="facultativo-chaos-"))
    started = time.monotonic()
    calm = Workspace(folder / "calm")
    ws = Workspace(folder / "chaos")
    result = ChaosResult(cycles)
    staff = Staff(ws, seed)
    if threaded:
        staff.start()
    try:
        for _ in range(cycles):
            ws.clock.advance(1)
            calm.clock.advance(1)
            checkpoint = None if threaded else staff.at_checkpoints()
            try:
                result.restored_rows += ws.cycle(pool, checkpoint=checkpoint).restored
            except SourceError:  # the workbook changed under us: nothing written, next cycle
                result.cycles_refused += 1
    finally:
        staff.stop.set()
        if threaded:
            staff.join(10)
    for _ in range(3):  # the office goes home; the service catches up
        ws.clock.advance(60)
        result.restored_rows += ws.cycle(pool).restored
    _retry_until_settled(ws, pool)  # late answers get their retries too
    calm.clock.now = ws.clock.now  # the calm run, at the same moment, judges the verdicts
    result.edits = staff.edits
    _check(result, calm, ws, staff, pool)
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _check(result: ChaosResult, calm: Workspace, ws: Workspace, staff: Staff, pool) -> None:
    """The chaos sheet against a calm run of the same answers (plus staff's new ones)."""
    rows = ws.rows()
    calm_book = load_workbook(calm.workbook)
    calm_sheet = calm_book.worksheets[0]
    known = {(str(r[STAMP]), r[EMAIL]) for r in calm.rows()}
    for r in rows:  # staff's inserted answers join the calm run too
        if (str(r[STAMP]), r[EMAIL]) not in known:
            calm_sheet.append([r.get(h) for h in [c.value for c in calm_sheet[1]][:FORM_COLUMNS]])
            known.add((str(r[STAMP]), r[EMAIL]))
    calm_book.save(calm.workbook)
    calm.cycle(pool)
    _retry_until_settled(calm, pool)
    want = {(str(r[STAMP]), r[EMAIL]): r[ESTADO] for r in calm.rows()}
    result.responses = len(want)
    followed = _follow_up_recipients(ws)
    for r in rows:
        key = (str(r[STAMP]), r[EMAIL])
        if key in staff.aplicada:
            if r.get(ESTADO) == "ALTA APLICADA":
                continue
            if r[EMAIL] in followed:  # the service had seen it: losing it is ours
                result.lost_aplicada += 1
                result.problems.append(f"APLICADA perdida: {key[1]} → {r.get(ESTADO)}")
            else:  # wiped by staff's own next edit before any cycle saw it
                result.aplicada_wiped_unseen += 1
            if r.get(ESTADO) != want.get(key) and r.get(ESTADO) != "ALTA APLICADA":
                result.wrong_verdicts += r.get(ESTADO) != want.get(key)
        elif r.get(ESTADO) != want.get(key):
            result.wrong_verdicts += 1
            result.problems.append(
                f"{key[1]}: {r.get(ESTADO)} ≠ {want.get(key)} ({r.get('Validación: detalle')})"
            )
    sent = Counter(message_id(p) for p in ws.emails())
    results = Counter()
    for name, n in sent.items():
        kind, _generation, key = name.split(".", 2)
        if kind == "resultado":
            results[key] += n
        else:
            result.follow_ups += n
            result.follow_ups_repeated += n - 1
    # ids carry each ledger's prefix: the two runs are compared by who got a result
    result.result_emails_repeated = sum(n - 1 for n in results.values() if n > 1)
    result.result_emails_missing = len(_result_recipients(calm) - _result_recipients(ws))
    if result.result_emails_repeated:
        result.problems.append(f"correos repetidos: {result.result_emails_repeated}")


def _follow_up_recipients(ws: Workspace) -> set[str]:
    return _recipients(ws, "aplicada.")


def _result_recipients(ws: Workspace) -> set[str]:
    return _recipients(ws, "resultado.")


def _recipients(ws: Workspace, kind: str) -> set[str]:
    import email
    from email import policy

    found = set()
    for path in ws.emails():
        if message_id(path).startswith(kind):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            found.add(str(message["To"]))
    return found


def _retry_until_settled(ws: Workspace, pool) -> None:
    """Time passes until every ERROR TEMPORAL has used up its retries."""
    for _ in range(8):
        ws.clock.advance(60 * 13)
        ws.cycle(pool)


def main() -> None:
    from facultativo.validators import ValidatorPool

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    with ValidatorPool(workers=2) as pool:
        outcome = run(args.cycles, args.seed, pool)
    data = {**asdict(outcome), "edits": dict(outcome.edits), "ok": outcome.ok}
    print(json.dumps(data, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
