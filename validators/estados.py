"""The estado of a verdict and the label staff read and type for it in the sheet.

Its own module so that validators/motivos.py holds only motivos and their declarations:
each motivo says which estado it gives, the estados themselves change far less often.
The codes are a contract (the JSON output, the ledger, other tools key on them).
"""

from __future__ import annotations

from enum import StrEnum


class Estado(StrEnum):
    ACEPTADA = "ACEPTADA"
    RECHAZADA = "RECHAZADA"
    REVISION_MANUAL = "REVISION_MANUAL"
    CONCLUIDA = "CONCLUIDA"
    ERROR_TEMPORAL = "ERROR_TEMPORAL"
    ALTA_APLICADA = "ALTA_APLICADA"
    BAJA_APLICADA = "BAJA_APLICADA"
    ANTERIOR = "ANTERIOR"  # before the campus went live (`desde`): never validated nor mailed

    @property
    def etiqueta(self) -> str:
        """The label staff read and type in the sheet."""
        return ETIQUETAS[self]

    @classmethod
    def from_label(cls, text: str) -> Estado | None:
        """Read an estado from a sheet cell, tolerating accents, case and spaces."""
        from facultativo.validators.text import fold

        key = fold(text).replace(" ", "_")
        return cls.__members__.get(key)


ETIQUETAS: dict[Estado, str] = {
    Estado.ACEPTADA: "ACEPTADA",
    Estado.RECHAZADA: "RECHAZADA",
    Estado.REVISION_MANUAL: "REVISIÓN MANUAL",
    Estado.CONCLUIDA: "CONCLUIDA",
    Estado.ERROR_TEMPORAL: "ERROR TEMPORAL",
    Estado.ALTA_APLICADA: "ALTA APLICADA",
    Estado.BAJA_APLICADA: "BAJA APLICADA",
    Estado.ANTERIOR: "ANTERIOR",
}
