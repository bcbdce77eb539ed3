"""Signs that a constancia was edited or re-made (CONSTANCIA_SOSPECHOSA).

Each check looks for something a PDF straight from IMSS never has; none fires
on a document a report generator wrote in one pass, which is what IMSS sends.
"""

from __future__ import annotations

import re

from .backends.base import PdfText
from .identifiers import birth_years_agree, curp_is_valid, nss_is_valid
from .model import Constancia
from .text import fold, words

# Producer/Creator of PDF editors and of "print to PDF" re-prints, folded.
EDITORES = (
    "ILOVEPDF",
    "SMALLPDF",
    "SEJDA",
    "PDFESCAPE",
    "PDFFILLER",
    "DOCHUB",
    "PDF-XCHANGE",
    "PDFXCHANGE",
    "FOXIT",
    "NITRO",
    "ACROBAT PRO",
    "ADOBE ACROBAT",
    "PDFELEMENT",
    "WONDERSHARE",
    "SODA PDF",
    "PDF CANDY",
    "PDF24",
    "CANVA",
    "MICROSOFT WORD",
    "MICROSOFT® WORD",
    "LIBREOFFICE",
    "OPENOFFICE",
    "WPS",
    "GOOGLE DOCS",
    "PRINT TO PDF",
    "MICROSOFT: PRINT",
    "PDFCREATOR",
    "CUTEPDF",
    "BULLZIP",
    "PRIMOPDF",
    "QUARTZ PDFCONTEXT",
    "SKIA/PDF",
    "CAMSCANNER",
    "ADOBE SCAN",
    "PHOTOSHOP",
    "ILLUSTRATOR",
    "INKSCAPE",
    "GIMP",
    "PDFSAM",
    "MASTER PDF",
    "PDF EDITOR",
    "PDFFORGE",
)
_FILENAME_NSS = re.compile(r"VIGENCIADERECHOS\D{0,3}(\d{11})", re.I)


def signals(
    data: bytes, text: PdfText, constancia: Constancia, filename: str | None = None
) -> tuple[str, ...]:
    """Short Spanish notes for staff, one per sign found; empty when clean."""
    found = [*_editor(text), *_revisions(data), *_active_content(data)]
    if any(p.overlaps for p in text.pages):
        found.append("texto sobrepuesto a otro texto")
    found += _identifiers(constancia, filename)
    found += _cadena(constancia)
    return tuple(found)


def _editor(text: PdfText) -> list[str]:
    for field in (text.producer, text.creator):
        folded = fold(field)
        for editor in EDITORES:
            if editor in folded:
                return [f"PDF producido por un editor ({field.strip()[:60]})"]
    return []


_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|EmbeddedFiles|RichMedia)\b")


def _active_content(data: bytes) -> list[str]:
    """Scripts or files inside the PDF: a report generator never adds them."""
    if _ACTIVE.search(data):
        return ["el PDF contiene JavaScript o archivos incrustados"]
    return []


def _revisions(data: bytes) -> list[str]:
    """More than one revision: the file was saved again after it was generated."""
    eofs = data.count(b"%%EOF")
    linearized = b"/Linearized" in data[:2048]
    if eofs > (2 if linearized else 1) or (not linearized and re.search(rb"/Prev\s+\d", data)):
        return ["el PDF fue modificado después de generarse (varias revisiones)"]
    return []


def _identifiers(c: Constancia, filename: str | None) -> list[str]:
    found = []
    if c.nss and not nss_is_valid(c.nss):
        found.append("el NSS impreso no tiene un dígito verificador válido")
    if c.curp and not curp_is_valid(c.curp):
        found.append("la CURP impresa no es válida")
    if c.nss and c.curp and not birth_years_agree(c.nss, c.curp):
        found.append("el NSS y la CURP impresos tienen distinto año de nacimiento")
    m = _FILENAME_NSS.search(filename or "")
    if m and c.nss and m.group(1) != c.nss:
        found.append("el nombre del archivo trae otro NSS")
    return found


def _cadena(c: Constancia) -> list[str]:
    """The cadena original repeats the person's identity; an edit rarely fixes both copies."""
    cadena = c.cadena
    if cadena is None:
        return []
    found = []
    if c.nss and cadena.nss and cadena.nss != c.nss:
        found.append("la cadena original trae otro NSS")
    if c.curp and cadena.curp and cadena.curp != c.curp:
        found.append("la cadena original trae otra CURP")
    if c.nombre and cadena.nombre and not _same_letters(c.nombre, cadena.nombre):
        found.append("la cadena original trae otro nombre")
    return found


def _same_letters(a: str, b: str) -> bool:
    """Same name, whatever the order of its parts or where the cadena's line wrapped."""
    return sorted("".join(words(a))) == sorted("".join(words(b)))
