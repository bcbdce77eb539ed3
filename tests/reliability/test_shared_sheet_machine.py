"""A stateful property test of the shared sheet (issues 21 and 22): hypothesis interleaves
cycles with what staff and students do to the workbook, a process killed mid-cycle, modo
sombra turned off and a mail server answering 450 for an hour (a real SMTP server on
loopback, a simulated clock), and checks after every step what must never happen.

Invariants:
- no message is sent twice (but for the one resend a kill between sending and recording
  costs, by design: at-least-once), and no address gets the same result email twice;
- no student who answered before `desde` (ANTERIOR), and no student decided in modo
  sombra, is ever mailed (unless the student answers anew), not even when staff re-run;
- no staff cell is overwritten: an ALTA APLICADA or a decision in their own words stays,
  wherever the row moves, and so does a note typed in «detalle» or «motivo» (until staff
  clear that estado or the student changes the answer);
- once the office goes home and the service catches up, every response after `desde`
  has an estado and, with a valid address, a «notificada el»; and the last decision
  staff left standing is the last thing its student was told.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from facultativo.config import Mail
from facultativo.notifiers import smtp as smtp_sender
from facultativo.settings import Backend
from facultativo.sync.block import DEFAULT_BLOCK
from facultativo.sync.model import NoticeStatus
from facultativo.sync.sources import SourceError
from facultativo.sync.wording import staff_word
from tests.support import smtp_server as smtp
from tests.support.sheet import ESTADO, MOTIVO, NOTIFICADA
from tests.support.workspace import Crash, Workspace, crash_at

STATUS_HEADERS = DEFAULT_BLOCK.titles  # the demo's block (no prefijo)

pytestmark = pytest.mark.slow

TZ = ZoneInfo("America/Mexico_City")
DESDE = datetime(2026, 11, 16, 10, 0, tzinfo=TZ)
STAMP, EMAIL = "Marca temporal", "Dirección de correo electrónico"
DETALLE, ID = STATUS_HEADERS["detalle"], STATUS_HEADERS["id"]
FILE = "Adjunta tu Constancia de Vigencia de Derechos (PDF)"
CHECKPOINTS = ("read", "validated", "recorded", "intent", "delivered", "sent", "written")
# staff's words for a decision, as they type them
WORDS = ("Aceptado", "No procede", "rechazada.", "ACEPTADA", "Concluido", "procede")
RUNS = Counter()
# A longer campaign by hand: FACULTATIVO_MACHINE_EXAMPLES=300 pytest -s this file.
EXAMPLES = int(os.environ.get("FACULTATIVO_MACHINE_EXAMPLES", "25"))


def _header(sheet) -> list[str]:
    return [c.value for c in sheet[1]]


class SharedSheet(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="hoja-", dir=_root[0]))
        self.recorder = smtp.Recorder()
        self.server = smtp.start(self.recorder, "plain")
        settings_ = smtp_sender.Settings(
            host="127.0.0.1", port=self.server.port, security="none", timeout_seconds=10
        )
        mail = Mail(
            sender=Backend("smtp", settings_),
            from_address="Servicios Escolares <escolares@demo.example.mx>",
            espera_decision_minutos=10,
        )
        self.ws = Workspace(self.folder, desde=DESDE, mail=mail)
        self.export = self.folder / "export.xlsx"
        shutil.copy(self.ws.workbook, self.export)
        self.before = {r[EMAIL] for r in self.ws.rows() if r[STAMP].replace(tzinfo=TZ) < DESDE} - {
            r[EMAIL] for r in self.ws.rows() if r[STAMP].replace(tzinfo=TZ) >= DESDE
        }
        self.aplicada: set[tuple[str, str]] = set()  # (stamp, email) staff marked, seen
        self.typed: set[tuple[str, str]] = set()  # marked, no cycle has read it yet
        self.new = 0
        self.windows = 0  # kills between a send and its record: one resend each, by design
        self.notes: dict[tuple[str, str], str] = {}  # (id, column) → the note staff typed
        self.decided: dict[str, str] = {}  # id → staff's decision in their words, seen
        self.deciding: dict[str, str] = {}  # typed, no cycle has read it yet
        self.silent: set[str] = set()  # ids decided in modo sombra: never mailed after
        self.unseen_edits: set[str] = set()  # answers edited since the last full cycle
        self.shadow = False

    @initialize(shadow=st.booleans())
    def start(self, shadow: bool) -> None:
        """Half the offices start in modo sombra."""
        self.shadow = shadow
        if shadow:
            self._mail(modo="sombra")

    def _mail(self, **changes) -> None:
        from dataclasses import replace

        self.ws.campus = replace(self.ws.campus, mail=replace(self.ws.campus.mail, **changes))

    # --- what runs ---------------------------------------------------------------------

    @rule()
    def cycle(self) -> None:
        self.ws.clock.advance(7)
        with contextlib.suppress(SourceError):  # refused: the next cycle does it
            self.ws.cycle(_pool)
            self.aplicada |= self.typed
            self.typed.clear()
            self.decided.update(self.deciding)
            self.deciding.clear()
            self.unseen_edits.clear()

    @rule(step=st.sampled_from(CHECKPOINTS))
    def killed_mid_cycle(self, step: str) -> None:
        self.ws.clock.advance(3)
        try:
            self.ws.cycle(_pool, checkpoint=crash_at(step))
        except Crash:
            self.windows += step == "delivered"
        except SourceError:
            pass

    # --- what staff and students do ------------------------------------------------------

    def _edit(self, change) -> None:
        self.ws.edit(change)

    def _set_by_id(self, ident: str, column: str, value: str) -> None:
        """Staff type `value` in `column` of the row that carries this id, wherever it is."""

        def change(sheet):
            head = _header(sheet)
            for r in range(2, sheet.max_row + 1):
                if str(sheet.cell(r, head.index(ID) + 1).value) == ident:
                    sheet.cell(r, head.index(column) + 1).value = value

        self._edit(change)

    def _lose_unseen(self) -> None:
        """Staff's own wipe or re-export takes a label no cycle has read yet (theirs to type
        again, not ours to keep), and the notes they typed."""
        self.typed.clear()
        self.notes.clear()
        self.deciding.clear()

    @rule(seed=st.integers(0, 10**6))
    def sort_whole_rows(self, seed: int) -> None:
        import random

        def change(sheet):
            rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
            random.Random(seed).shuffle(rows)
            sheet.delete_rows(2, sheet.max_row)
            for r in rows:
                sheet.append(r)

        self._edit(change)

    @rule()
    def a_new_answer(self) -> None:
        self.new += 1
        n = self.new

        def change(sheet):
            form = [c.value for c in sheet[2]][:9]
            form[0] = datetime(2026, 11, 16, 11, 0) + timedelta(minutes=n)
            form[1] = f"nueva{n}@alumnos.example.mx"
            form[5] = f"99{n:09d}"
            sheet.insert_rows(2)
            for c, value in enumerate(form, start=1):
                sheet.cell(2, c).value = value

        self._edit(change)

    @precondition(lambda self: {ESTADO, DETALLE, MOTIVO, ID} <= set(self.ws.rows()[0]))
    @rule(data=st.data(), column=st.sampled_from([DETALLE, MOTIVO]))
    def type_a_note(self, data, column: str) -> None:
        rows = [r for r in self.ws.rows() if r.get(ESTADO) and r.get(ID)]
        if not rows:
            return
        i = data.draw(st.integers(0, len(rows) - 1))
        ident, note = str(rows[i][ID]), f"Nota del personal {len(self.notes) + 1}"

        self._set_by_id(ident, column, note)
        self.notes[(ident, column)] = note

    @precondition(lambda self: {ESTADO, ID} <= set(self.ws.rows()[0]))
    @rule(data=st.data(), word=st.sampled_from(WORDS))
    def type_a_decision(self, data, word: str) -> None:
        """Staff decide a row in their own words, or correct a decision they typed."""
        rows = [
            r
            for r in self.ws.rows()
            if r.get(ID)
            and r[STAMP].replace(tzinfo=TZ) >= DESDE
            and r.get(ESTADO) in ("REVISIÓN MANUAL", "RECHAZADA", "ACEPTADA", *WORDS)
        ]
        if not rows:
            return
        row = data.draw(st.sampled_from(rows))
        ident = str(row[ID])

        self._set_by_id(ident, ESTADO, word)
        self.decided.pop(ident, None)
        self.deciding[ident] = word

    @precondition(lambda self: self.shadow)
    @rule()
    def turn_shadow_off(self) -> None:
        """The office ends its trial weeks: whoever was decided so far never hears."""
        ledger = self.ws.ledger()
        try:
            notices = ledger.notices(self.ws.campus.name).values()
            shadowed = {n.key for n in notices if n.status == NoticeStatus.SHADOW}
        finally:
            ledger.close()
        # an answer edited that no cycle has seen yet is answered anew after go-live: told
        self.silent |= shadowed - self.unseen_edits
        self.shadow = False
        self._mail(modo="normal")

    @rule()
    def smtp_answers_450_for_an_hour(self) -> None:
        self.recorder.refuse_all = "450 4.7.1 Greylisted, intenta más tarde"
        try:
            for _ in range(6):
                self.cycle()
                self.ws.clock.advance(3)
        finally:
            self.recorder.refuse_all = None

    @precondition(lambda self: {ESTADO, ID} <= set(self.ws.rows()[0]))
    @rule(data=st.data())
    def clear_estados(self, data) -> None:
        rows = list(range(2, len(self.ws.rows()) + 2))
        chosen = data.draw(st.lists(st.sampled_from(rows), min_size=1, unique=True))

        def change(sheet):
            col, ids = _header(sheet).index(ESTADO) + 1, _header(sheet).index(ID) + 1
            for r in chosen:
                if "APLICADA" not in str(sheet.cell(r, col).value):  # staff keep theirs
                    sheet.cell(r, col).value = None
                    ident = str(sheet.cell(r, ids).value)  # a re-run: ours again, and mailed
                    for column in (DETALLE, MOTIVO):
                        self.notes.pop((ident, column), None)
                    for known in (self.decided, self.deciding):
                        known.pop(ident, None)

        self._edit(change)

    @precondition(lambda self: ESTADO in self.ws.rows()[0])
    @rule()
    def wipe_the_block(self) -> None:
        def change(sheet):
            col = _header(sheet).index(ESTADO) + 1
            for r in range(2, sheet.max_row + 1):
                for c in range(col, col + len(STATUS_HEADERS)):
                    sheet.cell(r, c).value = None

        self._edit(change)
        self._lose_unseen()

    @precondition(lambda self: any(h.startswith("Validación") for h in self.ws.rows()[0]))
    @rule(which=st.sampled_from(list(STATUS_HEADERS.values())))
    def delete_a_block_column(self, which: str) -> None:
        def change(sheet):
            if which in _header(sheet):
                sheet.delete_cols(_header(sheet).index(which) + 1, 1)

        self._edit(change)
        if which == ESTADO:
            self.typed.clear()  # an APLICADA no cycle read, gone with its column
        if which in (DETALLE, MOTIVO):
            self.notes = {k: v for k, v in self.notes.items() if k[1] != which}
        if which == ESTADO:
            self.deciding.clear()

    @precondition(lambda self: ESTADO in self.ws.rows()[0])
    @rule()
    def rename_the_estado_header(self) -> None:
        def change(sheet):
            sheet.cell(1, _header(sheet).index(ESTADO) + 1).value = "Estado (revisado)"

        self._edit(change)
        self.typed.clear()  # an APLICADA no cycle read is in the renamed column now
        self.deciding.clear()

    @rule()
    def re_export(self) -> None:
        shutil.copy(self.export, self.ws.workbook)
        self._lose_unseen()
        self.new = 1000 + self.new  # staff's inserted answers are gone with the old file

    @precondition(lambda self: "ACEPTADA" in self.ws.column(ESTADO))
    @rule(data=st.data())
    def type_alta_aplicada(self, data) -> None:
        rows = self.ws.rows()
        ready = [i for i, r in enumerate(rows) if r.get(ESTADO) == "ACEPTADA" and r.get(FILE)]
        if not ready:
            return
        i = data.draw(st.sampled_from(ready))
        self.ws.set_status(i + 2, "ALTA APLICADA")
        for known in (self.decided, self.deciding):  # staff's newer word on that row
            known.pop(str(rows[i].get(ID)), None)
        self.typed.add((str(rows[i][STAMP]), rows[i][EMAIL]))

    @rule(data=st.data())
    def fix_an_address(self, data) -> None:
        rows = self.ws.rows()
        i = data.draw(st.integers(0, len(rows) - 1))
        old = str(rows[i][EMAIL])
        if (str(rows[i][STAMP]), old) in self.aplicada | self.typed or old in self.before:
            return
        if str(rows[i].get(ID)) in self.silent:
            return
        new = old.replace("@", ".corregido@", 1)

        def change(sheet):
            sheet.cell(i + 2, _header(sheet).index(EMAIL) + 1).value = new

        self._edit(change)

    @rule(data=st.data())
    def a_student_edits_the_answer(self, data) -> None:
        rows = self.ws.rows()
        i = data.draw(st.integers(0, len(rows) - 1))
        stamp = rows[i][STAMP]
        if (str(stamp), rows[i][EMAIL]) in self.aplicada | self.typed or stamp < _naive(DESDE):
            return
        other = data.draw(st.sampled_from([r[FILE] for r in rows if r.get(FILE)]))
        ident = str(rows[i].get(ID))
        for column in (DETALLE, MOTIVO):  # a new answer: decided again
            self.notes.pop((ident, column), None)
        self.silent.discard(ident)
        self.unseen_edits.add(ident)

        def change(sheet):
            head = _header(sheet)
            sheet.cell(i + 2, head.index(STAMP) + 1).value = stamp + timedelta(minutes=1)
            sheet.cell(i + 2, head.index(FILE) + 1).value = other

        self._edit(change)

    # --- what must hold --------------------------------------------------------------------

    def _messages(self) -> list:
        return [m for _, m in self.recorder.messages]

    @invariant()
    def nobody_gets_the_same_email_twice(self) -> None:
        RUNS["invariants"] += 1
        ids = Counter(str(m["Message-ID"]) for m in self._messages())
        # each extra copy is one resend, one per kill in the window between send and record
        assert sum(n - 1 for n in ids.values()) <= self.windows, ids
        seen, once = Counter(), set()
        for msg in self._messages():
            if str(msg["Message-ID"]) in once or "<decision." in str(msg["Message-ID"]):
                continue  # a resend; or a decision, which staff may take back and forth
            once.add(str(msg["Message-ID"]))
            body = hashlib.sha256(_text(msg).encode()).hexdigest()
            seen[(msg["To"], msg["Subject"], body)] += 1
        assert not [k for k, n in seen.items() if n > 1]

    @invariant()
    def nobody_from_before_desde_nor_modo_sombra_is_mailed(self) -> None:
        mailed = {str(m["To"]) for m in self._messages()}
        assert not (mailed & self.before)
        if self.shadow:
            assert not self._messages()
        for msg in self._messages():
            ident = str(msg["Message-ID"]).split(".", 2)[-1].split("@")[0]
            assert ident not in self.silent, msg["Message-ID"]

    @invariant()
    def staff_notes_stay(self) -> None:
        head = self.ws.rows()[0] if self.ws.rows() else {}
        if not self.notes or ID not in head:
            return
        for r in self.ws.rows():
            for column in (DETALLE, MOTIVO):
                note = self.notes.get((str(r.get(ID)), column))
                if note is not None and column in head:
                    assert r.get(column) == note, r

    @invariant()
    def staff_decisions_stay(self) -> None:
        if not self.decided or ESTADO not in self.ws.rows()[0]:
            return
        for r in self.ws.rows():
            word = self.decided.get(str(r.get(ID)))
            if word is not None and r.get(ESTADO):
                assert r[ESTADO] == word, r

    @invariant()
    def staff_aplicada_stays(self) -> None:
        if not self.aplicada or ESTADO not in self.ws.rows()[0]:
            return
        for r in self.ws.rows():
            if (str(r[STAMP]), r[EMAIL]) in self.aplicada and r.get(ESTADO):
                assert r[ESTADO] == "ALTA APLICADA", r

    def teardown(self) -> None:
        """The office goes home: the service catches up, and every response is answered."""
        try:
            for _ in range(8):
                self.ws.clock.advance(180)
                self.ws.cycle(_pool)
            RUNS["machines"] += 1
            self.nobody_gets_the_same_email_twice()
            self.nobody_from_before_desde_nor_modo_sombra_is_mailed()
            self._the_last_decision_is_the_last_told()
            for r in self.ws.rows():
                if r[STAMP].replace(tzinfo=TZ) < DESDE:
                    continue
                assert r.get(ESTADO), r
                valid = " " not in str(r[EMAIL]) and "@" in str(r[EMAIL])
                if valid and r[ESTADO] not in ("ERROR TEMPORAL", "ALTA APLICADA"):
                    assert r.get(NOTIFICADA), r
        finally:
            self.server.stop()
            shutil.rmtree(self.folder, ignore_errors=True)

    def _the_last_decision_is_the_last_told(self) -> None:
        """Each decision staff left standing is what its student heard last (the ledger's
        last sent email for it, which the server received)."""
        ledger = self.ws.ledger()
        try:
            notices = list(ledger.notices(self.ws.campus.name).values())
        finally:
            ledger.close()
        received = set(Counter(str(m["Message-ID"]) for m in self._messages()))
        for r in self.ws.rows():
            ident, decision = str(r.get(ID) or ""), staff_word(str(r.get(ESTADO) or ""))
            if ident in self.silent or r[STAMP].replace(tzinfo=TZ) < DESDE:
                continue
            if decision is None or str(r.get(ESTADO)) not in WORDS:
                continue
            sent = [n for n in notices if n.key == ident and n.status == NoticeStatus.SENT]
            if not sent:
                continue  # never mailed at all (an invalid address): nothing to correct
            last = max(sent, key=lambda n: (n.updated_at, n.generation))
            assert (last.verdict or "").split(":")[0] == decision.value, (r, last)
            assert last.message_id in received


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def _text(msg) -> str:
    part = next((p for p in msg.walk() if p.get_content_type() == "text/plain"), msg)
    text = part.get_payload(decode=True).decode("utf-8", "replace")
    return re.sub(r"\d{1,2}/\d{2}/\d{4}[ ,]*\d{0,2}:?\d{0,2}", "", text)


_root: list = []
_pool = None


def test_the_shared_sheet_never_mails_wrongly(tmp_path_factory, pool):
    global _pool
    _pool = pool
    _root[:] = [tmp_path_factory.mktemp("maquinas")]
    SharedSheet.TestCase.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=18,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=EXAMPLES == 25,  # CI: the same sequences every run
    )
    SharedSheet.TestCase().runTest()
    print(f"\ninvariantes comprobadas {RUNS['invariants']} veces en {RUNS['machines']} máquinas")
    assert RUNS["machines"] >= 20 and RUNS["invariants"] >= 100
