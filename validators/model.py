"""Typed records that cross the validators' stages.

Each stage returns one of these instead of raising or setting flags, so the
stages can be tested and reused one by one (and moved to another process).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from facultativo.validators.estados import Estado
from facultativo.validators.motivos import Motivo
from facultativo.validators.text import day_text

DEFAULT_TIMEZONE = "America/Mexico_City"


class Tipo(StrEnum):
    ALTA = "alta"
    BAJA = "baja"
    # The form's answer says neither (or both): the constancia is still checked, and what
    # to do with it is for staff; never a silent alta.
    DESCONOCIDO = "desconocido"


class Situacion(StrEnum):
    """The coverage state printed on a constancia, folded to what the rules need."""

    VIGENTE = "VIGENTE"
    BAJA = "BAJA"
    CONSERVACION = "CONSERVACION DE DERECHOS"
    PENSIONADO = "PENSIONADO"
    BENEFICIARIO = "BENEFICIARIO"

    @property
    def especial(self) -> bool:
        """Covered in a way the rules do not decide (docs/CONSTANCIA.md §6): staff look."""
        return self in (Situacion.CONSERVACION, Situacion.PENSIONADO, Situacion.BENEFICIARIO)


@dataclass(frozen=True)
class Evidence:
    """Where a field was read: the page (1-based) and the printed text of its line(s).

    Staff settle a REVISIÓN MANUAL faster when the verdict quotes the document.
    """

    page: int
    text: str

    def as_json(self) -> dict[str, Any]:
        return {"pagina": self.page, "texto": self.text}


class VigenciaTipo(StrEnum):
    FECHA = "FECHA"  # covered up to (at least) that day
    NINGUNA = "NINGUNA"  # "---": no current coverage
    PENSIONADO = "PENSIONADO"


@dataclass(frozen=True)
class Vigencia:
    """The current generation's global «Vigencia» (docs/CONSTANCIA.md)."""

    tipo: VigenciaTipo
    fecha: date | None = None

    def as_json(self) -> str:
        return self.fecha.isoformat() if self.fecha else self.tipo.value

    def __str__(self) -> str:
        return day_text(self.fecha) if self.fecha else self.tipo.value


@dataclass(frozen=True)
class Cadena:
    """Identity as the cadena original repeats it: a cross-check, never a source."""

    nss: str | None = None
    curp: str | None = None
    nombre: str | None = None


@dataclass(frozen=True)
class Afiliacion:
    registro_patronal: str | None
    razon_social: str
    modalidad: str | None
    estado: Situacion | None  # only where the row prints one
    descripcion: str | None = None  # printed for modalidad 32 (which kind of facultativo)
    evidencia: Evidence | None = None
    # Dates printed on the row (alta, baja, movimiento): a history table has them,
    # the current generation's list of active patrones does not.
    fechas: tuple[date, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "registro_patronal": self.registro_patronal,
            "razon_social": self.razon_social,
            "modalidad": self.modalidad,
            "estado": self.estado.value if self.estado else None,
        }


@dataclass(frozen=True)
class Constancia:
    """What was read from a constancia; None means the field was not found (unknown).

    Coverage is global on the current generation (servicio_medico, vigencia) and a
    state word on the older one (estado); a row's own state only where printed.
    """

    titulo: str
    nss: str | None = None
    curp: str | None = None
    nombre: str | None = None
    fecha_expedicion: date | None = None
    estado: Situacion | None = None
    estado_texto: str | None = None
    servicio_medico: bool | None = None
    vigencia: Vigencia | None = None
    clinica: str | None = None
    afiliaciones: tuple[Afiliacion, ...] = ()
    tabla_con_estados: bool = False  # the patrones table prints a state per row
    cadena: Cadena | None = None
    evidencia: dict[str, Evidence] = field(default_factory=dict, compare=False)

    def as_json(self) -> dict[str, Any]:
        servicio = (
            None if self.servicio_medico is None else ("SI" if self.servicio_medico else "NO")
        )
        return {
            "nss": self.nss,
            "curp": self.curp,
            "nombre": self.nombre,
            "fecha_expedicion": self.fecha_expedicion.isoformat()
            if self.fecha_expedicion
            else None,
            "estado": self.estado.value if self.estado else self.estado_texto,
            "servicio_medico": servicio,
            "vigencia": self.vigencia.as_json() if self.vigencia else None,
            "afiliaciones": [a.as_json() for a in self.afiliaciones],
        }

    def evidence_json(self) -> dict[str, Any]:
        """The text each decisive field was read from (validate --json «evidencia»)."""
        out: dict[str, Any] = {name: ev.as_json() for name, ev in self.evidencia.items()}
        rows = [a.evidencia.as_json() for a in self.afiliaciones if a.evidencia]
        if rows:
            out["afiliaciones"] = rows
        return out


@dataclass(frozen=True)
class Request:
    """One student's request as typed in the form (None when the form does not ask)."""

    tipo: Tipo = Tipo.ALTA
    fecha_solicitud: date | datetime | None = None
    nss: str | None = None
    curp: str | None = None
    nombre: str | None = None


class Reimpresion(StrEnum):
    """[campus.policy] reimpresion: what a re-printed constancia gets (docs/CONSTANCIA.md §8)."""

    REVISION = "revision"  # REVISIÓN MANUAL, CONSTANCIA_SOSPECHOSA, like an edited one
    ACEPTAR = "aceptar"  # the content decides; CONSTANCIA_REIMPRESA is only noted


@dataclass(frozen=True)
class Policy:
    """The campus rules the verdict depends on."""

    institutions: tuple[str, ...] = ()
    registros_patronales: tuple[str, ...] = ()
    tolerance_days: int = 0
    timezone: str = DEFAULT_TIMEZONE
    reimpresion: Reimpresion = Reimpresion.REVISION

    def local_date(self, moment: date | datetime) -> date:
        """The calendar day of a request in the campus time zone."""
        if isinstance(moment, datetime):
            if moment.tzinfo is not None:
                moment = moment.astimezone(ZoneInfo(self.timezone))
            return moment.date()
        return moment


@dataclass(frozen=True)
class Limits:
    """Guards against hostile files; configurable per deployment."""

    max_bytes: int = 10 * 1024 * 1024
    max_pages: int = 5
    timeout_seconds: float = 10.0
    memory_mb: int = 1024


@dataclass(frozen=True)
class Problem:
    """A file that stops at the file or document stage, with what it looks like."""

    motivo: Motivo
    detalle: str
    datos: dict[str, str] = field(default_factory=dict)  # for the student's email


@dataclass(frozen=True)
class Reading:
    """A constancia that was read, with any signs that it was edited."""

    constancia: Constancia
    senales: tuple[str, ...] = ()


Extraction = Problem | Reading


@dataclass(frozen=True)
class Verdict:
    estado: Estado
    motivos: tuple[Motivo, ...]
    detalle: str
    constancia: Constancia | None = None
    datos: dict[str, str] = field(default_factory=dict)

    @property
    def motivo(self) -> Motivo:
        return self.motivos[0]

    def as_json(self, evidence: bool = False) -> dict[str, Any]:
        """The `validate --json` object; with `evidence`, the constancia says where
        each decisive field was read («evidencia»: página and texto)."""
        constancia = self.constancia.as_json() if self.constancia else None
        if constancia is not None and evidence:
            constancia["evidencia"] = self.constancia.evidence_json()  # type: ignore[union-attr]
        return {
            "estado": self.estado.value,
            "motivos": [m.value for m in self.motivos],
            "constancia": constancia,
        }
