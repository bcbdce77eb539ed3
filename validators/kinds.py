"""What kind of document a readable PDF is.

Students attach the wrong thing often (DESIGN.md §2); naming what they sent
makes the rejection email useful ("enviaste la hoja de asignación de NSS").
"""

from __future__ import annotations

from .text import fold

TITULOS = ("CONSTANCIA DE VIGENCIA DE DERECHOS", "COMPROBANTE DE VIGENCIA DE DERECHOS")

# (markers that must all appear, what to call the document)
_OTROS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("IMPRIME Y RECORTA",), "la hoja de asignación de NSS (la que se imprime y recorta)"),
    (("ASIGNACION", "SEGURIDAD SOCIAL"), "la hoja de asignación de NSS"),
    (("LOCALIZACION", "SEGURIDAD SOCIAL"), "la hoja de localización de NSS"),
    (("ASIGNACION", "NSS"), "la hoja de asignación de NSS"),
    (("SEMANAS COTIZADAS",), "el reporte de semanas cotizadas"),
    (("CLAVE UNICA DE REGISTRO DE POBLACION",), "la constancia de la CURP"),
    (("CARNET",), "el carnet de citas del IMSS"),
    (("CARTILLA",), "una cartilla de salud"),
    (("ACTA DE NACIMIENTO",), "un acta de nacimiento"),
    (("CONSTANCIA DE ESTUDIOS",), "una constancia de estudios"),
    (("KARDEX",), "un kárdex"),
    (("BOLETA",), "una boleta de calificaciones"),
    (("CREDENCIAL",), "una credencial"),
    (("COMPROBANTE DE DOMICILIO",), "un comprobante de domicilio"),
)


def constancia_title(text: str) -> str | None:
    """The title if the text is a constancia de vigencia de derechos."""
    folded = fold(text)
    return next((t for t in TITULOS if t in folded), None)


def describe_other(text: str) -> str:
    """A short Spanish name for a document that is not a constancia."""
    folded = fold(text)
    for markers, name in _OTROS:
        if all(m in folded for m in markers):
            return name
    return "un documento distinto de la constancia"
