"""The email a student would get for a verdict, rendered with the bundled templates."""

from __future__ import annotations

from facultativo.notifiers.compose import Email, compose, environment, student_context, template_for
from facultativo.validators import Verdict


def student_email(verdict: Verdict, nombre: str = "Ana") -> Email:
    ctx = student_context(
        nombre=nombre,
        tipo="alta",
        estado=verdict.estado,
        motivo=verdict.motivo,
        detalle=verdict.detalle,
        datos=verdict.datos,
        campus={"office": "Servicios Escolares"},
    )
    return compose(environment(), template_for("resultado", verdict.estado), "a@x.mx", "<1@x>", ctx)
