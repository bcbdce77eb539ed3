"""The outbox sender's files: named by when, which row, to whom (masked) and what, so a
folder of them can be read without opening each; never a whole address; never two
messages under one name; a name every file system takes."""

from __future__ import annotations

import email
import re
import threading
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parsedate_to_datetime

from facultativo.notifiers.outbox import OutboxSender
from facultativo.sync import digest
from facultativo.sync.privacy import mask_email
from facultativo.wiring import open_runtime
from tests.support.workspace import Workspace, message_id

EMAIL = "Dirección de correo electrónico"
NAME = re.compile(
    r"(?P<when>\d{8}-\d{6})_(?:fila(?P<row>\d+)_)?(?P<to>[A-Za-z0-9.+-]{0,2}___@[A-Za-z0-9.-]+)"
    r"_(?P<kind>[a-z]+)(?:\.\d+)?\.eml"
)
# What Windows refuses in a name, besides path separators and control characters
FORBIDDEN = set('<>:"/\\|?*') | {chr(c) for c in range(32)}


def read(path):
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def test_outbox_files_are_named_by_time_row_and_masked_address(tmp_path, pool):
    """Files were named `resultado.0.363e87….eml`: nothing said whose they were."""
    ws = Workspace(tmp_path)
    ws.cycle(pool)
    with open_runtime(ws.config, ws.campus, pool) as rt:
        rt.hooks.clock = ws.clock
        digest.send(rt, ("jefa@demo.example.mx",), ws.clock())
    rows = ws.rows()
    files = ws.emails()
    assert len(files) > 10
    kinds = set()
    for path in files:
        found = NAME.fullmatch(path.name)
        assert found, path.name
        message = read(path)
        to = str(message["To"])
        assert found["to"] == mask_email(to).replace("*", "_")  # whom, as the logs mask it
        assert to not in path.name and to.split("@")[0] not in path.name
        when = parsedate_to_datetime(str(message["Date"]))
        assert found["when"] == when.strftime("%Y%m%d-%H%M%S")  # the time the email says
        assert found["kind"] == message_id(path).split(".")[0]  # resultado, resumen…
        kinds.add(found["kind"])
        if found["kind"] == "resumen":  # about no row
            assert found["row"] is None and to == "jefa@demo.example.mx"
        else:  # the row it is about is the student's
            assert rows[int(found["row"]) - 2][EMAIL] == to
    assert kinds == {"resultado", "resumen"}


def _message(to: str, message_id: str) -> EmailMessage:
    message = EmailMessage()
    message["To"] = to
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(parsedate_to_datetime("Mon, 16 Nov 2026 11:03:05 -0600"))
    message.set_content("hola")
    return message


def test_two_emails_to_one_row_in_one_second_keep_both_under_names_any_disk_takes(tmp_path):
    folder = tmp_path / "outbox"
    odd = 'o"d|d?<x>:y\\z/w*@mal/dominio.example.mx'  # an address as no student should type
    first = _message("ana@alumnos.example.mx", "<resultado.0.k1@demo>")
    second = _message("ana@alumnos.example.mx", "<resultado.1.k1@demo>")
    third = _message("x@y.mx", "<../../fuera/de.la.carpeta@demo>")
    sender = OutboxSender(folder)
    sender.open()
    sender.deliver(first, 17, mask_email("ana@alumnos.example.mx"))
    sender.deliver(second, 17, mask_email("ana@alumnos.example.mx"))
    sender.deliver(third, 9, mask_email(odd))
    sender.send(third)  # told nothing: when and what only
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "20261116-110305_correo.eml",
        "20261116-110305_fila17_an___@alumnos.example.mx_resultado.2.eml",
        "20261116-110305_fila17_an___@alumnos.example.mx_resultado.eml",
        "20261116-110305_fila9_o____@mal_dominio.example.mx_correo.eml",
    ]
    assert not any(set(n) & FORBIDDEN for n in names)
    assert [message_id(p) for p in sorted(folder.iterdir())] == [
        "../../fuera/de.la.carpeta@demo",
        "resultado.1.k1@demo",  # nothing overwritten: both sends are there
        "resultado.0.k1@demo",
        "../../fuera/de.la.carpeta@demo",
    ]
    assert list(tmp_path.iterdir()) == [folder]


def test_campuses_writing_one_outbox_at_once_never_share_a_name(tmp_path):
    folder = tmp_path / "outbox"
    message = _message("ana@alumnos.example.mx", "<resultado.0.k1@demo>")
    start = threading.Barrier(4)

    def campus(n: int) -> None:
        sender = OutboxSender(folder)
        sender.open()
        start.wait()
        for _ in range(25):
            sender.deliver(message, 17, f"c{n}")

    threads = [threading.Thread(target=campus, args=(n % 2,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    written = [p for p in folder.iterdir() if p.suffix == ".eml"]
    assert len(written) == 100  # every one kept, none overwritten
    assert all(p.read_bytes() == message.as_bytes() for p in written)
    assert not [p for p in folder.iterdir() if p.suffix != ".eml"]  # no leftovers
