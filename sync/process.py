"""One response → one Decision: fetch its files, validate them, build its status cells.

Any failure stays inside the row: a transient one becomes ERROR TEMPORAL (with
a retry time, and REVISIÓN MANUAL after too many), never an exception.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from facultativo.sync.attachments import AttachmentStore, FetchFailure, Refused
from facultativo.sync.model import Decision, Entry, Outcome
from facultativo.sync.rows import Row
from facultativo.sync.values import local_now_text, local_text
from facultativo.validators import (
    Estado,
    Extraction,
    Limits,
    Motivo,
    Policy,
    Problem,
    ValidatorPool,
    Verdict,
)
from facultativo.validators.motivos import motivo_cell
from facultativo.validators.rules import decide_files

log = logging.getLogger("facultativo.sync")
MAX_BACKOFF = timedelta(hours=12)


@dataclass(frozen=True)
class Retry:
    max_attempts: int = 5
    minutes: float = 5.0


def process_row(
    row: Row,
    entry: Entry | None,
    store: AttachmentStore,
    pool: ValidatorPool,
    policy: Policy,
    limits: Limits,
    retry: Retry,
    now: datetime,
) -> Outcome:
    attempts = entry.attempts if entry and entry.estado == Estado.ERROR_TEMPORAL else 0
    try:
        if row.problem or row.request is None:
            why = row.problem or "fila incompleta"
            return _temporary(row, why, attempts, retry, policy, now, not row.problem_final)
        if not row.refs and row.archivo_escrito:  # a link we do not understand: staff look
            detail = "el enlace del archivo adjunto no se pudo interpretar"
            return _unavailable(row, detail, policy, now)
        extractions: list[Extraction] = []
        checksums: list[str] = []
        for ref in row.refs:
            got = store.fetch(ref, limits.max_bytes)
            if isinstance(got, FetchFailure) and got.unreachable:
                return _outage(row, got.detail, retry, policy, now)
            if isinstance(got, FetchFailure):
                return _temporary(
                    row, got.detail, attempts, retry, policy, now, got.transient, fetching=True
                )
            if isinstance(got, Refused):
                extractions.append(Problem(Motivo.ARCHIVO_ILEGIBLE, got.detail))
                continue
            checksums.append(hashlib.sha256(got.data).hexdigest()[:16])
            extractions.append(pool.extract(got.data, filename=got.name))
        verdict = decide_files(extractions, row.request, policy)
        return Outcome(
            verdict_decision(row.key, verdict, ",".join(checksums), policy, now), verdict
        )
    except Exception as exc:  # one bad row never stops the cycle
        log.exception("fila %d: error inesperado (%s)", row.number, type(exc).__name__)
        detail = f"error interno ({type(exc).__name__})"
        return _temporary(row, detail, attempts, retry, policy, now)


def verdict_decision(
    key: str, verdict: Verdict, checksums: str, policy: Policy, now: datetime
) -> Decision:
    c = verdict.constancia
    cells = {
        "estado": verdict.estado.etiqueta,
        "motivo": motivo_cell(verdict.motivos),
        "detalle": verdict.detalle,
        "nss_leido": (c.nss or "") if c else "",
        "fecha_constancia": c.fecha_expedicion.isoformat() if c and c.fecha_expedicion else "",
        "procesada": local_now_text(now, policy.timezone),
    }
    motivos = ",".join(m.value for m in verdict.motivos)
    return Decision(key, verdict.estado.value, motivos, cells, checksums, datos=dict(verdict.datos))


def _outage(row: Row, detail: str, retry: Retry, policy: Policy, now: datetime) -> Outcome:
    """ERROR TEMPORAL while the file store cannot be reached at all: the next cycle tries
    again and the try does not count, so a night without Drive sends nobody to REVISIÓN
    MANUAL; the campus's outage is in the log once."""
    at = now + timedelta(minutes=retry.minutes)
    cells = {
        "estado": Estado.ERROR_TEMPORAL.etiqueta,
        "motivo": "",
        "detalle": f"{detail[:200]} (no cuenta como intento; reintento después de "
        f"{local_text(at, policy.timezone)})",
        "nss_leido": "",
        "fecha_constancia": "",
        "procesada": local_now_text(now, policy.timezone),
    }
    decision = Decision(row.key, Estado.ERROR_TEMPORAL.value, "", cells, "", True, at, counts=False)
    return Outcome(decision, None)


def _unavailable(row: Row, detail: str, policy: Policy, now: datetime) -> Outcome:
    verdict = Verdict(Estado.REVISION_MANUAL, (Motivo.ADJUNTO_NO_DISPONIBLE,), detail[:300])
    return Outcome(verdict_decision(row.key, verdict, "", policy, now), verdict)


def _temporary(
    row: Row,
    detail: str,
    attempts: int,
    retry: Retry,
    policy: Policy,
    now: datetime,
    transient: bool = True,
    fetching: bool = False,
) -> Outcome:
    """ERROR TEMPORAL with a later retry, or REVISIÓN MANUAL when it will not get better.

    A file that never arrived is ADJUNTO_NO_DISPONIBLE: nobody read the constancia, so
    nobody may tell the student what it shows.
    """
    attempt = attempts + 1
    if not transient or attempt >= retry.max_attempts:
        why = detail if not transient else f"no se pudo procesar tras {attempt} intentos: {detail}"
        if fetching:
            return _unavailable(row, why, policy, now)
        verdict = Verdict(Estado.REVISION_MANUAL, (Motivo.SITUACION_NO_PREVISTA,), why[:300])
        return Outcome(verdict_decision(row.key, verdict, "", policy, now), verdict)
    wait = min(timedelta(minutes=retry.minutes * 2 ** (attempt - 1)), MAX_BACKOFF)
    at = now + wait
    cells = {
        "estado": Estado.ERROR_TEMPORAL.etiqueta,
        "motivo": "",
        "detalle": f"{detail[:200]} (intento {attempt} de {retry.max_attempts}; "
        f"reintento después de {local_text(at, policy.timezone)})",
        "nss_leido": "",
        "fecha_constancia": "",
        "procesada": local_now_text(now, policy.timezone),
    }
    decision = Decision(row.key, Estado.ERROR_TEMPORAL.value, "", cells, "", True, at)
    return Outcome(decision, None)
