"""Constancia validation: pure functions from PDF bytes + request + policy to a verdict.

    extract(bytes) -> Reading | Problem      (validators.extract)
    decide(extraction, request, policy)      (validators.rules)
    ValidatorPool                            (isolated, time-limited extract + decide)

No network, no sheet, no clock: the request carries its own date.
"""

from facultativo.validators.estados import Estado
from facultativo.validators.extract import extract
from facultativo.validators.isolation import ValidatorPool, WorkerUnavailable
from facultativo.validators.model import (
    Afiliacion,
    Constancia,
    Extraction,
    Limits,
    Policy,
    Problem,
    Reading,
    Request,
    Situacion,
    Tipo,
    Verdict,
)
from facultativo.validators.motivos import MOTIVOS, Motivo
from facultativo.validators.rules import decide


def validate(
    data: bytes | None,
    request: Request,
    policy: Policy,
    limits: Limits | None = None,
    filename: str | None = None,
) -> Verdict:
    """Validate in this process, without isolation: for trusted files and tests."""
    extraction = None if data is None else extract(data, limits, filename)
    return decide(extraction, request, policy)


__all__ = [
    "MOTIVOS",
    "Afiliacion",
    "Constancia",
    "Estado",
    "Extraction",
    "Limits",
    "Motivo",
    "Policy",
    "Problem",
    "Reading",
    "Request",
    "Situacion",
    "Tipo",
    "ValidatorPool",
    "Verdict",
    "WorkerUnavailable",
    "decide",
    "extract",
    "validate",
]
