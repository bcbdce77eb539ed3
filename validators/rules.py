"""Step two of validation: record + request + policy → verdict (docs/CONSTANCIA.md §6).

Checks run in the contract's order: file → document kind → identity → date →
coverage. A rejection stops the chain; every other finding accumulates. The
estado is the strongest finding's (RECHAZADA > REVISION_MANUAL > the coverage
outcome) and the first motivo is the one that decided it; an informative finding
(a re-print the campus accepts) never decides and is listed last.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from facultativo.validators.coverage import coverage, current_rows
from facultativo.validators.estados import Estado
from facultativo.validators.identifiers import clean_curp, clean_nss, nss_is_valid
from facultativo.validators.integrity import es_reimpresion
from facultativo.validators.model import (
    Afiliacion,
    Extraction,
    Policy,
    Problem,
    Reading,
    Reimpresion,
    Request,
    Tipo,
    Verdict,
)
from facultativo.validators.motivos import Motivo
from facultativo.validators.text import contains_phrase, day_text, same_words, words

MOD_32 = "32"  # seguro facultativo: schools, and a few programmes that are not schools
# In a razón social only these names say "not a school" («ESCUELA DE ENFERMERÍA DEL IMSS»
# is a school); the modalidad-32 description is more explicit («SEGURO FACULTATIVO IMSS / CFE»).
_NO_ESCUELA = (("JOVENES", "CONSTRUYENDO"), ("COMISION", "FEDERAL", "ELECTRICIDAD"))
_NO_ESCUELA_DESCRIPCION = (*_NO_ESCUELA, ("CFE",), ("IMSS",))


@dataclass(frozen=True)
class Finding:
    motivo: Motivo
    detalle: str = ""
    datos: dict[str, str] = field(default_factory=dict)


def decide(extraction: Extraction | None, request: Request, policy: Policy) -> Verdict:
    """The verdict for one request given what was read from its file."""
    if extraction is None:
        return _verdict([Finding(Motivo.SIN_ADJUNTO)], None)
    if isinstance(extraction, Problem):
        return _verdict([Finding(extraction.motivo, extraction.detalle, extraction.datos)], None)
    findings: list[Finding] = []
    for check in (_integrity, _identity, _date, _coverage):
        findings += check(extraction, request, policy)
        if any(f.motivo.estado is Estado.RECHAZADA for f in findings):
            break
    return _verdict(findings, extraction)


def _verdict(findings: list[Finding], reading: Reading | None) -> Verdict:
    notes = [f for f in findings if f.motivo.informativo]
    deciding = [f for f in findings if f not in notes] or notes
    estados = [f.motivo.estado for f in deciding]
    if Estado.RECHAZADA in estados:
        estado = Estado.RECHAZADA
    elif Estado.REVISION_MANUAL in estados:
        estado = Estado.REVISION_MANUAL
    else:
        estado = estados[-1]
    main = next(f for f in deciding if f.motivo.estado is estado)
    ordered = [main] + [f for f in deciding if f is not main]
    ordered += [f for f in notes if f not in ordered]
    motivos = tuple(dict.fromkeys(f.motivo for f in ordered))
    datos = {k: v for f in reversed(ordered) for k, v in f.datos.items()}
    return Verdict(
        estado=estado,
        motivos=motivos,
        detalle=main.detalle or main.motivo.texto_personal,
        constancia=reading.constancia if reading else None,
        datos=datos,
    )


def _integrity(reading: Reading, request: Request, policy: Policy) -> list[Finding]:
    """Signs of editing send the file to staff. A re-print alone (the page drawn again
    through a browser, a phone or a PDF printer) does too, unless the campus accepts
    re-prints: then the content decides and the re-print is only noted."""
    senales = reading.senales
    if not senales:
        return []
    if policy.reimpresion == Reimpresion.ACEPTAR and all(es_reimpresion(s) for s in senales):
        nota = "; ".join(senales)
        return [Finding(Motivo.CONSTANCIA_REIMPRESA, nota[:1].upper() + nota[1:] + ".")]
    return [Finding(Motivo.CONSTANCIA_SOSPECHOSA, "Posible edición: " + "; ".join(senales))]


def _identity(reading: Reading, request: Request, policy: Policy) -> list[Finding]:
    c = reading.constancia
    found: list[Finding] = []
    form_nss = clean_nss(request.nss or "")
    if request.nss is not None and not nss_is_valid(form_nss):
        return [Finding(Motivo.NSS_INVALIDO, f"NSS escrito: «{(request.nss or '')[:20]}».")]
    if c.nss is None:
        found.append(Finding(Motivo.DATOS_ILEGIBLES, "No se pudo leer el NSS de la constancia."))
    elif form_nss and form_nss != c.nss and not nss_is_valid(c.nss):
        # an NSS that fails its own check digit was misread (a font without its map, a
        # smudge): it cannot prove the file is someone else's
        detalle = "El NSS leído de la constancia no tiene un dígito verificador válido."
        found.append(Finding(Motivo.DATOS_ILEGIBLES, detalle))
    elif form_nss and form_nss != c.nss:
        return [Finding(Motivo.NSS_NO_COINCIDE, "El NSS de la constancia es otro.")]
    form_curp = clean_curp(request.curp or "")
    if form_curp and c.curp and form_curp != c.curp:
        return [*found, Finding(Motivo.CURP_NO_COINCIDE, "La CURP de la constancia es otra.")]
    if request.nombre and c.nombre and not same_words(request.nombre, c.nombre):
        detalle = f"Formulario: «{request.nombre.strip()[:80]}»; constancia: «{c.nombre}»."
        found.append(Finding(Motivo.NOMBRE_NO_COINCIDE, detalle))
    return found


def _date(reading: Reading, request: Request, policy: Policy) -> list[Finding]:
    expedida = reading.constancia.fecha_expedicion
    if expedida is None:
        return [Finding(Motivo.DATOS_ILEGIBLES, "No se pudo leer la fecha de la constancia.")]
    if request.fecha_solicitud is None:
        return []
    solicitada = policy.local_date(request.fecha_solicitud)
    if abs((expedida - solicitada).days) > policy.tolerance_days:
        detalle = f"Constancia del {day_text(expedida)}; solicitud del {day_text(solicitada)}."
        datos = {
            "fecha_constancia": expedida.isoformat(),
            "fecha_solicitud": solicitada.isoformat(),
        }
        return [Finding(Motivo.FECHA_NO_COINCIDE, detalle, datos)]
    return []


def _coverage(reading: Reading, request: Request, policy: Policy) -> list[Finding]:
    """Coverage first (tri-state), then who the listed patrones are (docs/CONSTANCIA.md)."""
    c = reading.constancia
    cov = coverage(c)
    if cov.special:
        return [Finding(Motivo.SITUACION_NO_PREVISTA, f"La constancia dice {cov.special.shown}.")]
    if cov.contradictory:
        detalle = f"Señales de vigencia que se contradicen: {cov.cita()}."
        return [Finding(Motivo.SITUACION_NO_PREVISTA, detalle)]
    if cov.covered is None:
        detalle = "No se pudo leer si tiene vigencia (servicio médico, vigencia ni estado)."
        return [Finding(Motivo.DATOS_ILEGIBLES, _with_rows(detalle, c.afiliaciones))]
    if request.tipo is Tipo.DESCONOCIDO:  # the constancia is fine; alta or baja is staff's call
        return [Finding(Motivo.TIPO_NO_RECONOCIDO, _with_rows(f"{cov.cita()}.", c.afiliaciones))]
    if not cov.covered:
        motivo = Motivo.NO_INSCRITO if request.tipo is Tipo.BAJA else Motivo.SIN_VIGENCIA
        return [Finding(motivo, _with_rows(f"{cov.cita()}.", c.afiliaciones[-1:], "último patrón"))]
    current, unsure = current_rows(c)
    doubtful = [a for a in unsure if is_own(a, policy) or a.modalidad in (MOD_32, None)]
    if doubtful:
        detalle = f"{cov.cita()}; sin estado legible para el patrón {_name(doubtful[0])}."
        return [Finding(Motivo.SITUACION_NO_PREVISTA, detalle)]
    if request.tipo is Tipo.BAJA:
        return [_baja(current, cov.cita(), policy)]
    return [_alta(current, cov.cita(), policy)]


def _alta(current: list[Afiliacion], cita: str, policy: Policy) -> Finding:
    propias = [a for a in current if is_own(a, policy)]
    if propias:
        return _with(Motivo.YA_INSCRITO, propias[0], cita, "institucion")
    escuelas = [a for a in current if a.modalidad == MOD_32 and not _no_escuela(a)]
    if escuelas:
        return _with(Motivo.VIGENTE_OTRA_INSTITUCION, escuelas[0], cita, "institucion")
    dudosos = [a for a in current if a.modalidad in (MOD_32, None)]
    if dudosos:
        return _with(Motivo.SITUACION_NO_PREVISTA, dudosos[0], cita, "patron")
    if current:
        return _with(Motivo.VIGENTE_CON_PATRON, current[0], cita, "patron")
    return Finding(Motivo.SITUACION_NO_PREVISTA, f"{cita}; vigente sin un patrón en la lista.")


def _baja(current: list[Afiliacion], cita: str, policy: Policy) -> Finding:
    propias = [a for a in current if is_own(a, policy)]
    if propias:
        return _with(Motivo.BAJA_PROCEDENTE, propias[0], cita, "institucion")
    if not current:
        return Finding(Motivo.SITUACION_NO_PREVISTA, f"{cita}; vigente sin un patrón en la lista.")
    # Modalidad 32 outside a school, or no modalidad: which facultativo it is needs a person.
    dudosos = [a for a in current if a.modalidad is None or _no_escuela(a)]
    if dudosos:
        return _with(Motivo.SITUACION_NO_PREVISTA, dudosos[0], cita, "patron")
    return _with(Motivo.NO_INSCRITO, current[0], cita, "patron")


def _with(motivo: Motivo, a: Afiliacion, cita: str, key: str) -> Finding:
    """A finding about one patrón: the detail cites the coverage and names who it is."""
    name = _name(a)
    return Finding(motivo, f"{cita}; patrón: {name}{_mod(a)}.", {key: name})


def _with_rows(detalle: str, rows: tuple[Afiliacion, ...], que: str = "patrón") -> str:
    if not rows:
        return detalle
    return f"{detalle.rstrip('.')}; {que}: {_name(rows[0])}{_mod(rows[0])}."


def _name(a: Afiliacion) -> str:
    return a.razon_social or a.registro_patronal or "sin nombre"


def _mod(a: Afiliacion) -> str:
    return f" (mod. {a.modalidad})" if a.modalidad else ""


def is_own(a: Afiliacion, policy: Policy) -> bool:
    """This school: one of its registros patronales, or its name under modalidad 32."""
    if a.registro_patronal and any(
        _same_registro(a.registro_patronal, rp) for rp in policy.registros_patronales
    ):
        return True
    if a.modalidad not in (MOD_32, None):
        return False
    return any(contains_phrase(a.razon_social, name) for name in policy.institutions)


def _same_registro(read: str, configured: str) -> bool:
    conf = "".join(words(configured))
    return len(conf) >= 10 and (read == conf or read[:10] == conf[:10])


def _no_escuela(a: Afiliacion) -> bool:
    """Modalidad 32 that is not a school's: Jóvenes Construyendo el Futuro, IMSS / CFE."""
    name, desc = set(words(a.razon_social)), set(words(a.descripcion or ""))
    return any(all(w in name for w in m) for m in _NO_ESCUELA) or any(
        all(w in desc for w in m) for m in _NO_ESCUELA_DESCRIPCION
    )


_RANK = {
    Estado.ACEPTADA: 0,
    Estado.CONCLUIDA: 0,
    Estado.REVISION_MANUAL: 1,
    Estado.RECHAZADA: 2,
}


def decide_files(extractions: list[Extraction], request: Request, policy: Policy) -> Verdict:
    """One verdict for a response with several attachments.

    Students attach the NSS card next to the constancia, or two constancias:
    the verdict is the best one among the files that are constancias, and the
    first file's problem when none is.
    """
    if not extractions:
        return decide(None, request, policy)
    readings = [e for e in extractions if isinstance(e, Reading)]
    candidates = [decide(e, request, policy) for e in (readings or extractions[:1])]
    return min(candidates, key=lambda v: _RANK.get(v.estado, 3))
