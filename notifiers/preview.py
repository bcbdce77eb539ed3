"""Every email facultativo can send, rendered with realistic sample data.

Used by `facultativo preview-emails` (staff review them in a browser) and by the
tests that render every template for every motivo.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment

from facultativo.notifiers.compose import (
    Email,
    TemplateProblem,
    compose,
    load,
    student_context,
    template_for,
)
from facultativo.validators import Estado, Motivo
from facultativo.validators.motivos import MOTIVOS

SAMPLE_CAMPUS = {
    "office": "Departamento de Servicios Escolares",
    "email": "escolares@tecnologico.example.mx",
    "address": "Av. Tecnológico s/n, Centro, Santiago de Querétaro, Qro.",
    "hours": "lunes a viernes de 9:00 a 14:00",
    "escuela": "INSTITUTO TECNOLÓGICO DE QUERÉTARO",
    # the example's links (facultativo.example.toml): a campus without them passes ""
    "form_url": "https://forms.gle/TuFormularioDeAltaYBaja",
    "web_url": "https://facultativo.escuela.mx",
}
LINKS = ("form_url", "web_url")  # a campus's own, even unset: its emails read that way
SAMPLE_DATOS = {
    "institucion": "UNIVERSIDAD AUTONOMA DE QUERETARO",
    "patron": "COMERCIALIZADORA DEL BAJIO SA DE CV",
    "fecha_constancia": "2026-10-02",
    "fecha_solicitud": "2026-11-16",
}


def samples(
    env: Environment, campus: dict[str, str] | None = None, nombre: str = "Ana Sofía Martínez Gómez"
) -> list[tuple[str, Email]]:
    """(file stem, email) for every motivo, the unreadable PDF's review, both follow-ups,
    both duplicates and staff's decisions; alta and baja where it matters."""
    return [(stem, _email(env, template, ctx)) for stem, template, ctx in _specs(campus, nombre)]


def broken(
    env: Environment, folder: Path | None, campus: dict[str, str] | None = None
) -> list[str]:
    """Every problem of a campus's templates, one Spanish line each (file and line): each
    .j2 file of its `folder` read and parsed, then every sample email rendered."""
    problems: list[str] = []
    names = (
        sorted(str(f.relative_to(folder)) for f in folder.rglob("*.j2") if f.is_file())
        if folder is not None
        else []
    )
    for name in names:
        try:
            load(env, name)
        except TemplateProblem as exc:
            problems.append(str(exc))
    for _, template, ctx in _specs(campus):
        try:
            _email(env, template, ctx)
        except TemplateProblem as exc:
            problems.append(str(exc))
    return list(dict.fromkeys(problems))  # a file broken for every motivo is said once


def _specs(
    campus: dict[str, str] | None = None, nombre: str = "Ana Sofía Martínez Gómez"
) -> list[tuple[str, str, dict]]:
    """(file stem, template, context) of every sample email."""
    campus = {**SAMPLE_CAMPUS, **(campus or {})}
    out: list[tuple[str, str, dict]] = []
    for i, motivo in enumerate(Motivo, 1):
        tipo = "baja" if motivo in (Motivo.BAJA_PROCEDENTE, Motivo.NO_INSCRITO) else "alta"
        ctx = student_context(
            nombre=nombre,
            tipo=tipo,
            estado=motivo.estado,
            motivo=motivo,
            detalle=MOTIVOS[motivo].ejemplo,
            datos=SAMPLE_DATOS,
            campus=campus,
        )
        template = template_for("resultado", motivo.estado)
        out.append((f"{i:02d}-{motivo.value.lower()}", template, ctx))
    ctx = student_context(  # a PDF whose text does not decode: sent again as downloaded
        nombre=nombre,
        tipo="alta",
        estado=Estado.REVISION_MANUAL,
        motivo=Motivo.DATOS_ILEGIBLES,
        detalle="",
        datos={**SAMPLE_DATOS, "texto": "ilegible"},
        campus=campus,
    )
    out.append(("revision-pdf-ilegible", "revision", ctx))
    for tipo, estado in (("alta", Estado.ALTA_APLICADA), ("baja", Estado.BAJA_APLICADA)):
        ctx = student_context(
            nombre=nombre,
            tipo=tipo,
            estado=estado,
            motivo=Motivo.SIN_VIGENCIA,
            detalle="",
            datos={},
            campus=campus,
        )
        out.append((f"seguimiento-{tipo}", "aplicada", ctx))
    for original in ("aceptada", "aplicada"):  # a repeat of an accepted / applied request
        ctx = student_context(
            nombre=nombre,
            tipo="alta",
            estado=Estado.CONCLUIDA,
            motivo=Motivo.SOLICITUD_DUPLICADA,
            detalle="",
            datos={**SAMPLE_DATOS, "original": original, "fecha_original": "10/11/2026"},
            campus=campus,
        )
        out.append((f"duplicada-original-{original}", "concluida", ctx))
    for estado in (Estado.ACEPTADA, Estado.RECHAZADA, Estado.CONCLUIDA):  # staff decided
        ctx = student_context(
            nombre=nombre,
            tipo="alta",
            estado=estado,
            motivo=Motivo.SITUACION_NO_PREVISTA,
            detalle="",
            datos={},
            campus=campus,
            nota="Revisamos tu constancia con el IMSS por teléfono.",
        )
        out.append((f"decision-{estado.value.lower()}", "decision", ctx))
    return out


def _email(env: Environment, template: str, ctx: dict) -> Email:
    return compose(env, template, "estudiante@alumnos.example.mx", "<muestra@facultativo>", ctx)


def write(folder: Path, emails: list[tuple[str, Email]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, email in emails:
        (folder / f"{stem}.html").write_text(email.html, encoding="utf-8")
        (folder / f"{stem}.txt").write_text(
            f"Asunto: {email.subject}\n\n{email.text}", encoding="utf-8"
        )
        written.append(folder / f"{stem}.html")
    index = "".join(f'<li><a href="{p.name}">{p.stem}</a></li>\n' for p in written)
    (folder / "index.html").write_text(
        f"<!DOCTYPE html><meta charset='utf-8'><title>Correos</title><ul>\n{index}</ul>\n",
        encoding="utf-8",
    )
    return written
