"""Is the person covered today? Tri-state, on the evidence the constancia prints.

The current generation says it globally (servicio médico SI/NO, a «Vigencia»
date or "---"); the older one with a state word, and sometimes per row. A
listed patrón proves nothing by itself: with coverage the table lists the
active patrones, without it the last one (docs/CONSTANCIA.md). Signals that
cannot be read are unknown, never "no"; signals that disagree are a question
for staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from facultativo.validators.model import Afiliacion, Constancia, Situacion, VigenciaTipo


@dataclass(frozen=True)
class Signal:
    """One printed fact about coverage: True covered, False not, None a special situation."""

    name: str
    shown: str
    covered: bool | None

    def __str__(self) -> str:
        return f"{self.name}: {self.shown}"


@dataclass(frozen=True)
class Coverage:
    signals: tuple[Signal, ...]

    @property
    def special(self) -> Signal | None:
        """Pensionado, conservación de derechos, beneficiario: not for the rules to decide."""
        return next((s for s in self.signals if s.covered is None), None)

    @property
    def contradictory(self) -> bool:
        return {s.covered for s in self.signals} >= {True, False}

    @property
    def covered(self) -> bool | None:
        """True or False when every readable signal agrees; None when none was readable."""
        known = {s.covered for s in self.signals if s.covered is not None}
        return known.pop() if len(known) == 1 else None

    def cita(self) -> str:
        """The signals as one line for the sheet: «Servicio médico: SI; vigencia: …»."""
        return "; ".join(str(s) for s in self.signals)


def coverage(c: Constancia) -> Coverage:
    signals: list[Signal] = []
    if c.servicio_medico is not None:
        signals.append(
            Signal("Servicio médico", "SI" if c.servicio_medico else "NO", c.servicio_medico)
        )
    if c.vigencia is not None:
        signals += _vigencia(c)
    if c.estado is not None:
        shown = c.estado_texto or c.estado.value
        if c.estado.especial:
            signals.append(Signal("Estado", shown, None))
        else:
            signals.append(Signal("Estado", shown, c.estado is Situacion.VIGENTE))
    signals += _rows(c.afiliaciones)
    return Coverage(tuple(signals))


def _vigencia(c: Constancia) -> list[Signal]:
    v = c.vigencia
    assert v is not None
    if v.tipo is VigenciaTipo.PENSIONADO:
        return [Signal("Vigencia", "PENSIONADO", None)]
    if v.tipo is VigenciaTipo.NINGUNA:
        return [Signal("Vigencia", "---", False)]
    if v.fecha is None or c.fecha_expedicion is None:
        return []  # a date with nothing to compare it to says nothing
    return [Signal("Vigencia", str(v), v.fecha >= c.fecha_expedicion)]


def _rows(rows: tuple[Afiliacion, ...]) -> list[Signal]:
    """Per-row states, only where the document prints them."""
    vigentes = [a for a in rows if a.estado is Situacion.VIGENTE]
    if vigentes:
        return [Signal("Estado del patrón", "VIGENTE", True)]
    # «All in BAJA» only when every row printed its state: a row that could not
    # be read might be the active one.
    if rows and all(a.estado is Situacion.BAJA for a in rows):
        return [Signal("Estado de los patrones", "BAJA", False)]
    return []


def current_rows(c: Constancia) -> tuple[list[Afiliacion], list[Afiliacion]]:
    """(rows that are current, rows whose currency is unknown) for a covered person.

    Without printed row states every listed row is current (the current
    generation lists the active patrones), unless the list looks like the older
    generation's history: rows with dates, or several rows under a state word.
    With printed states, a VIGENTE row is current and a row without one unknown.
    """
    rows = list(c.afiliaciones)
    if not (c.tabla_con_estados or any(a.estado for a in rows)):
        history = c.estado is not None and len(rows) > 1
        unknown = [a for a in rows if history or a.fechas]
        return [a for a in rows if a not in unknown], unknown
    current = [a for a in rows if a.estado is Situacion.VIGENTE]
    return current, [a for a in rows if a.estado is None]
