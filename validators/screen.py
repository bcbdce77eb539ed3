"""The file stage: what the bytes are before any parser touches them."""

from __future__ import annotations

from facultativo.validators.model import Limits, Problem
from facultativo.validators.motivos import Motivo

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "una imagen JPG"),
    (b"\x89PNG\r\n\x1a\n", "una imagen PNG"),
    (b"GIF8", "una imagen GIF"),
    (b"RIFF", "una imagen WEBP"),
    (b"II*\x00", "una imagen TIFF"),
    (b"MM\x00*", "una imagen TIFF"),
    (b"BM", "una imagen BMP"),
    (b"PK\x03\x04", "un documento de Office o un ZIP"),
    (b"\xd0\xcf\x11\xe0", "un documento de Office"),
    (b"{\\rtf", "un documento RTF"),
)


def screen(data: bytes, limits: Limits) -> Problem | None:
    """A Problem when the bytes cannot be a PDF we should open; None otherwise."""
    if not data:
        return _bad("El archivo está vacío (0 bytes).")
    if len(data) > limits.max_bytes:
        return _bad(f"El archivo pesa más de {limits.max_bytes / 2**20:g} MB, el límite.")
    if b"%PDF-" not in data[:1024]:
        return _bad(f"No es un PDF: parece {_looks_like(data)}.")
    return None


def _looks_like(data: bytes) -> str:
    for magic, name in _SIGNATURES:
        if data.startswith(magic):
            return name
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "una foto HEIC de iPhone"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "una página web (HTML)"
    return "otro tipo de archivo"


def _bad(detalle: str) -> Problem:
    return Problem(Motivo.ARCHIVO_ILEGIBLE, detalle)
