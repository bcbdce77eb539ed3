"""Human-readable rendering of verdicts for the terminal."""

from __future__ import annotations

from .validators import Constancia, Verdict

_EVIDENCE_LABELS = (
    ("nss", "NSS"),
    ("curp", "CURP"),
    ("nombre", "Nombre"),
    ("fecha_expedicion", "Expedida"),
    ("servicio_medico", "Serv. médico"),
    ("vigencia", "Vigencia"),
    ("estado", "Estado"),
)


def verdict_table(path: str, verdict: Verdict) -> str:
    lines = [path, f"  Estado:    {verdict.estado.etiqueta}"]
    for i, motivo in enumerate(verdict.motivos):
        head = "  Motivos:   " if i == 0 else "             "
        lines.append(f"{head}{motivo.value}: {motivo.texto_personal}")
    if verdict.detalle != verdict.motivo.texto_personal:
        lines.append(f"  Detalle:   {verdict.detalle}")
    if verdict.constancia is not None:
        lines += _constancia(verdict.constancia)
    return "\n".join(lines) + "\n"


def _constancia(c: Constancia) -> list[str]:
    """Each field read, and the text it was read from (staff check the verdict by it)."""
    shown = c.as_json()
    lines = ["  Leído de la constancia (página: texto de donde se leyó):"]
    for key, label in _EVIDENCE_LABELS:
        value = shown[key] if shown[key] is not None else "— (no se pudo leer)"
        ev = c.evidencia.get(key)
        source = f"   ← p. {ev.page}: «{ev.text}»" if ev else ""
        lines.append(f"    {label + ':':<14}{value}{source}")
    if not c.afiliaciones:
        lines.append("    Patrones:     ninguno en la lista")
    for a in c.afiliaciones:
        situ = a.estado.value if a.estado else "sin estado impreso"
        lines.append(
            f"    Patrón:       {a.registro_patronal or '—'} mod {a.modalidad or '—'} "
            f"({situ}) {a.razon_social}"
        )
        if a.evidencia:
            lines.append(f"                  ← p. {a.evidencia.page}: «{a.evidencia.text}»")
    return lines
