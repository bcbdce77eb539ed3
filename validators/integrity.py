"""Signs that a constancia was edited or re-made (CONSTANCIA_SOSPECHOSA).

Each check looks for something a PDF straight from IMSS never has; none fires
on a document a report generator wrote in one pass, which is what IMSS sends.
A re-print (the pages drawn again by a browser, a phone or a PDF printer) is the
one sign a campus may accept ([campus.policy] reimpresion, rules._integrity).
"""

from __future__ import annotations

import re
from enum import StrEnum

from facultativo.validators.backends.base import PdfText
from facultativo.validators.identifiers import birth_years_agree, curp_is_valid, nss_is_valid
from facultativo.validators.model import Constancia
from facultativo.validators.text import words


class Rol(StrEnum):
    """What a program named in the Producer or Creator did to the constancia."""

    # drew the pages again (print to PDF, «guardar como PDF»): the same content, but not
    # IMSS's file any more; [campus.policy] reimpresion decides what it gets
    REIMPRESION = "reimpresión"
    # can change what the page says: always CONSTANCIA_SOSPECHOSA
    EDITOR = "editor"


R, E = Rol.REIMPRESION, Rol.EDITOR

# Every program whose name in the Producer or Creator says the file is not the one IMSS's
# generator wrote, listed once with its role (docs/CONSTANCIA.md §8). A name matches as
# whole words, ignoring case, accents and punctuation («Skia/PDF» is «SKIA PDF», so it
# matches «Skia/PDF m150» but «Canva» does not match «Canvas»). Report libraries (iText,
# OpenPDF, JasperReports, FPDF, ReportLab, TCPDF, wkhtmltopdf…) are not listed: IMSS's
# generator is one of them. When both roles match, the editor wins.
PRODUCTORES: tuple[tuple[str, Rol], ...] = (
    # browsers, phones and operating systems printing to PDF
    ("Skia/PDF", R),  # Chrome, Edge, Brave, Opera, Android printing, Google Drive's viewer
    ("Quartz PDFContext", R),  # macOS and iOS printing: Safari, Vista Previa, Archivos
    ("cairo", R),  # Firefox «Guardar en PDF», GNOME/GTK printing, Evince, pdftocairo
    ("Ghostscript", R),  # GPL, AFPL, Artifex Ghostscript; ps2pdf; many PDF printers use it
    ("Print To PDF", R),  # «Microsoft: Print To PDF», Windows' own printer
    # PDF printers
    ("PDFCreator", R),
    ("pdfforge", R),  # PDFCreator's maker
    ("CutePDF", R),
    ("Bullzip", R),
    ("PrimoPDF", R),
    ("doPDF", R),
    ("novaPDF", R),
    ("Acrobat Distiller", R),  # Adobe's «Adobe PDF» printer
    ("MuPDF", R),  # SumatraPDF's and mutool's re-written copies
    # online PDF tools
    ("iLovePDF", E),
    ("Smallpdf", E),
    ("Sejda", E),
    ("PDFescape", E),
    ("pdfFiller", E),
    ("DocHub", E),
    ("PDF24", E),
    ("Soda PDF", E),
    ("SodaPDF", E),
    ("PDF Candy", E),
    ("PDFCandy", E),
    ("PDF2Go", E),
    ("Online2PDF", E),
    ("CleverPDF", E),
    ("Canva", E),
    ("Google Docs", E),
    # desktop and phone PDF editors
    ("Adobe Acrobat", E),
    ("Acrobat Pro", E),
    ("PDFMaker", E),  # Acrobat's export from Word or Excel
    ("Foxit", E),
    ("PDF-XChange", E),
    ("PDFXChange", E),
    ("Nitro", E),
    ("PDFelement", E),
    ("Wondershare", E),
    ("PDF Architect", E),
    ("PDF Expert", E),
    ("PDFgear", E),
    ("Master PDF", E),
    ("PDF Editor", E),
    ("PDFsam", E),
    ("ABBYY", E),  # FineReader: recognises the text again
    ("Stirling-PDF", E),
    ("PSPDFKit", E),
    ("Xodo", E),
    ("Kofax", E),  # Power PDF
    ("Nuance", E),  # PDF Create, Power PDF before Kofax
    # office suites (they re-flow the text into an editable document)
    ("Microsoft Word", E),
    ("Microsoft Excel", E),
    ("LibreOffice", E),
    ("OpenOffice", E),
    ("WPS", E),  # WPS Office
    # scanner apps (a photo with recognised text) and image editors
    ("CamScanner", E),
    ("Adobe Scan", E),
    ("Microsoft Lens", E),
    ("Office Lens", E),
    ("Genius Scan", E),
    ("HP Scan", E),
    ("OCRmyPDF", E),  # a text layer recognised by Tesseract over a picture
    ("Tesseract", E),
    ("Photoshop", E),
    ("Illustrator", E),
    ("Inkscape", E),
    ("GIMP", E),
)
# The names as whole folded words, folded once (matched as text.contains_phrase does).
_FOLDED_NAMES = tuple((" ".join(words(name)), rol) for name, rol in PRODUCTORES)
# Where a re-print's sign starts: rules.py tells it from the other signs by it.
REIMPRESA = "constancia reimpresa con "
_FILENAME_NSS = re.compile(r"VIGENCIADERECHOS\D{0,3}(\d{11})", re.I)


def signals(
    data: bytes, text: PdfText, constancia: Constancia, filename: str | None = None
) -> tuple[str, ...]:
    """Short Spanish notes for staff, one per sign found; empty when clean."""
    found = [*_producer(text), *_revisions(data), *_active_content(data)]
    if any(p.overlaps for p in text.pages):
        found.append("texto sobrepuesto a otro texto")
    if any(p.hidden for p in text.pages):  # left out of the reading, but never normal
        found.append("texto oculto (invisible, blanco sobre blanco o fuera de la página)")
    found += _identifiers(constancia, filename)
    found += _cadena(constancia)
    return tuple(found)


def _producer(text: PdfText) -> list[str]:
    """The program the Producer or Creator names, an editor before a re-printer."""
    fields = [f.strip() for f in (text.producer, text.creator) if f and f.strip()]
    folded = [f" {' '.join(words(f))} " for f in fields]
    for rol in (Rol.EDITOR, Rol.REIMPRESION):
        for field, hay in zip(fields, folded, strict=True):
            if any(r is rol and f" {name} " in hay for name, r in _FOLDED_NAMES):
                if rol is Rol.EDITOR:
                    return [f"PDF producido por un editor ({field[:60]})"]
                return [f"{REIMPRESA}{field[:60]}"]
    return []


def es_reimpresion(senal: str) -> bool:
    """Whether a sign only says the file was re-printed (no sign of an edit by itself)."""
    return senal.startswith(REIMPRESA)


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
