"""What kind of document a readable PDF is.

Students attach the wrong thing often (docs/CONSTANCIA.md); naming what they sent
makes the rejection email useful ("enviaste la hoja de asignación de NSS").
"""

from __future__ import annotations

import re

from facultativo.validators.afiliaciones import REGISTRO
from facultativo.validators.identifiers import NSS_PATTERN, nss_is_valid
from facultativo.validators.text import fold
from facultativo.validators.vocabulary import LABELS, TITULOS

SIN_TITULO = "(sin título en el texto)"
# The current generation draws its title in an image: its body still names these
# (any way the vocabulary spells them: «Vigente hasta», «Fin de vigencia»).
_BODY_LABELS = (LABELS["servicio"], LABELS["vigencia"])
# What a constancia prints besides its fields, as whole phrases: its signature block, or
# a patrones table (its caption and a registro patronal). A form or a letter that names the
# same fields has neither; «Folio: 1» or the institute's name typed under them is not
# enough, and «PORTAFOLIO» is not a folio.
_SIGNATURE = re.compile(r"(?<![A-Z])(?:CADENA ORIGINAL|SELLO DIGITAL)(?![A-Z])")
_TABLE_CAPTION = re.compile(
    "(?<![A-Z])(?:" + "|".join(re.escape(p) for p in LABELS["registro"]) + ")(?![A-Z])"
)
_CADENA = "VIGENCIA DE DERECHOHABIENTES"  # the trámite its cadena original names
_NSS_LABEL = re.compile(r"SEGURIDAD SOCIAL|(?<![A-Z])N\.?S\.?S\.?(?![A-Z])")

# (markers that must all appear, what to call the document)
_OTROS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("IMPRIME Y RECORTA",), "la hoja de asignación de NSS (la que se imprime y recorta)"),
    (("ASIGNACION", "SEGURIDAD SOCIAL"), "la hoja de asignación de NSS"),
    (("LOCALIZACION", "SEGURIDAD SOCIAL"), "la hoja de localización de NSS"),
    (("ASIGNACION", "NSS"), "la hoja de asignación de NSS"),
    (("SEMANAS COTIZADAS",), "el reporte de semanas cotizadas"),
    (("CLAVE UNICA DE REGISTRO DE POBLACION",), "la constancia de la CURP"),
    # Weaker markers below: a constancia without a title may mention these words.
    (("CARNET",), "el carnet de citas del IMSS"),
    (("CARTILLA",), "una cartilla de salud"),
    (("ACTA DE NACIMIENTO",), "un acta de nacimiento"),
    (("CONSTANCIA DE ESTUDIOS",), "una constancia de estudios"),
    (("KARDEX",), "un kárdex"),
    (("BOLETA",), "una boleta de calificaciones"),
    (("CREDENCIAL",), "una credencial"),
    (("COMPROBANTE DE DOMICILIO",), "un comprobante de domicilio"),
)


_STRONG = 5  # markers that only those documents print (NSS card, semanas cotizadas)


def constancia_title(text: str) -> str | None:
    """The title if the text is a constancia de vigencia de derechos.

    With no title in the text layer, the body decides: an NSS and a coverage
    label only the constancia prints («servicio médico», «vigencia») or its
    cadena original's trámite. Documents
    sent by mistake are named first, since the semanas-cotizadas report and the
    NSS card also carry an NSS and patrones.
    """
    folded = fold(text)
    titulo = next((t for t in TITULOS if t in folded), None)
    if titulo or other_kind(folded, 1):  # «IMPRIME Y RECORTA»: only the NSS card says it
        return titulo
    has_nss = _NSS_LABEL.search(folded) or any(
        nss_is_valid(m.group(0)) for m in NSS_PATTERN.finditer(folded)
    )
    if not has_nss:
        return None
    # Both coverage labels, or the cadena's trámite: only the constancia prints them,
    # whatever else its footer mentions («consulta tus semanas cotizadas»).
    labels = [any(p in folded for p in phrases) for phrases in _BODY_LABELS]
    if all(labels) or _CADENA in folded:
        return SIN_TITULO
    if other_kind(folded, _STRONG):
        return None
    return SIN_TITULO if any(labels) else None


def has_structure(text: str) -> bool:
    """Whether an untitled document prints what only a constancia adds to its fields:
    the signature block, or a patrones table with a registro patronal in it."""
    folded = fold(text)
    table = bool(_TABLE_CAPTION.search(folded) and REGISTRO.search(folded))
    return _CADENA in folded or bool(_SIGNATURE.search(folded)) or table


def other_kind(folded: str, count: int | None = None) -> str | None:
    """What a document sent by mistake is, when its markers say so (the first `count`)."""
    for markers, name in _OTROS[:count]:
        if all(m in folded for m in markers):
            return name
    return None


def describe_other(text: str) -> str:
    """A short Spanish name for a document that is not a constancia."""
    return other_kind(fold(text)) or "un documento distinto de la constancia"
