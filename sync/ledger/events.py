"""Events: each response's history, append-only, for `facultativo historial`.

The other tables keep each response's state now (its verdict, its emails); this one keeps
how it got there: one short row per thing that happened (seen, decided, written to the
sheet, mailed or not, staff's decision seen, re-run, restored, adopted). Each event is
written inside the transaction of the state it describes, so an event never tells of a
change that did not commit, and a change that committed always has its event (a crash
between a send and its record leaves the intent without a result: `historial` says the
email may have gone).

`data` is compact JSON with only what was true at that moment. Personal data is masked
as in the logs (sync/privacy.py): the address and NSS typed, the NSS read; Message-IDs,
statuses and the server's answers (already scrubbed) are kept whole.

Finding a response by what the student typed, without keeping it:
- the address: `responses.email_key` and `notifications.email_key` already hold its
  fingerprint (the address, lower case, hashed: sync/rows.py), the current one and every
  one mailed; `address_print` computes the same for the address asked about;
- the NSS: `responses.nss_key` holds a *keyed* print, HMAC-SHA256 with a random key of
  this ledger (meta `search_key`), cut to 5 hex digits (20 bits). Unkeyed, a hash of an
  11-digit number is undone by trying them all; cut to 20 bits, even someone holding the
  ledger and its key gets, for each print, on the order of a hundred NSS that fit (10^8
  plausible student NSS over 10^6 prints), not the one. The price: about one search in a
  hundred on a campus of 10,000 responses also finds a stranger; `historial` confirms each
  match against the sheet when it can read it, and says so when it cannot. The NSS the
  constancia printed, when it is not the one typed, gets the same print in its verdict's
  event (`nss_read_key`), so a search finds a response by either.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from facultativo.sync.ledger.store import Store, dt
from facultativo.sync.privacy import mask_email, mask_nss, scrub

NSS_PRINT_DIGITS = 5  # hex digits of the keyed NSS print: 20 bits (see the module's text)


class EventKind(StrEnum):
    SEEN = "seen"  # first recorded (row, address and NSS typed, masked)
    VERDICT = "verdict"  # a verdict or ERROR TEMPORAL recorded (estado, motivos, detalle)
    RERUN = "rerun"  # staff cleared the estado, or the answers changed: a new generation
    WRITTEN = "written"  # status cells in the sheet (which, on which row)
    RESTORED = "restored"  # a lost or misplaced block to be written back from the ledger
    STAFF = "staff"  # an estado staff typed, as first seen
    CORRECTED = "corrected"  # staff changed a decision already mailed: a correction is owed
    READDRESSED = "readdressed"  # the address was corrected: the result goes once more
    EDITED = "edited"  # the answers or the address changed since last seen
    EDITED_AFTER_STAFF = "edited_after_staff"  # ... under a decision staff typed
    EMAIL_SENDING = "email_sending"  # intent recorded, with its Message-ID: the send starts
    EMAIL = "email"  # a send's result (sent, retry, failed, modo sombra, superseded...)
    EMAIL_CARRIED = "email_carried"  # a re-run with the same verdict: the email sent stands
    ADOPTED = "adopted"  # rebuilt from the sheet by `facultativo adoptar`
    LOTE = "lote"  # ALTA/BAJA APLICADA written in the sheet by `facultativo lote --aplicar`


# Kinds that begin a response's record: a response whose events start otherwise was
# known before the ledger kept events (an upgraded ledger).
ORIGINS = (EventKind.SEEN, EventKind.ADOPTED)


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # an EventKind
    data: dict[str, Any]


def payload(**data: Any) -> str:
    """Compact JSON without the empty fields (None, False, "", []): one short row per
    event. A zero stays (a generation, an attempt)."""
    kept = {k: v for k, v in data.items() if not (v is None or v is False or v in ("", []))}
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":"))


def add(db: sqlite3.Connection, rows: Iterable[tuple[str, str, datetime, str, str]]) -> None:
    """(campus, key, at, kind, payload) rows, inside the caller's transaction."""
    db.executemany(
        "INSERT INTO events (campus, key, at, kind, data) VALUES (?, ?, ?, ?, ?)",
        [(c, k, stamp(at), kind, data) for c, k, at, kind, data in rows],
    )


def add_if_known(
    db: sqlite3.Connection, rows: Iterable[tuple[str, str, datetime, str, str]]
) -> None:
    """The same, only for responses the ledger has (a copied row's note is nobody's)."""
    db.executemany(
        "INSERT INTO events (campus, key, at, kind, data) SELECT ?, ?, ?, ?, ? WHERE EXISTS"
        " (SELECT 1 FROM responses WHERE campus = ? AND key = ?)",
        [(c, k, stamp(at), kind, data, c, k) for c, k, at, kind, data in rows],
    )


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def address_print(address: str) -> str:
    """An address's fingerprint as sync/rows.py takes it from the cell (`Row.email_key`)."""
    raw = "|".join(["", address.strip().lower()])
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def seen_payload(row: int | None, email: str | None, nss: str | None) -> str:
    return payload(
        row=row, email=mask_email(email) if email else "", nss=mask_nss(nss) if nss else ""
    )


