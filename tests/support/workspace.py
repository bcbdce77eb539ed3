"""A local workspace (the demo's) driven cycle by cycle from tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from facultativo import demo
from facultativo.config import load
from facultativo.sync.block import Block
from facultativo.sync.cycle import Report, run_cycle
from facultativo.sync.ledger import Ledger
from facultativo.validators import ValidatorPool
from facultativo.validators.motivos import motivos_in_cell
from facultativo.wiring import open_runtime

EXPECTED = [
    tuple(r["esperado"])
    for r in json.loads(
        (Path(demo.__file__).parent / "samples" / "demo" / "demo.json").read_text("utf-8")
    )["respuestas"]
]


def message_id(path: Path) -> str:
    """An outbox file's Message-ID without <>: «resultado.0.<response key>@<domain>», what
    the message is (kind, generation) and for which response. Its file name says when and
    to whom, so a message sent twice is two names and one Message-ID."""
    with path.open("rb") as fh:
        return str(BytesHeaderParser().parse(fh)["Message-ID"]).strip().strip("<>")


def code(cell: object) -> str:
    """The first motivo code a sheet's motivo cell names ("" when none): the cell shows
    Spanish texts, tests speak codes."""
    found = motivos_in_cell(str(cell or ""))
    return found[0].value if found else ""


def codes(cells: list) -> list[str]:
    return [code(c) for c in cells]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 16, 17, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


class Crash(BaseException):
    """Stands for the process dying at a checkpoint."""


def crash_at(step: str, occurrence: int = 1) -> Callable[[str], None]:
    seen = {"n": 0}

    def checkpoint(name: str) -> None:
        if name == step:
            seen["n"] += 1
            if seen["n"] == occurrence:
                raise Crash(step)

    return checkpoint


class Workspace:
    def __init__(self, folder: Path, **campus_changes: Any) -> None:
        self.folder = folder
        demo.build(folder)
        self.config = load(folder / "facultativo.toml")
        self.campus = replace(self.config.campuses[0], **campus_changes)
        self.clock = Clock()
        self.workbook = folder / "respuestas.xlsx"
        self.outbox = folder / "outbox"

    def cycle(
        self, pool: ValidatorPool, checkpoint=None, dry_run: bool = False, replay: bool = False
    ) -> Report:
        """`replay`: as `sync --once --reintentar`."""
        with open_runtime(self.config, self.campus, pool, dry_run, checkpoint) as rt:
            rt.hooks.clock = self.clock
            rt.hooks.replay = replay
            return run_cycle(rt, dry_run=dry_run)

    def rows(self) -> list[dict[str, Any]]:
        book = load_workbook(self.workbook)
        ws = book.worksheets[0]
        values = list(ws.iter_rows(values_only=True))
        header = [str(h or "") for h in values[0]]
        return [dict(zip(header, row, strict=False)) for row in values[1:]]

    def column(self, name: str) -> list[Any]:
        return [r.get(name) for r in self.rows()]

    def edit(self, change: Callable[[Any], None]) -> None:
        """Change the workbook as staff would (in Excel), then save it."""
        book = load_workbook(self.workbook)
        change(book.worksheets[0])
        book.save(self.workbook)

    def set_status(self, row_number: int, value: str | None) -> None:
        def change(ws: Any) -> None:
            header = [c.value for c in ws[1]]
            ws.cell(row_number, header.index(self.block.titles["estado"]) + 1).value = value

        self.edit(change)

    @property
    def block(self) -> Block:
        """The campus's status block ([campus.columns] prefijo), as its cycles write it."""
        return Block(self.campus.prefijo)

    def emails(self) -> list[Path]:
        return sorted(self.outbox.glob("*.eml")) if self.outbox.exists() else []

    def ledger(self) -> Ledger:
        return Ledger(self.config.ledger)
