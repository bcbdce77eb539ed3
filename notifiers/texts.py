"""What each motivo tells the student, and the IMSS pages the emails point to.

These are the student's words, so they live with the emails (staff's short texts and the
codes stay in validators/motivos.py). Each says what happened in one or two sentences; the
templates (templates/pasos.*.j2) add the exact steps and links for each motivo.
"""

from __future__ import annotations

from facultativo.validators import Motivo

URL_VIGENCIA = "https://serviciosdigitales.imss.gob.mx/gestionAsegurados-web-externo/vigencia"
URL_ASIGNACION_NSS = (
    "https://serviciosdigitales.imss.gob.mx/gestionAsegurados-web-externo/asignacionNSS"
)
URL_CLINICA = (
    "https://serviciosdigitales.imss.gob.mx/portal-ciudadano-web-externo/"
    "derechohabientes/tramite/registro"
)

STUDENT: dict[Motivo, str] = {
    Motivo.SIN_ADJUNTO: (
        "Tu solicitud llegó sin archivo adjunto, así que no pudimos revisar tu Constancia "
        "de Vigencia de Derechos."
    ),
    Motivo.ARCHIVO_ILEGIBLE: (
        "No pudimos abrir el archivo que enviaste: no es un PDF válido, está dañado, tiene "
        "contraseña o es demasiado grande."
    ),
    Motivo.PDF_SIN_TEXTO: (
        "El PDF que enviaste es una imagen (foto, escaneo o captura de pantalla), no el "
        "documento original que entrega el IMSS."
    ),
    Motivo.DOCUMENTO_INCORRECTO: (
        "El documento que enviaste no es la Constancia de Vigencia de Derechos del IMSS, "
        "que es el único documento con el que podemos hacer tu trámite."
    ),
    Motivo.DATOS_ILEGIBLES: (
        "No pudimos leer automáticamente todos los datos de tu constancia, así que la "
        "revisará una persona."
    ),
    Motivo.NSS_NO_COINCIDE: (
        "El Número de Seguridad Social que escribiste en el formulario no es el que aparece"
        " en la constancia que enviaste."
    ),
    Motivo.NSS_INVALIDO: (
        "El Número de Seguridad Social que escribiste en el formulario no es válido: un NSS"
        " tiene 11 dígitos y el último es un dígito verificador."
    ),
    Motivo.CURP_NO_COINCIDE: (
        "La CURP que escribiste en el formulario no es la que aparece en la constancia que "
        "enviaste."
    ),
    Motivo.FECHA_NO_COINCIDE: (
        "Tu constancia no es del mismo día en que enviaste tu solicitud, y necesitamos una "
        "constancia descargada ese mismo día."
    ),
    Motivo.VIGENTE_OTRA_INSTITUCION: (
        "Tu constancia muestra que tu seguro facultativo sigue vigente con otra institución"
        " educativa, y solo una escuela a la vez puede darte este seguro."
    ),
    Motivo.VIGENTE_CON_PATRON: (
        "Tu constancia muestra que tienes seguro del IMSS por tu trabajo. No es necesario "
        "que renuncies a él: ¡puedes tener ambos seguros!"
    ),
    Motivo.SIN_VIGENCIA: (
        "Tu constancia es correcta y no tienes otro seguro vigente, así que procede tu alta"
        " en el seguro facultativo."
    ),
    Motivo.YA_INSCRITO: (
        "¡Listo, ya tienes seguro facultativo! Tu constancia ya dice VIGENTE con esta "
        "escuela, así que no hace falta hacer nada más con tu alta."
    ),
    Motivo.BAJA_PROCEDENTE: (
        "Tu constancia es correcta y tu seguro facultativo está vigente con esta escuela, "
        "así que procede tu baja."
    ),
    Motivo.NO_INSCRITO: (
        "Tu constancia muestra que no tienes seguro facultativo con esta escuela, así que "
        "no hay ninguna baja que hacer."
    ),
    Motivo.SOLICITUD_DUPLICADA: (
        "Ya habíamos recibido y aceptado una solicitud igual a esta, así que no hace falta "
        "enviarla de nuevo."
    ),
    Motivo.ADJUNTO_NO_DISPONIBLE: (
        "No pudimos abrir desde nuestro sistema el archivo que adjuntaste en el formulario "
        "(no es un problema de tu constancia), así que una persona lo revisará "
        "directamente."
    ),
    Motivo.NOMBRE_NO_COINCIDE: (
        "El nombre que escribiste no coincide exactamente con el de tu constancia, así que "
        "una persona revisará tu solicitud."
    ),
    Motivo.TIPO_NO_RECONOCIDO: (
        "Tu respuesta en el formulario no dice si pides el alta o la baja del seguro "
        "facultativo, así que una persona revisará tu solicitud."
    ),
    Motivo.SITUACION_NO_PREVISTA: (
        "Tu constancia muestra una situación que debe revisar una persona antes de hacer tu"
        " trámite."
    ),
    Motivo.CONSTANCIA_SOSPECHOSA: (
        "Tu constancia necesita una revisión adicional antes de hacer tu trámite; recuerda "
        "enviar siempre el PDF tal como lo descargas del IMSS, sin abrirlo en editores ni "
        "volver a imprimirlo."
    ),
    # Informative (validators/motivos.py): listed after the motivo that decides, so a
    # student is never told it; the text is for a preview, or a cell staff reordered.
    Motivo.CONSTANCIA_REIMPRESA: (
        "Tu constancia es una copia que se volvió a imprimir o guardar, no el PDF original del"
        " IMSS; la próxima vez envía el PDF tal como lo descargas."
    ),
}

assert set(STUDENT) == set(Motivo), "every motivo needs its text for the student"


def student_text(motivo: Motivo) -> str:
    return STUDENT[motivo]
