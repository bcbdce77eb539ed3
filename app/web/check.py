"""One pre-check: what the student typed → a Request, and a verdict → what the page says.

The fields are cleaned as the cycle cleans a sheet's cells (sync/values.py), and the
verdict is told with the emails' own texts and steps (notifiers/compose.student_context):
the page must say what the office will decide, in the words the office will use.

Two things differ, because nothing has been sent yet. A problem with what the student
typed (the NSS, the CURP, the name) is said beside that field, and the constancia is
judged without it (`judge`): a typo must not send anyone to download a constancia they
already have. And the request's date is today: the page says «hoy», never «tu solicitud».
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from facultativo.notifiers.compose import student_context
from facultativo.sync import values
from facultativo.validators import (
    MOTIVOS,
    Estado,
    Extraction,
    Motivo,
    Policy,
    Request,
    Tipo,
    Verdict,
    decide,
)
from facultativo.web.upload import Answers, Upload

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
# the fields a motivo about what was typed names (validators/motivos.py `campo`), as the
# page says them: «corrige el NSS»
FIELD_NAMES = {"nss": "el NSS", "curp": "la CURP", "nombre": "el nombre"}


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


@dataclass(frozen=True)
class Judgement:
    """`office`: what the office would decide with what was typed; `constancia`: what it
    would decide with the typed fields the constancia contradicts set aside (the same
    verdict when none is); `typed`: field → what the page says beside it."""

    office: Verdict
    constancia: Verdict
    typed: dict[str, str]


def judge(extraction: Extraction, request: Request, policy: Policy) -> Judgement:
    office = verdict = decide(extraction, request, policy)
    typed: dict[str, str] = {}
    while (campo := MOTIVOS[verdict.motivo].campo) and campo.name not in typed:
        typed[campo.name] = campo.text
        blank: dict[str, Any] = {campo.name: None}  # not compared: as if left blank
        request = replace(request, **blank)
        verdict = decide(extraction, request, policy)
    return Judgement(office, verdict, typed)


def outcome(judgement: Judgement, answers: Answers, contact: dict[str, str]) -> dict[str, Any]:
    """The template context: the emails' context for what the constancia decides, the
    page's family, and the problems to show beside the fields."""
    verdict, typed = judgement.constancia, judgement.typed
    ctx = student_context(
        nombre=answers.nombre or None,
        tipo=answers.tipo,
        estado=verdict.estado,
        motivo=verdict.motivo,
        detalle=verdict.detalle,
        datos=verdict.datos,
        campus=contact,
    )
    errores = dict(typed)
    if MOTIVOS[verdict.motivo].otro_tipo:  # the other tipo may be what the student meant
        errores["tipo"] = MOTIVOS[verdict.motivo].otro_tipo
    family = FAMILY.get(verdict.estado, "revision")
    texto = _today(verdict)
    if texto:  # the page's own sentence: the detalle would name «solicitud del …»
        ctx["motivo"] = {**ctx["motivo"], "texto": texto}
        ctx["detalle"] = ""
    fields = [FIELD_NAMES[f] for f in typed]
    return {
        **ctx,
        "familia": "corregir" if typed and family == "aceptada" else family,
        "errores": errores,
        "corregir": " y ".join(fields),  # "el NSS", "el NSS y la CURP"
        "corregir_uno": len(fields) == 1,
        "corregir_campo": next(iter(typed), ""),  # the first field, for a link to it
        "oficina": FAMILY.get(judgement.office.estado, "revision"),  # with what was typed
        "llena": LLENA,
        "sin_nombre": not answers.nombre,  # the office compares the Form's name too
    }


def _today(verdict: Verdict) -> str:
    """For a constancia from another day, the page's sentence: the request is today's
    (rules.py dated it so, and says both dates in `datos`), not a request already sent."""
    if verdict.motivo is not Motivo.FECHA_NO_COINCIDE:
        return ""
    try:
        issued = date.fromisoformat(verdict.datos["fecha_constancia"])
        today = date.fromisoformat(verdict.datos["fecha_solicitud"])
    except (KeyError, ValueError):
        return ""
    days = (today - issued).days
    if days > 0:
        when = f"es de hace {days} día{'s' if days != 1 else ''}"
    else:
        when = f"tiene una fecha posterior a la de hoy ({today:%d/%m/%Y})"
    return (
        f"Tu constancia es del {issued:%d/%m/%Y}: {when}. Para solicitar hoy, descarga una nueva."
    )
