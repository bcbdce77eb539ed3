"""Estado and motivo codes with their Spanish texts: the one place they live.

The codes are a contract: the JSON output, the ledger, the email templates and other
tools key on them, so they never change spelling. Staff see the short text in the
sheet's motivo column (`motivo_cell`, read back by `motivos_in_cell`); what students
read is in notifiers/texts.py.

An *informative* motivo (`MotivoInfo.informativo`) never decides: the verdict's estado
and its first motivo come from the others, and it is listed last, for staff («Nota: …»).
Students are told only the first motivo, so it never reaches them.
"""

from __future__ import annotations

from dataclasses import dataclass
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


class Motivo(StrEnum):
    SIN_ADJUNTO = "SIN_ADJUNTO"
    ARCHIVO_ILEGIBLE = "ARCHIVO_ILEGIBLE"
    PDF_SIN_TEXTO = "PDF_SIN_TEXTO"
    DOCUMENTO_INCORRECTO = "DOCUMENTO_INCORRECTO"
    DATOS_ILEGIBLES = "DATOS_ILEGIBLES"
    NSS_NO_COINCIDE = "NSS_NO_COINCIDE"
    NSS_INVALIDO = "NSS_INVALIDO"
    CURP_NO_COINCIDE = "CURP_NO_COINCIDE"
    FECHA_NO_COINCIDE = "FECHA_NO_COINCIDE"
    VIGENTE_OTRA_INSTITUCION = "VIGENTE_OTRA_INSTITUCION"
    VIGENTE_CON_PATRON = "VIGENTE_CON_PATRON"
    SIN_VIGENCIA = "SIN_VIGENCIA"
    YA_INSCRITO = "YA_INSCRITO"
    BAJA_PROCEDENTE = "BAJA_PROCEDENTE"
    NO_INSCRITO = "NO_INSCRITO"
    SOLICITUD_DUPLICADA = "SOLICITUD_DUPLICADA"
    ADJUNTO_NO_DISPONIBLE = "ADJUNTO_NO_DISPONIBLE"
    NOMBRE_NO_COINCIDE = "NOMBRE_NO_COINCIDE"
    TIPO_NO_RECONOCIDO = "TIPO_NO_RECONOCIDO"
    SITUACION_NO_PREVISTA = "SITUACION_NO_PREVISTA"
    CONSTANCIA_SOSPECHOSA = "CONSTANCIA_SOSPECHOSA"
    CONSTANCIA_REIMPRESA = "CONSTANCIA_REIMPRESA"  # informative: [campus.policy] reimpresion

    @property
    def estado(self) -> Estado:
        return MOTIVOS[self].estado

    @property
    def informativo(self) -> bool:
        return MOTIVOS[self].informativo

    @property
    def texto_personal(self) -> str:
        return MOTIVOS[self].personal


def motivo_cell(motivos: tuple[Motivo, ...] | list[Motivo]) -> str:
    """What the sheet's motivo column shows: staff's Spanish texts (the codes stay in the
    ledger and in `--json`). The main motivo decides; a further problem is «Además», the
    outcome the row would have had otherwise is «Si no fuera por eso» (a duplicate must
    not read «procede el alta» to staff), and an informative motivo is a «Nota»."""
    if not motivos:
        return ""
    main, *rest = motivos
    notes = [m for m in rest if m.informativo]
    problems = [
        m for m in rest if m.estado in (Estado.RECHAZADA, Estado.REVISION_MANUAL) and m not in notes
    ]
    outcomes = [m for m in rest if m not in problems and m not in notes]
    text = main.texto_personal
    groups = (("Además", problems), ("Si no fuera por eso", outcomes), ("Nota", notes))
    for lead, group in groups:
        if group:
            first, *more = (m.texto_personal for m in group)
            text += f" {lead}: " + " ".join([_lower_first(first), *more])
    return text


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def motivos_in_cell(text: str) -> tuple[Motivo, ...]:
    """The motivos a sheet cell names, in order: by their Spanish text, or by code (cells
    written before the texts, or typed by staff)."""
    found: list[tuple[int, Motivo]] = []
    folded = text.lower()
    for m in Motivo:
        for needle in (m.texto_personal.lower(), m.value.lower()):
            at = folded.find(needle)
            if at >= 0:
                found.append((at, m))
                break
    return tuple(m for _, m in sorted(found, key=lambda pair: pair[0]))


