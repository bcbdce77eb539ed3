"""Estado and motivo codes with their Spanish texts: the one place they live.

The codes are a contract (DESIGN.md §3): the sheet, the JSON output, the email
templates and other tools key on them, so they never change spelling. Staff see
the short text in the sheet; students read the long one in their email.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

URL_VIGENCIA = "https://serviciosdigitales.imss.gob.mx/gestionAsegurados-web-externo/vigencia"
URL_ASIGNACION_NSS = (
    "https://serviciosdigitales.imss.gob.mx/gestionAsegurados-web-externo/asignacionNSS"
)
URL_CLINICA = (
    "https://serviciosdigitales.imss.gob.mx/portal-ciudadano-web-externo/"
    "derechohabientes/tramite/registro"
)


class Estado(StrEnum):
    ACEPTADA = "ACEPTADA"
    RECHAZADA = "RECHAZADA"
    REVISION_MANUAL = "REVISION_MANUAL"
    CONCLUIDA = "CONCLUIDA"
    ERROR_TEMPORAL = "ERROR_TEMPORAL"
    ALTA_APLICADA = "ALTA_APLICADA"
    BAJA_APLICADA = "BAJA_APLICADA"

    @property
    def etiqueta(self) -> str:
        """The label staff read and type in the sheet."""
        return ETIQUETAS[self]

    @classmethod
    def from_label(cls, text: str) -> Estado | None:
        """Read an estado from a sheet cell, tolerating accents, case and spaces."""
        from .text import fold

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
    NOMBRE_NO_COINCIDE = "NOMBRE_NO_COINCIDE"
    SITUACION_NO_PREVISTA = "SITUACION_NO_PREVISTA"
    CONSTANCIA_SOSPECHOSA = "CONSTANCIA_SOSPECHOSA"

    @property
    def info(self) -> MotivoInfo:
        return MOTIVOS[self]

    @property
    def estado(self) -> Estado:
        return MOTIVOS[self].estado

    @property
    def texto_personal(self) -> str:
        return MOTIVOS[self].personal

    @property
    def texto_estudiante(self) -> str:
        return MOTIVOS[self].estudiante


@dataclass(frozen=True)
class MotivoInfo:
    estado: Estado
    personal: str  # short, for the sheet
    estudiante: str  # longer, for the email: what happened and what to do


_DESCARGA = f"Descárgala de nuevo en {URL_VIGENCIA} el mismo día en que llenes el formulario."

MOTIVOS: dict[Motivo, MotivoInfo] = {
    Motivo.SIN_ADJUNTO: MotivoInfo(
        Estado.RECHAZADA,
        "No se adjuntó ningún archivo.",
        "Tu solicitud llegó sin archivo adjunto. Descarga tu Constancia de Vigencia de "
        f"Derechos en {URL_VIGENCIA} y envía el formulario de nuevo con el PDF adjunto.",
    ),
    Motivo.ARCHIVO_ILEGIBLE: MotivoInfo(
        Estado.RECHAZADA,
        "El archivo no es un PDF que se pueda abrir.",
        "No pudimos abrir el archivo que enviaste: no es un PDF válido, está dañado, protegido "
        "con contraseña o es demasiado grande. Adjunta el PDF tal como lo entrega el IMSS, sin "
        f"modificarlo ni convertirlo. {_DESCARGA}",
    ),
    Motivo.PDF_SIN_TEXTO: MotivoInfo(
        Estado.RECHAZADA,
        "PDF sin texto: foto, escaneo o captura de pantalla.",
        "El PDF que enviaste es una imagen (foto, escaneo o captura de pantalla) y no el "
        "documento original del IMSS. Necesitamos el PDF que descargas directamente de la "
        f"página del IMSS, sin imprimirlo ni fotografiarlo. {_DESCARGA}",
    ),
    Motivo.DOCUMENTO_INCORRECTO: MotivoInfo(
        Estado.RECHAZADA,
        "El documento no es la Constancia de Vigencia de Derechos.",
        "El documento que enviaste no es la Constancia de Vigencia de Derechos. En el título "
        "del PDF debe decir «Constancia de Vigencia de Derechos»; evita enviar cualquier otro "
        f"documento (por ejemplo, la hoja de asignación de NSS). {_DESCARGA} Si aún no tienes "
        f"Número de Seguridad Social, tramítalo primero en {URL_ASIGNACION_NSS}.",
    ),
    Motivo.DATOS_ILEGIBLES: MotivoInfo(
        Estado.REVISION_MANUAL,
        "No se pudo leer el NSS, el estado o la fecha de la constancia.",
        "Recibimos tu solicitud, pero no pudimos leer automáticamente todos los datos de tu "
        "constancia. La revisará personal de Servicios Escolares y te escribiremos.",
    ),
    Motivo.NSS_NO_COINCIDE: MotivoInfo(
        Estado.RECHAZADA,
        "El NSS del formulario no es el de la constancia.",
        "El Número de Seguridad Social que escribiste en el formulario no coincide con el de la "
        "constancia. Revisa que la constancia sea la tuya y que escribas tu NSS completo (11 "
        "dígitos) y envía el formulario de nuevo.",
    ),
    Motivo.NSS_INVALIDO: MotivoInfo(
        Estado.RECHAZADA,
        "El NSS escrito en el formulario no es válido.",
        "El Número de Seguridad Social que escribiste no es válido: debe tener 11 dígitos, tal "
        "como aparece en tu constancia. Corrígelo y envía el formulario de nuevo. Si no "
        f"conoces tu NSS, consúltalo en {URL_ASIGNACION_NSS}.",
    ),
    Motivo.CURP_NO_COINCIDE: MotivoInfo(
        Estado.RECHAZADA,
        "La CURP del formulario no es la de la constancia.",
        "La CURP que escribiste en el formulario no coincide con la de la constancia. Revisa "
        "que la constancia sea la tuya y que tu CURP esté bien escrita (18 caracteres) y envía "
        "el formulario de nuevo.",
    ),
    Motivo.FECHA_NO_COINCIDE: MotivoInfo(
        Estado.RECHAZADA,
        "La constancia es de otro día que la solicitud.",
        "La fecha de tu constancia no coincide con el día en que enviaste tu solicitud: "
        "necesitamos una constancia descargada el mismo día. " + _DESCARGA,
    ),
    Motivo.VIGENTE_OTRA_INSTITUCION: MotivoInfo(
        Estado.RECHAZADA,
        "Vigente con seguro facultativo de otra escuela.",
        "Tu constancia muestra que sigues dado de alta en el seguro facultativo de otra "
        "institución educativa. Acude a esa escuela a solicitar tu baja; cuando tu constancia "
        "ya no la muestre como vigente, envía el formulario de nuevo con una constancia nueva.",
    ),
    Motivo.VIGENTE_CON_PATRON: MotivoInfo(
        Estado.ACEPTADA,
        "Vigente con un patrón; puede tener ambos seguros.",
        "Tu constancia muestra que estás asegurado por tu trabajo. No es necesario que "
        "renuncies: ¡puedes tener ambos seguros! Para conocer las ventajas de tener los dos, "
        "pregunta en las oficinas del IMSS.",
    ),
    Motivo.SIN_VIGENCIA: MotivoInfo(
        Estado.ACEPTADA,
        "Sin vigencia actual: procede el alta.",
        "Tu constancia es correcta y no tienes otro seguro vigente, así que procede tu alta en "
        "el seguro facultativo.",
    ),
    Motivo.YA_INSCRITO: MotivoInfo(
        Estado.CONCLUIDA,
        "Ya está vigente con esta escuela.",
        "¡Listo, ya tienes seguro facultativo! Tu constancia ya dice VIGENTE con esta escuela, "
        "así que no hace falta hacer nada más con tu alta.",
    ),
    Motivo.BAJA_PROCEDENTE: MotivoInfo(
        Estado.ACEPTADA,
        "Vigente con esta escuela: procede la baja.",
        "Tu constancia es correcta y estás dado de alta con esta escuela, así que procede tu "
        "baja del seguro facultativo.",
    ),
    Motivo.NO_INSCRITO: MotivoInfo(
        Estado.CONCLUIDA,
        "No está inscrito con esta escuela: no hay baja que hacer.",
        "Tu constancia muestra que no estás dado de alta en el seguro facultativo con esta "
        "escuela, así que no hay ninguna baja que hacer.",
    ),
    Motivo.SOLICITUD_DUPLICADA: MotivoInfo(
        Estado.CONCLUIDA,
        "Ya hay una solicitud igual aceptada o aplicada.",
        "Ya habíamos recibido y aceptado una solicitud igual a esta; no necesitas enviarla de "
        "nuevo. Te avisaremos cuando quede aplicada.",
    ),
    Motivo.NOMBRE_NO_COINCIDE: MotivoInfo(
        Estado.REVISION_MANUAL,
        "El nombre del formulario difiere del de la constancia.",
        "Recibimos tu solicitud. El nombre que escribiste no coincide exactamente con el de tu "
        "constancia; la revisará personal de Servicios Escolares y te escribiremos.",
    ),
    Motivo.SITUACION_NO_PREVISTA: MotivoInfo(
        Estado.REVISION_MANUAL,
        "Situación no prevista en la constancia: revisar.",
        "Recibimos tu solicitud. Tu constancia muestra una situación que debe revisar "
        "personalmente el personal de Servicios Escolares; te escribiremos.",
    ),
    Motivo.CONSTANCIA_SOSPECHOSA: MotivoInfo(
        Estado.REVISION_MANUAL,
        "La constancia muestra señales de edición.",
        "Recibimos tu solicitud; la revisará personal de Servicios Escolares y te escribiremos. "
        "Recuerda enviar siempre el PDF tal como lo descargas del IMSS, sin abrirlo en editores "
        "ni volver a imprimirlo.",
    ),
}

assert set(MOTIVOS) == set(Motivo), "every motivo needs its texts"
