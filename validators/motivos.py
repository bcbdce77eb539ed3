"""Each motivo, declared once with everything it needs: the one place its words live.

The codes are a contract: the JSON output, the ledger, the email templates and other
tools key on them, so they never change spelling. A declaration (`MotivoInfo`) holds:

- `estado`: what the motivo decides alone;
- `personal`: staff's short text, in the sheet's motivo column (`motivo_cell`, read back
  by `motivos_in_cell`);
- `estudiante`: what happened, for the student, in one or two sentences (emails, page);
- `pasos`: what the student must do, when the request was rejected: one sentence per step,
  with an optional `intro` paragraph before them. notifiers/steps.py renders them as plain
  text and as HTML from this one source. Placeholders: {url_vigencia},
  {url_asignacion_nss}, {url_clinica} (links in HTML); {llena} / {llena_minuscula} (the
  last step's «Llena de nuevo el formulario» or, on the page, «Llena el formulario»);
  a verdict's datos by name, with the words to say when empty after «|»
  ({institucion|otra escuela}). **…** marks the one phrase shown in bold in HTML;
- for the pre-check page (facultativo web): `campo`, when the motivo is about what the
  student typed, the field and the text beside it (the constancia is judged without it),
  and `otro_tipo`, the hint beside the tipo choice when the other tipo may be what the
  student meant.

A new motivo is a member of `Motivo` plus its declaration here, and the rule that emits it
(validators/rules.py); tests/validators/test_motivo_declarations.py checks it is complete.

An *informative* motivo (`MotivoInfo.informativo`) never decides: the verdict's estado
and its first motivo come from the others, and it is listed last, for staff («Nota: …»).
Students are told only the first motivo, so it never reaches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from facultativo.validators.estados import Estado


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

    @property
    def texto_estudiante(self) -> str:
        return MOTIVOS[self].estudiante


@dataclass(frozen=True)
class Campo:
    """A field of the pre-check page's form, and what the page says beside it."""

    name: str  # the form field: nss, curp, nombre
    text: str


@dataclass(frozen=True)
class MotivoInfo:
    estado: Estado
    personal: str  # short, for the sheet
    estudiante: str  # what happened, for the student
    pasos: tuple[str, ...] = ()  # what the student must do (see the module's docstring)
    intro: str = ""  # a paragraph before the steps
    campo: Campo | None = None  # the page: about what was typed, said beside its field
    otro_tipo: str = ""  # the page: beside the tipo choice
    ejemplo: str = ""  # a detalle as a verdict would carry it, for `preview-emails`
    # noted, never deciding: `estado` is then only what it would give alone (never, in
    # practice: rules._verdict takes the estado and the first motivo from the others)
    informativo: bool = False


