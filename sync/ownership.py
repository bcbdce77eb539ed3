"""Whose sheet it is: a sheet is worked by one ledger, and says so.

facultativo marks the sheet it works (Google: developer metadata on the tab; workbook: a
hidden sheet) with its ledger's id and install. A sheet marked by another ledger, or a
ledger copied or moved from where it was made, is refused in one line that names the
deliberate way on (`facultativo adoptar`). The first-day rule is per sheet: a ledger that
has worked a test workbook has never worked the real responses sheet.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from facultativo.sync.block import DEFAULT_BLOCK, Block
from facultativo.sync.ledger import Ledger
from facultativo.sync.rows import Row, Who
from facultativo.sync.sources import SourceError


@dataclass(frozen=True)
class Mark:
    """What the sheet says of the ledger that works it."""

    bitacora: str  # the ledger's id
    instalacion: str  # host and ledger path (sync/ledger/meta.py)
    desde: str  # when this ledger first marked the sheet

    def dumps(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def loads(cls, text: str | None) -> Mark | None:
        """A mark as found in the sheet; anything unreadable counts as none."""
        try:
            got = json.loads(text or "")
            return cls(str(got["bitacora"]), str(got["instalacion"]), str(got.get("desde", "")))
        except (ValueError, TypeError, KeyError):
            return None


def adopt_hint(campus: str) -> str:
    return f"facultativo adoptar --config <archivo> --campus {campus}"


def claim(
    found: str | None,
    ledger: Ledger,
    campus: str,
    rows: list[Row],
    has_desde: bool,
    now: datetime,
    block: Block = DEFAULT_BLOCK,
) -> str | None:
    """The mark to write on the sheet now (None when it already carries ours); a
    SourceError naming the fix when this ledger must not work the sheet (`block`: the
    campus's status block, as the messages name it)."""
    moved = ledger.moved()
    if moved:
        raise SourceError(
            f"la bitácora {ledger.path} se creó en otra instalación ({moved}): si es una copia, "
            "dos instalaciones le escribirían a los mismos estudiantes. Si esta es ahora la "
            f"instalación que trabaja la hoja, corre «{adopt_hint(campus)}»; la otra dejará de "
            "trabajarla."
        )
    mine = Mark(ledger.ledger_id(), ledger.install(), now.isoformat(timespec="seconds"))
    mark = Mark.loads(found)
    if mark is not None:
        if mark.bitacora == mine.bitacora and mark.instalacion == mine.instalacion:
            return None
        raise SourceError(
            f"esta hoja la trabaja otra bitácora de facultativo ({mark.instalacion}, desde "
            f"{mark.desde[:16]}): para no escribirle dos veces a los estudiantes, no se procesa. "
            f"Si esta instalación debe quedarse con la hoja, corre «{adopt_hint(campus)}»."
        )
    known = any(r.who in (Who.KNOWN, Who.EDITED, Who.MOVED) for r in rows)
    if rows and not known and any(r.who is Who.FOREIGN for r in rows):
        raise SourceError(
            f"esta hoja tiene el bloque {block.named()} con identificadores que esta bitácora no "
            "dio (su marca se borró, o la bitácora se perdió o es otra): para no escribirle "
            f"dos veces a los estudiantes, no se procesa. Corre «{adopt_hint(campus)}»."
        )
    if rows and not known and not has_desde:
        raise SourceError(_first_day(rows, campus, block))
    return mine.dumps()


def _after_last(rows: list[Row]) -> str:
    """A `desde` after every answer already there: none of them is mailed."""
    stamps = [r.timestamp for r in rows if r.timestamp is not None]
    if not stamps:
        return "2026-11-23T00:00"
    return (max(stamps) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")


def _first_day(rows: list[Row], campus: str, block: Block) -> str:
    """A Form answered (and handled by hand) for months, and a ledger that never worked
    this sheet: without `desde`, the first cycle would decide and mail every old answer."""
    text = (
        f"primera ejecución en esta hoja: ya tiene {len(rows)} respuestas y esta bitácora nunca "
        "la ha trabajado: para "
        "no escribirle a quienes ya atendió el personal, pon en [[campus]] la fecha de inicio, "
        f'p. ej. desde = "{_after_last(rows)}" (las anteriores quedan como ANTERIOR, sin correo).'
    )
    if any(r.estado_cell.strip() or r.id_cell for r in rows):
        text += (
            f" Si la hoja ya tiene el bloque {block.named()} de una bitácora perdida, corre "
            f"«{adopt_hint(campus)}»."
        )
    return text
