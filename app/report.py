"""Human-readable rendering of verdicts for the terminal."""

from __future__ import annotations

from .validators import Verdict


def verdict_table(path: str, verdict: Verdict) -> str:
    lines = [path, f"  Estado:    {verdict.estado.etiqueta}"]
    for i, motivo in enumerate(verdict.motivos):
        head = "  Motivos:   " if i == 0 else "             "
        lines.append(f"{head}{motivo.value}: {motivo.texto_personal}")
    if verdict.detalle != verdict.motivo.texto_personal:
        lines.append(f"  Detalle:   {verdict.detalle}")
    c = verdict.constancia
    if c is not None:
        fecha = f"{c.fecha_expedicion:%d/%m/%Y}" if c.fecha_expedicion else "—"
        estado = c.estado.value if c.estado else (c.estado_texto or "—")
        lines += [
            f"  NSS:       {c.nss or '—'}",
            f"  CURP:      {c.curp or '—'}",
            f"  Nombre:    {c.nombre or '—'}",
            f"  Expedida:  {fecha}",
            f"  Vigencia:  {estado}",
        ]
        if c.afiliaciones:
            lines.append("  Afiliaciones:")
            for a in c.afiliaciones:
                situ = a.estado.value if a.estado else "—"
                lines.append(
                    f"    {a.registro_patronal or '—':<12} mod {a.modalidad or '—':<3} "
                    f"{situ:<8} {a.razon_social}"
                )
    return "\n".join(lines) + "\n"