MOTIVOS: dict[Motivo, MotivoInfo] = {
    Motivo.SIN_ADJUNTO: MotivoInfo(
        Estado.RECHAZADA,
        "No se adjuntó ningún archivo.",
        "Tu solicitud llegó sin archivo adjunto, así que no pudimos revisar tu Constancia "
        "de Vigencia de Derechos.",
        pasos=(
            "Descarga tu Constancia de Vigencia de Derechos en {url_vigencia}.",
            "{llena} y adjunta el PDF que descargaste.",
        ),
    ),
    Motivo.ARCHIVO_ILEGIBLE: MotivoInfo(
        Estado.RECHAZADA,
        "El archivo no es un PDF que se pueda abrir.",
        "No pudimos abrir el archivo que enviaste: no es un PDF válido, está dañado, tiene "
        "contraseña o es demasiado grande.",
        pasos=(
            "Descarga de nuevo tu constancia en {url_vigencia}.",
            "Adjunta el PDF tal como lo descargas: sin convertirlo, sin comprimirlo y sin "
            "contraseña (menos de 10 MB).",
            "{llena}.",
        ),
        ejemplo="No es un PDF: parece una imagen JPG.",
    ),
    Motivo.PDF_SIN_TEXTO: MotivoInfo(
        Estado.RECHAZADA,
        "PDF sin texto: foto, escaneo o captura de pantalla.",
        "El PDF que enviaste es una imagen (foto, escaneo o captura de pantalla), no el "
        "documento original que entrega el IMSS.",
        pasos=(
            "No envíes fotos, escaneos ni capturas de pantalla: descarga el PDF original en "
            "{url_vigencia}.",
            "Adjunta ese PDF sin imprimirlo ni volver a guardarlo, y {llena_minuscula}.",
        ),
    ),
    Motivo.DOCUMENTO_INCORRECTO: MotivoInfo(
        Estado.RECHAZADA,
        "El documento no es la Constancia de Vigencia de Derechos.",
        "El documento que enviaste no es la Constancia de Vigencia de Derechos del IMSS, "
        "que es el único documento con el que podemos hacer tu trámite.",
        pasos=(
            "Descarga tu Constancia de Vigencia de Derechos en {url_vigencia} (en el título "
            "debe decir **«Constancia de Vigencia de Derechos»**).",
            "Si aún no tienes Número de Seguridad Social, tramítalo primero en "
            "{url_asignacion_nss}.",
            "{llena} con la constancia.",
        ),
        ejemplo="Se recibió la hoja de asignación de NSS.",
    ),
    Motivo.DATOS_ILEGIBLES: MotivoInfo(
        Estado.REVISION_MANUAL,
        "No se pudo leer el NSS, el estado o la fecha de la constancia.",
        "No pudimos leer automáticamente todos los datos de tu constancia, así que la "
        "revisará una persona.",
    ),
    Motivo.NSS_NO_COINCIDE: MotivoInfo(
        Estado.RECHAZADA,
        "El NSS del formulario no es el de la constancia.",
        "El Número de Seguridad Social que escribiste en el formulario no es el que aparece"
        " en la constancia que enviaste.",
        pasos=(
            "Revisa que la constancia sea la tuya (tu nombre y tu NSS).",
            "Escribe en el formulario tu NSS completo, los 11 dígitos tal como aparecen en la "
            "constancia.",
            "{llena}.",
        ),
        campo=Campo(
            "nss", "El NSS que escribiste no coincide con el de tu constancia; revisa el número."
        ),
    ),
    Motivo.NSS_INVALIDO: MotivoInfo(
        Estado.RECHAZADA,
        "El NSS escrito en el formulario no es válido.",
        "El Número de Seguridad Social que escribiste en el formulario no es válido: un NSS"
        " tiene 11 dígitos y el último es un dígito verificador.",
        pasos=(
            "Copia tu NSS de tu constancia: son 11 dígitos, sin espacios ni guiones.",
            "Si no conoces tu NSS, consúltalo en {url_asignacion_nss}.",
            "{llena}.",
        ),
        campo=Campo("nss", "Este no es un NSS válido; cópialo tal como aparece en tu constancia."),
        ejemplo="NSS escrito: «1222045678».",
    ),
    Motivo.CURP_NO_COINCIDE: MotivoInfo(
        Estado.RECHAZADA,
        "La CURP del formulario no es la de la constancia.",
        "La CURP que escribiste en el formulario no es la que aparece en la constancia que "
        "enviaste.",
        pasos=(
            "Revisa que la constancia sea la tuya.",
            "Escribe tu CURP completa (18 caracteres) tal como aparece en la constancia.",
            "{llena}.",
        ),
        campo=Campo(
            "curp", "La CURP que escribiste no coincide con la de tu constancia; revísala."
        ),
    ),
    Motivo.FECHA_NO_COINCIDE: MotivoInfo(
        Estado.RECHAZADA,
        "La constancia es de otro día que la solicitud.",
        "Tu constancia no es del mismo día en que enviaste tu solicitud, y necesitamos una "
        "constancia descargada ese mismo día.",
        pasos=(
            "El mismo día en que llenes el formulario, descarga tu constancia en {url_vigencia}.",
            "{llena} y adjunta esa constancia.",
        ),
        ejemplo="Constancia del 02/10/2026; solicitud del 16/11/2026.",
    ),
    Motivo.VIGENTE_OTRA_INSTITUCION: MotivoInfo(
        Estado.RECHAZADA,
        "Vigente con seguro facultativo de otra escuela.",
        "Tu constancia muestra que tu seguro facultativo sigue vigente con otra institución"
        " educativa, y solo una escuela a la vez puede darte este seguro.",
        intro="Según tu constancia, tu seguro facultativo sigue vigente con: "
        "**{institucion|otra escuela}**.",
        pasos=(
            "Acude a {institucion|esa escuela} y pide tu baja del seguro facultativo.",
            "Espera a que tu constancia ya no la muestre como VIGENTE ({url_vigencia}).",
            "{llena} con una constancia nueva, descargada ese mismo día.",
        ),
        ejemplo="Vigente con UNIVERSIDAD AUTONOMA DE QUERETARO.",
    ),
    Motivo.VIGENTE_CON_PATRON: MotivoInfo(
        Estado.ACEPTADA,
        "Vigente con un patrón; puede tener ambos seguros.",
        "Tu constancia muestra que tienes seguro del IMSS por tu trabajo. No es necesario "
        "que renuncies a él: ¡puedes tener ambos seguros!",
    ),
    Motivo.SIN_VIGENCIA: MotivoInfo(
        Estado.ACEPTADA,
        "Sin vigencia actual: procede el alta.",
        "Tu constancia es correcta y no tienes otro seguro vigente, así que procede tu alta"
        " en el seguro facultativo.",
    ),
    Motivo.YA_INSCRITO: MotivoInfo(
        Estado.CONCLUIDA,
        "Ya está vigente con esta escuela.",
        "¡Listo, ya tienes seguro facultativo! Tu constancia ya dice VIGENTE con esta "
        "escuela, así que no hace falta hacer nada más con tu alta.",
        otro_tipo="¿Querías pedir la baja? Elígela aquí.",
    ),
    Motivo.BAJA_PROCEDENTE: MotivoInfo(
        Estado.ACEPTADA,
        "Vigente con esta escuela: procede la baja.",
        "Tu constancia es correcta y tu seguro facultativo está vigente con esta escuela, "
        "así que procede tu baja.",
    ),
    Motivo.NO_INSCRITO: MotivoInfo(
        Estado.CONCLUIDA,
        "Sin seguro facultativo con esta escuela: no hay baja que hacer.",
        "Tu constancia muestra que no tienes seguro facultativo con esta escuela, así que "
        "no hay ninguna baja que hacer.",
        otro_tipo="¿Querías pedir el alta? Elígela aquí.",
    ),
    Motivo.SOLICITUD_DUPLICADA: MotivoInfo(
        Estado.CONCLUIDA,
        "Ya hay una solicitud igual aceptada o aplicada.",
        "Ya habíamos recibido y aceptado una solicitud igual a esta, así que no hace falta "
        "enviarla de nuevo.",
    ),
    Motivo.ADJUNTO_NO_DISPONIBLE: MotivoInfo(
        Estado.REVISION_MANUAL,
        "No se pudo obtener el archivo adjunto: revisar.",
        "No pudimos abrir desde nuestro sistema el archivo que adjuntaste en el formulario "
        "(no es un problema de tu constancia), así que una persona lo revisará "
        "directamente.",
    ),
    Motivo.NOMBRE_NO_COINCIDE: MotivoInfo(
        Estado.REVISION_MANUAL,
        "El nombre del formulario difiere del de la constancia.",
        "El nombre que escribiste no coincide exactamente con el de tu constancia, así que "
        "una persona revisará tu solicitud.",
        campo=Campo(
            "nombre",
            "El nombre que escribiste no coincide con el de tu constancia; escríbelo tal como "
            "aparece en ella.",
        ),
    ),
    Motivo.TIPO_NO_RECONOCIDO: MotivoInfo(
        Estado.REVISION_MANUAL,
        "La respuesta no dice si pide alta o baja: revisar.",
        "Tu respuesta en el formulario no dice si pides el alta o la baja del seguro "
        "facultativo, así que una persona revisará tu solicitud.",
    ),
    Motivo.SITUACION_NO_PREVISTA: MotivoInfo(
        Estado.REVISION_MANUAL,
        "Situación no prevista en la constancia: revisar.",
        "Tu constancia muestra una situación que debe revisar una persona antes de hacer tu"
        " trámite.",
    ),
    Motivo.CONSTANCIA_SOSPECHOSA: MotivoInfo(
        Estado.REVISION_MANUAL,
        "La constancia muestra señales de edición.",
        "Tu constancia necesita una revisión adicional antes de hacer tu trámite; recuerda "
        "enviar siempre el PDF tal como lo descargas del IMSS, sin abrirlo en editores ni "
        "volver a imprimirlo.",
    ),
    Motivo.CONSTANCIA_REIMPRESA: MotivoInfo(
        Estado.ACEPTADA,
        "Constancia reimpresa (no es el PDF original del IMSS).",
        # listed after the motivo that decides, so a student is never told it: the text
        # is for a preview, or a cell staff reordered
        "Tu constancia es una copia que se volvió a imprimir o guardar, no el PDF original del"
        " IMSS; la próxima vez envía el PDF tal como lo descargas.",
        informativo=True,
    ),
}

assert set(MOTIVOS) == set(Motivo), "every motivo needs its declaration"


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
