"""Step one of validation: PDF bytes → Reading (a constancia record) or Problem.

Stages: screen the bytes → read text with a backend → decide the document
kind → read the fields → look for signs of editing. Every stage returns a
typed result; nothing here raises for a bad file.
"""

from __future__ import annotations

from facultativo.validators.backends import DEFAULT_BACKEND, Backend
from facultativo.validators.backends.base import PdfText
from facultativo.validators.fields import read_constancia
from facultativo.validators.integrity import signals
from facultativo.validators.kinds import SIN_TITULO, constancia_title, describe_other, has_structure
from facultativo.validators.labels import fold_pages
from facultativo.validators.legibility import measure
from facultativo.validators.model import Extraction, Limits, Problem, Reading
from facultativo.validators.motivos import Motivo
from facultativo.validators.screen import screen

MIN_TEXT_CHARS = 30
UNDECODABLE = (
    "El texto del PDF no se puede descifrar: sus letras se ven en pantalla, pero el archivo "
    "no dice cuáles son (fuentes sin mapa de caracteres). Revisar a mano o pedir la "
    "constancia descargada de nuevo del IMSS."
)

INCOMPLETE = (
    "Trae los datos de una constancia (NSS, servicio médico, vigencia), pero no su título, "
    "ni la tabla de patrones, ni la cadena original: puede ser otro formato, una parte o una "
    "copia hecha a mano. Revisar a mano."
)


def extract(
    data: bytes,
    limits: Limits | None = None,
    filename: str | None = None,
    backend: Backend = DEFAULT_BACKEND,
) -> Extraction:
    limits = limits or Limits()
    problem = screen(data, limits)
    if problem:
        return problem
    text = backend.read(data, limits)
    if isinstance(text, Problem):
        return text
    return read_text(data, text, filename)


def read_text(data: bytes, text: PdfText, filename: str | None = None) -> Extraction:
    """Document kind and fields from a PDF's text."""
    if text.chars < MIN_TEXT_CHARS:
        return _without_text(text)
    full = text.text
    legibility = measure(full)
    if not legibility.legible:
        return Problem(Motivo.DATOS_ILEGIBLES, UNDECODABLE, {"texto": "ilegible"})
    titulo = constancia_title(full)
    if titulo is None:
        return Problem(Motivo.DOCUMENTO_INCORRECTO, f"Se recibió {describe_other(full)}.")
    if titulo == SIN_TITULO and not has_structure(full):
        return Problem(Motivo.DATOS_ILEGIBLES, INCOMPLETE)
    constancia = read_constancia(fold_pages([list(p.lines) for p in text.pages]), titulo)
    return Reading(constancia, signals(data, text, constancia, filename))


def _without_text(text: PdfText) -> Problem:
    if any(p.images for p in text.pages):
        detalle = "El PDF es una imagen (foto, escaneo o captura de pantalla), sin texto."
    else:
        detalle = "El PDF no tiene texto legible."
    return Problem(Motivo.PDF_SIN_TEXTO, detalle)
