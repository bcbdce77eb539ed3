"""An email goes to the exact address in the cell, or to nobody (issue: mail to a stranger).

Regression: the address used to be *searched* in the cell, so «o'hugo.vargas@…» went to
«hugo.vargas@…» and «ana martinez@gmail.com» to «martinez@gmail.com»; and an address the
message builder choked on stopped every later email of the campus.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from facultativo.notifiers import Sender
from facultativo.sync import values
from tests.support import smtp_server as smtp
from tests.support.smtp_server import smtp_workspace as workspace
from tests.support.workspace import EXPECTED

EMAIL = "Dirección de correo electrónico"
NOTIFIED = "Validación: notificada el"
VALID = [
    ("o'hugo.vargas@alumnos.example.mx", "o'hugo.vargas@alumnos.example.mx"),
    ("  Ana.Lopez@Alumnos.Example.MX ", "Ana.Lopez@alumnos.example.mx"),
    ("ana@ñandú.mx", "ana@xn--and-6ma2c.mx"),
    ("ana+facultativo@alumnos.example.mx", "ana+facultativo@alumnos.example.mx"),
]
INVALID = [
    "ana martinez@gmail.com",
    "ana,martinez@gmail.com",
    "ana;martinez@gmail.com",
    "ana<martinez@gmail.com",
    "Ana <ana@gmail.com>",
    "alberto..ramirez@gmail.com",
    "josé@gmail.com",
    ".a@x.com",
    "ana@b..com",
    "mailto:ana@gmail.com",
    "a:b@gmail.com",
    '=HYPERLINK("http://x")@x.mx',
    "ana@gmail.com\nBcc: otro@gmail.com",
    "ana@gmail.com, beto@gmail.com",
    "sin correo",
    "",
    None,
    12345,
    "a" * 300 + "@gmail.com",
]


@pytest.mark.parametrize(("cell", "address"), VALID)
def test_a_valid_cell_is_that_exact_address(cell, address):
    assert values.email(cell) == address


@pytest.mark.parametrize("cell", INVALID)
def test_anything_else_is_nobody(cell):
    assert values.email(cell) is None


def test_odd_addresses_go_to_nobody_and_stop_no_one(tmp_path):
    """Hostile and broken cells on the first rows; every other student still gets mail."""
    recorder = smtp.Recorder()
    controller = smtp.start(recorder, "plain")
    mailed = [i for i, (estado, _) in enumerate(EXPECTED) if estado != "ERROR_TEMPORAL"]
    odd = {mailed[i]: cell for i, cell in enumerate(INVALID[:12])}
    odd[mailed[12]] = VALID[0][0]  # legal, and must not be cut to «hugo.vargas@…»
    try:
        ws = workspace(tmp_path, controller)

        def retype(sheet):
            header = [c.value for c in sheet[1]]
            for i, cell in odd.items():
                sheet.cell(i + 2, header.index(EMAIL) + 1).value = cell

        ws.edit(retype)
        from tests.conftest import shared_pool as _pool

        report = ws.cycle(pool=_pool())
        ws.cycle(pool=_pool())  # a second cycle neither retries nor re-sends them
    finally:
        controller.stop()
    rows = ws.rows()
    expected = {rows[i][EMAIL] for i in mailed if i not in odd} | {VALID[0][1]}
    recipients = [rcpt for rcpts, _ in recorder.messages for rcpt in rcpts]
    assert sorted(recipients) == sorted(expected)  # each once, exactly as typed
    assert report.emails["failed"] == 12
    for i in list(odd)[:12]:
        assert str(rows[i][NOTIFIED]).startswith("ERROR: dirección no válida"), rows[i][NOTIFIED]


class _Flaky(Sender):
    """A sender (our own interface) that breaks on one student's message in a way no
    SMTP error looks like, and delivers the others through the real outbox sender."""

    def __init__(self, inner, victim: str) -> None:
        self.inner, self.victim, self.delivered = inner, victim, []

    def open(self) -> None:
        self.inner.open()

    def close(self) -> None:
        self.inner.close()

    def send(self, message) -> None:
        if message["To"] == self.victim:
            raise RuntimeError(f"boom for {self.victim}")
        self.inner.send(message)
        self.delivered.append(message["To"])


def test_one_message_that_breaks_stays_on_its_row_and_the_others_go(tmp_path, pool):
    from facultativo.sync.cycle import run_cycle
    from facultativo.wiring import open_runtime
    from tests.support.workspace import Workspace

    ws = Workspace(tmp_path)
    victim = ws.rows()[1][EMAIL]  # one request of its own (Ana has two)
    with open_runtime(ws.config, ws.campus, pool) as rt:
        rt.hooks.clock = ws.clock
        flaky = _Flaky(rt.ports.sender, victim)
        report = run_cycle(replace(rt, ports=replace(rt.ports, sender=flaky)))
    mailed = sum(1 for e, _ in EXPECTED if e != "ERROR_TEMPORAL")
    assert len(flaky.delivered) == mailed - 1 and victim not in flaky.delivered
    assert report.emails["retry"] == 1  # tried again next cycle, up to the limit
    assert ws.rows()[2][NOTIFIED]  # the rest of the sheet was written


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("ana.lopez@alumnos.mx", "an***@alumnos.mx"),
        ("abc@x.mx", "ab***@x.mx"),
        ("ab@x.mx", "a***@x.mx"),
        ("a@x.mx", "***@x.mx"),
    ],
)
def test_a_masked_address_never_shows_its_whole_local_part(address, masked):
    from facultativo.sync.privacy import mask_email, scrub

    assert mask_email(address) == masked
    assert scrub(f"correo para {address}: rebotó") == f"correo para {masked}: rebotó"
    local = address.split("@")[0]
    assert f"{local}*" not in masked and not masked.startswith(f"{local}@")