def verdict_payload(
    generation: int,
    estado: str,
    motivos: str,
    cells: Mapping[str, str],
    typed_nss: str | None,
    next_try: datetime | None,
    read_print: str | None = None,
) -> str:
    """The verdict and its evidence line: codes, the detalle (scrubbed, as the log has it),
    the NSS read masked, whether it is the NSS the student typed, and (`read_print`) the
    keyed print of the NSS read, by which `historial --nss` finds it."""
    read = (cells.get("nss_leido") or "").strip()
    same = bool(read and typed_nss and read == typed_nss)
    return payload(
        gen=generation,
        estado=estado,
        motivos=motivos,
        detalle=scrub(cells.get("detalle") or "")[:300],
        nss_read=mask_nss(read) if read else "",
        nss_same=same,
        nss_read_key="" if same else read_print,  # the typed one's print is nss_key
        next_try=stamp(next_try) if next_try else "",
    )


def cells_by_response(
    cells: Iterable[Any], status_columns: Mapping[str, int]
) -> dict[str, tuple[int, dict[str, str]]]:
    """A batch of CellWrites as key → (sheet row, {status cell: value}): what each response
    got written, for its `written` event."""
    names = {col: name for name, col in status_columns.items()}
    found: dict[str, tuple[int, dict[str, str]]] = {}
    for cell in cells:
        if cell.key and cell.col in names:
            found.setdefault(cell.key, (cell.row, {}))[1][names[cell.col]] = cell.value
    return found


class Events(Store):
    def _now(self) -> datetime:
        return self.clock()

    def history(self, campus: str, key: str) -> list[Event]:
        rows = self.db.execute(
            "SELECT at, kind, data FROM events WHERE campus = ? AND key = ? ORDER BY rowid",
            (campus, key),
        )
        return [
            Event(datetime.fromisoformat(r["at"]), r["kind"], json.loads(r["data"])) for r in rows
        ]

    def events_since(self) -> datetime | None:
        """When this ledger began to keep events (None: always, it was created so)."""
        row = self.db.execute("SELECT value FROM meta WHERE name = 'events_since'").fetchone()
        return dt(row[0]) if row else None

    def _search_key(self) -> bytes:
        """This ledger's key for NSS prints, made on first use (outside any transaction)."""
        cached: bytes | None = getattr(self, "_search_key_cache", None)
        if cached is not None:
            return cached
        row = self.db.execute("SELECT value FROM meta WHERE name = 'search_key'").fetchone()
        if row is None:
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO meta (name, value) VALUES ('search_key', ?)"
                    " ON CONFLICT DO NOTHING",
                    (secrets.token_hex(16),),
                )
            row = self.db.execute("SELECT value FROM meta WHERE name = 'search_key'").fetchone()
        key = bytes.fromhex(row[0])
        self._search_key_cache = key
        return key

    def nss_print(self, nss: str | None) -> str | None:
        """The keyed, shortened print of an NSS (see the module's text); None for none."""
        if not nss:
            return None
        digest = hmac.new(self._search_key(), nss.encode(), hashlib.sha256).hexdigest()
        return digest[:NSS_PRINT_DIGITS]

    def find_responses(
        self, campus: str, nss: str | None = None, address: str | None = None
    ) -> list[str]:
        """Responses whose student typed this NSS or whose constancia printed it (by its
        print: `responses.nss_key`, a verdict's `nss_read_key`), or that had this address
        (now, or when an email went to it); oldest first."""
        found: list[str] = []
        if nss:
            mark = self.nss_print(nss)
            rows = self.db.execute(
                "SELECT key FROM responses WHERE campus = ? AND (nss_key = ? OR key IN"
                " (SELECT key FROM events WHERE campus = ? AND kind = ?"
                " AND json_extract(data, '$.nss_read_key') = ?)) ORDER BY rowid",
                (campus, mark, campus, EventKind.VERDICT.value, mark),
            )
            found += [r["key"] for r in rows]
        if address:
            mark = address_print(address)
            rows = self.db.execute(
                "SELECT key FROM responses WHERE campus = ? AND (email_key = ? OR key IN"
                " (SELECT key FROM notifications WHERE campus = ? AND email_key = ?))"
                " ORDER BY rowid",
                (campus, mark, campus, mark),
            )
            found += [r["key"] for r in rows if r["key"] not in found]
        return found

    def note_batch(
        self, campus: str, marked: Mapping[str, str], now: datetime, archivo: str
    ) -> None:
        """The estados `facultativo lote --aplicar` wrote in the sheet (key → label), told
        once the write is done (the sheet is where that change lives: a kill between the
        write and this leaves the mark without its line, and the cycle still tells staff's
        estado when it sees it)."""
        name = scrub(archivo)[:80]
        with self.transaction() as db:
            add_if_known(
                db,
                [
                    (campus, key, now, EventKind.LOTE, payload(estado=label, archivo=name))
                    for key, label in marked.items()
                ],
            )

    def moments(self, campus: str, key: str) -> dict[str, datetime | None]:
        """When the response's current verdict was decided and written, and staff's estado
        first seen: what an upgraded ledger knows of the time before events."""
        row = self.db.execute(
            "SELECT decided_at, written_at, staff_seen_at FROM responses"
            " WHERE campus = ? AND key = ?",
            (campus, key),
        ).fetchone()
        if row is None:
            return {}
        return {name: dt(row[name]) for name in ("decided_at", "written_at", "staff_seen_at")}
