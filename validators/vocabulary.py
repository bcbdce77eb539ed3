"""The constancia's vocabulary: every label, title and coverage word, declared once.

The real layout is not public (docs/CONSTANCIA.md), so fields are found by the words
that name them. Every label any layout may print is listed, including the ones never
read, because a known label is also where the previous value ends. Phrases are folded
(upper case, no accents); the finder (labels.py) tries longer phrases first.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from facultativo.validators.model import Situacion


class Role(StrEnum):
    FIELD = "field"  # a value is read after it
    SECTION = "section"  # it starts a block (patrones, beneficiarios, firma, end notes)
    STOP = "stop"  # never read: it only ends the value before it


@dataclass(frozen=True)
class Label:
    name: str
    role: Role
    phrases: tuple[str, ...]


# «Número de seguridad social» as offices abbreviate it, folded: «Nº» folds to «NO»,
# «N°» keeps its degree sign, «Núm.» loses its accent.
_NUMERO = ("NUMERO", "NUM.", "NUM", "NO.", "NO", "N°", "N°.", "N.", "NRO.", "NRO")
_NUMBERED = (
    *(f"{n} {noun}" for n in _NUMERO for noun in ("DE SEGURIDAD SOCIAL", "DE SEGURO SOCIAL")),
    "NUMERO DE AFILIACION",
)

# One list of titles: what the document is called, by generation and by office.
TITULOS = (
    "CONSTANCIA DE VIGENCIA DE DERECHOS",
    "COMPROBANTE DE VIGENCIA DE DERECHOS",
    "REPORTE DE VIGENCIA DE DERECHOS",
)

VOCABULARY: tuple[Label, ...] = (
    Label(
        "titulo",
        Role.STOP,
        (
            *TITULOS,
            "COMPROBANTE DE VIGENCIA DE DERECHOHABIENTES",
            "INSTITUTO MEXICANO DEL SEGURO SOCIAL",
        ),
    ),
    Label("nss", Role.FIELD, (*_NUMBERED, "N.S.S.", "N.S.S", "NSS")),
    Label("curp", Role.FIELD, ("CLAVE UNICA DE REGISTRO DE POBLACION", "C.U.R.P.", "CURP")),
    Label(
        "nombre",
        Role.FIELD,
        (
            "NOMBRE DEL ASEGURADO",
            "NOMBRE DEL DERECHOHABIENTE",
            "NOMBRE COMPLETO",
            "NOMBRE(S)",
            "NOMBRES",
            "NOMBRE",
        ),
    ),
    Label("apellido1", Role.FIELD, ("PRIMER APELLIDO", "APELLIDO PATERNO")),
    Label("apellido2", Role.FIELD, ("SEGUNDO APELLIDO", "APELLIDO MATERNO")),
    Label(
        "fecha",
        Role.FIELD,
        (
            "FECHA DE EXPEDICION",
            "FECHA Y HORA DE EXPEDICION",
            "FECHA DE CONSULTA",
            "FECHA Y HORA DE CONSULTA",
            "FECHA DE EMISION",
            "FECHA DE IMPRESION",
            "FECHA DE GENERACION",
            "FECHA DE CONSTANCIA",
            "FECHA DE LA CONSTANCIA",
            "FECHA DE ELABORACION",
            "EXPEDIDA EL",
            "EXPEDIDO EL",
            "EMITIDA EL",
            "FECHA",
        ),
    ),
    # The older generation's state word (VIGENTE, BAJA, …).
    Label(
        "estado",
        Role.FIELD,
        (
            "ESTADO DE VIGENCIA",
            "ESTADO DE LA VIGENCIA",
            "SITUACION ACTUAL",
            "ESTADO",
            "SITUACION",
            "ESTATUS",
        ),
    ),
    # The current generation's global «Vigencia»: a date, "---" or PENSIONADO
    # (older documents print a state word under the same label).
    Label(
        "vigencia",
        Role.FIELD,
        ("VIGENCIA", "VIGENTE HASTA", "VIGENCIA HASTA", "FECHA FIN DE VIGENCIA", "FIN DE VIGENCIA"),
    ),
    Label(
        "servicio",
        Role.FIELD,
        (
            "CON DERECHO A SERVICIO MEDICO",
            "CON DERECHO AL SERVICIO MEDICO",
            "DERECHO A SERVICIO MEDICO",
            "DERECHO A SERVICIOS MEDICOS",
            "SERVICIO MEDICO",
        ),
    ),
    Label(
        "clinica",
        Role.FIELD,
        ("UNIDAD DE MEDICINA FAMILIAR", "CLINICA ASIGNADA", "CLINICA", "U.M.F.", "UMF"),
    ),
    Label("registro", Role.FIELD, ("REGISTRO PATRONAL", "REG. PATRONAL", "NO. REGISTRO PATRONAL")),
    Label(
        "razon",
        Role.FIELD,
        ("NOMBRE O RAZON SOCIAL", "RAZON SOCIAL", "PATRON", "INSTITUCION", "EMPRESA"),
    ),
    Label("modalidad", Role.FIELD, ("MODALIDAD", "REGIMEN", "MOD.", "MOD")),
    Label(
        "seccion",
        Role.SECTION,
        (
            "HISTORIAL DE INSTITUCIONES QUE HICIERON LA AFILIACION",
            "HISTORIAL DE AFILIACION",
            "HISTORIAL DE AFILIACIONES",
            "AFILIACIONES",
            "PATRONES",
            "DATOS DEL PATRON",
            "DATOS DE AFILIACION",
        ),
    ),
    Label(
        "beneficiarios",
        Role.SECTION,
        (
            "BENEFICIARIOS",
            "BENEFICIARIO(S)",
            "DERECHOHABIENTES BENEFICIARIOS",
            "BENEFICIARIOS DERECHOHABIENTES",
            "DATOS DE LOS BENEFICIARIOS",
            "DATOS DE BENEFICIARIOS",
            "DATOS DEL BENEFICIARIO",
            "DEPENDIENTES ECONOMICOS",
            "DEPENDIENTE ECONOMICO",
            "DEPENDIENTES",
            "DEPENDIENTE",
            "DATOS DEL DEPENDIENTE",
            "FAMILIARES REGISTRADOS",
            "FAMILIARES DERECHOHABIENTES",
            "FAMILIARES",
            # a labelled kinship («Parentesco: HIJA») is another person's block; as a
            # column caption it marks the beneficiarios table (sections._people_captions)
            "PARENTESCO",
        ),
    ),
    # Headings of the insured's own block: they end a beneficiarios block above it.
    Label(
        "titular",
        Role.SECTION,
        (
            "DATOS DEL ASEGURADO",
            "DATOS DEL TITULAR",
            "DATOS DEL DERECHOHABIENTE",
            "DATOS PERSONALES",
        ),
    ),
    # The signature block: the cadena original repeats the person's data and is
    # read on its own (fields.read_cadena), never as the personal block.
    Label(
        "firma",
        Role.SECTION,
        (
            "CADENA ORIGINAL",
            "SELLO DIGITAL",
            "SELLO DIGITAL IMSS",
            "SECUENCIA NOTARIAL",
            "NUMERO DE SERIE",
            "NO. DE SERIE",
            "FOLIO",
        ),
    ),
    Label(
        "fin",
        Role.SECTION,
        ("ESTE DOCUMENTO", "LA PRESENTE CONSTANCIA", "NOTA", "AVISO DE PRIVACIDAD"),
    ),
    Label(
        "otro",
        Role.STOP,
        (
            "SEXO",
            "FECHA DE NACIMIENTO",
            "FECHA NACIMIENTO",
            "FECHA DE NAC.",
            "FECHA NAC.",
            "FECHA DE REGISTRO",
            "LUGAR DE NACIMIENTO",
            "ESTADO DE NACIMIENTO",
            "ESTADO CIVIL",
            "ENTIDAD DE NACIMIENTO",
            "DELEGACION",
            "SUBDELEGACION",
            "TURNO",
            "CONSULTORIO",
            "FECHA DE ALTA",
            "FECHA DE BAJA",
            "FECHA ALTA",
            "FECHA BAJA",
            "FECHA DE MOVIMIENTO",
            "TIPO DE MOVIMIENTO",
            "ULTIMO MOVIMIENTO",
            "FECHA DEL ULTIMO MOVIMIENTO",
            "FECHA DE ULTIMO MOVIMIENTO",
            "MOVIMIENTO",
            "DESCRIPCION",
            "DOMICILIO",
            "TIPO DE ASEGURAMIENTO",
        ),
    ),
)
# label name -> phrases: what the finder searches for
LABELS: dict[str, tuple[str, ...]] = {label.name: label.phrases for label in VOCABULARY}

# Coverage words, most specific first: the one list the global estado and the rows use.
SITUACIONES: tuple[tuple[str, Situacion], ...] = (
    ("NO VIGENTE", Situacion.BAJA),
    ("SIN VIGENCIA", Situacion.BAJA),
    ("INACTIVO", Situacion.BAJA),
    ("BAJA", Situacion.BAJA),
    ("CONSERVACION DE DERECHOS", Situacion.CONSERVACION),
    ("CONSERVACION", Situacion.CONSERVACION),
    ("PENSIONADO", Situacion.PENSIONADO),
    ("PENSIONADA", Situacion.PENSIONADO),
    ("BENEFICIARIO", Situacion.BENEFICIARIO),
    ("BENEFICIARIA", Situacion.BENEFICIARIO),
    ("VIGENTE", Situacion.VIGENTE),
    ("ACTIVO", Situacion.VIGENTE),
)
# A row's last movement, printed where older documents have no state column.
MOVIMIENTOS: tuple[tuple[str, Situacion], ...] = (
    ("REINGRESO", Situacion.VIGENTE),
    ("ALTA", Situacion.VIGENTE),
)

# What a beneficiarios row prints under «Parentesco»: a cell reading only one of these is
# another person's row, even where the table's captions did not repeat.
PARENTESCOS = frozenset(
    {"HIJO", "HIJA", "ESPOSO", "ESPOSA", "CONYUGE", "CONCUBINO", "CONCUBINA", "PADRE", "MADRE"}
    | {"ASCENDIENTE", "DESCENDIENTE"}
)

DASHES = "---"  # printed on purpose: no vigencia
MISSING = "-"  # printed for a value the document does not have: unknown, never "no"
# What a cell says when it has no value (a name, a clinic, a razón social).
EMPTY_VALUES = frozenset(
    {"", MISSING, "--", DASHES, "N/A", "NO APLICA", "SIN DATO", "SIN DATOS", "SIN REGISTROS"}
    | {"NINGUNO", "NINGUNA"}
)