@dataclass(frozen=True)
class MotivoInfo:
    estado: Estado
    personal: str  # short, for the sheet (the student's words: notifiers/texts.py)
    # noted, never deciding: `estado` is then only what it would give alone (never, in
    # practice: rules._verdict takes the estado and the first motivo from the others)
    informativo: bool = False


MOTIVOS: dict[Motivo, MotivoInfo] = {
    Motivo.SIN_ADJUNTO: MotivoInfo(
        Estado.RECHAZADA,
        "No se adjuntó ningún archivo.",
    ),
    Motivo.ARCHIVO_ILEGIBLE: MotivoInfo(
        Estado.RECHAZADA,
        "El archivo no es un PDF que se pueda abrir.",
    ),
    Motivo.PDF_SIN_TEXTO: MotivoInfo(
        Estado.RECHAZADA,
        "PDF sin texto: foto, escaneo o captura de pantalla.",
    ),
    Motivo.DOCUMENTO_INCORRECTO: MotivoInfo(
        Estado.RECHAZADA,
        "El documento no es la Constancia de Vigencia de Derechos.",
    ),
    Motivo.DATOS_ILEGIBLES: MotivoInfo(
        Estado.REVISION_MANUAL,
        "No se pudo leer el NSS, el estado o la fecha de la constancia.",
    ),
    Motivo.NSS_NO_COINCIDE: MotivoInfo(
        Estado.RECHAZADA,
        "El NSS del formulario no es el de la constancia.",
    ),
    Motivo.NSS_INVALIDO: MotivoInfo(
        Estado.RECHAZADA,
        "El NSS escrito en el formulario no es válido.",
    ),
    Motivo.CURP_NO_COINCIDE: MotivoInfo(
        Estado.RECHAZADA,
        "La CURP del formulario no es la de la constancia.",
    ),
    Motivo.FECHA_NO_COINCIDE: MotivoInfo(
        Estado.RECHAZADA,
        "La constancia es de otro día que la solicitud.",
    ),
    Motivo.VIGENTE_OTRA_INSTITUCION: MotivoInfo(
        Estado.RECHAZADA,
        "Vigente con seguro facultativo de otra escuela.",
    ),
    Motivo.VIGENTE_CON_PATRON: MotivoInfo(
        Estado.ACEPTADA,
        "Vigente con un patrón; puede tener ambos seguros.",
    ),
    Motivo.SIN_VIGENCIA: MotivoInfo(
        Estado.ACEPTADA,
        "Sin vigencia actual: procede el alta.",
    ),
    Motivo.YA_INSCRITO: MotivoInfo(
        Estado.CONCLUIDA,
        "Ya está vigente con esta escuela.",
    ),
    Motivo.BAJA_PROCEDENTE: MotivoInfo(
        Estado.ACEPTADA,
        "Vigente con esta escuela: procede la baja.",
    ),
    Motivo.NO_INSCRITO: MotivoInfo(
        Estado.CONCLUIDA,
        "Sin seguro facultativo con esta escuela: no hay baja que hacer.",
    ),
    Motivo.SOLICITUD_DUPLICADA: MotivoInfo(
        Estado.CONCLUIDA,
        "Ya hay una solicitud igual aceptada o aplicada.",
    ),
    Motivo.ADJUNTO_NO_DISPONIBLE: MotivoInfo(
        Estado.REVISION_MANUAL,
        "No se pudo obtener el archivo adjunto: revisar.",
    ),
    Motivo.NOMBRE_NO_COINCIDE: MotivoInfo(
        Estado.REVISION_MANUAL,
        "El nombre del formulario difiere del de la constancia.",
    ),
    Motivo.TIPO_NO_RECONOCIDO: MotivoInfo(
        Estado.REVISION_MANUAL,
        "La respuesta no dice si pide alta o baja: revisar.",
    ),
    Motivo.SITUACION_NO_PREVISTA: MotivoInfo(
        Estado.REVISION_MANUAL,
        "Situación no prevista en la constancia: revisar.",
    ),
    Motivo.CONSTANCIA_SOSPECHOSA: MotivoInfo(
        Estado.REVISION_MANUAL,
        "La constancia muestra señales de edición.",
    ),
    Motivo.CONSTANCIA_REIMPRESA: MotivoInfo(
        Estado.ACEPTADA,
        "Constancia reimpresa (no es el PDF original del IMSS).",
        informativo=True,
    ),
}

assert set(MOTIVOS) == set(Motivo), "every motivo needs its texts"
