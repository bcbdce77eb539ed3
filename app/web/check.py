"""One pre-check: what the student typed → a Request, and a verdict → what the page says.

The fields are cleaned as the cycle cleans a sheet's cells (sync/values.py), and the
verdict is told with the emails' own texts and steps (notifiers/compose.student_context):
the page must say what the office will decide, in the words the office will use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from facultativo.notifiers.compose import student_context
from facultativo.sync import values
from facultativo.validators import Estado, Request, Tipo, Verdict

from .upload import Answers, Upload

TIPOS = {"alta": Tipo.ALTA, "baja": Tipo.BAJA}
FAMILY = {
    Estado.ACEPTADA: "aceptada",
    Estado.RECHAZADA: "rechazada",
    Estado.CONCLUIDA: "concluida",
    Estado.REVISION_MANUAL: "revision",
}
LLENA = "Llena el formulario"  # the steps' last one: the student has not sent it yet
MISSING = {
    "tipo": "Elige si vas a pedir el alta o la baja.",
    "nss": "Escribe tu Número de Seguridad Social (11 dígitos, como aparece en tu constancia).",
    "constancia": "Elige el PDF de tu Constancia de Vigencia de Derechos.",
}


@dataclass(frozen=True)
class Ready:
    """A check that can run: the request and the file."""

    request: Request
    data: bytes
    filename: str


@dataclass(frozen=True)
class Incomplete:
    """What is missing, by field: the form comes back with each message beside its field."""

    problems: dict[str, str]


def prepare(upload: Upload, today: date) -> Ready | Incomplete:
    """A request dated `today` (the day the student would send the Form), or what is
    missing. A malformed NSS is not "missing": the office rejects it (NSS_INVALIDO) and
    the page says so with the office's steps."""
    a = upload.answers
    problems = {}
    if a.tipo not in TIPOS:
        problems["tipo"] = MISSING["tipo"]
    nss = values.nss(a.nss)
    if nss is None:
        problems["nss"] = MISSING["nss"]
    if upload.data is None:
        problems["constancia"] = MISSING["constancia"]
    if problems or upload.data is None:
        return Incomplete(problems)
    request = Request(
        TIPOS[a.tipo], today, nss, values.text(a.curp, 40), values.text(a.nombre, 120)
    )
    return Ready(request, upload.data, upload.filename)


def outcome(verdict: Verdict, answers: Answers, contact: dict[str, str]) -> dict[str, Any]:
    """The template context for a verdict: the emails' context plus the page's family."""
    ctx = student_context(
        nombre=answers.nombre or None,
        tipo=answers.tipo,
        estado=verdict.estado,
        motivo=verdict.motivo,
        detalle=verdict.detalle,
        datos=verdict.datos,
        campus=contact,
    )
    return {
        **ctx,
        "familia": FAMILY.get(verdict.estado, "revision"),
        "llena": LLENA,
        "sin_nombre": not answers.nombre,  # the office compares the Form's name too
    }
