"""`facultativo status`: last cycle, totals, backlog and next run per campus, read from the
ledger, never from the running service (for people, or `--json` for monitors).

The last cycle's figures and the totals since the first cycle are told apart: right after
a cycle that found nothing new, «0 procesadas, enviados 2» is that cycle's, while the
totals say how many responses and emails there have been."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from facultativo.commands import campuses
from facultativo.config import Campus, Config, load
from facultativo.sync.block import PREFIX
from facultativo.sync.ledger import Ledger
from facultativo.sync.lock import CampusBusy, LockUnavailable, campus_lock
from facultativo.sync.wording import (
    ago_text,
    emails_text,
    emails_total_text,
    estados_text,
    standing_estados,
)
from facultativo.validators.text import clip


def run(args: argparse.Namespace) -> int:
    config = load(args.config)
    states = [campus_status(config, c) for c in campuses(config, args.campus)]
    print(json.dumps(states, ensure_ascii=False, indent=2) if args.json else render(states))
    return 0


def campus_status(config: Config, campus: Campus, now: datetime | None = None) -> dict[str, Any]:
    """The campus as the ledger tells it. `runner`: "service" when `run` is recorded,
    "cron" when cycles ran with no service ever recorded (cron or `sync --once`)."""
    running = _running(config, campus)
    now = now or datetime.now(UTC)
    if not config.ledger.exists():
        return {
            "campus": campus.name,
            "timezone": campus.policy.timezone,
            "block": campus.prefijo,
            "running": running,
            "last_cycle": None,
            "totals": None,
            "backlog_error_temporal": 0,
            "next_run_at": None,
            "last_change_at": None,
        }
    ledger = Ledger.snapshot(config.ledger)
    try:
        last = ledger.last_cycle(campus.name)
        service = ledger.service_state(campus.name) or {}
        failed = bool(last and last["summary"].get("error"))
        started = datetime.fromisoformat(last["started_at"]) if last else None
        return {
            "campus": campus.name,
            "timezone": campus.policy.timezone,
            "block": campus.prefijo,  # the status block's name, as the lines say it
            "running": running,
            "runner": "service" if service else ("cron" if last else None),
            "pid": service.get("pid") if running else None,
            "last_cycle": last,
            "last_cycle_failed": failed,
            "last_cycle_minutes_ago": (
                round((now - started).total_seconds() / 60, 1) if started else None
            ),
            "last_good_cycle": ledger.last_good_cycle(campus.name) if failed else None,
            "totals": _totals(ledger, campus.name) if last else None,
            "backlog_error_temporal": ledger.backlog(campus.name),
            "emails_waiting": _waiting(ledger.waiting(campus.name)),
            "next_run_at": service.get("next_run_at") if running else None,
            "last_change_at": service.get("last_change_at"),
        }
    finally:
        ledger.close()


def _totals(ledger: Ledger, campus: str) -> dict[str, Any]:
    """Everything since the first cycle, from the ledger: responses (per estado as they
    stand) and emails (per outcome; `sent` is every message that went out)."""
    estados = standing_estados(ledger.standing(campus))
    return {
        "since": ledger.first_cycle(campus),
        "responses": sum(estados.values()),
        "estados": dict(estados),
        "emails": ledger.notice_totals(campus),
    }


def _waiting(found: list[tuple[str, Any]]) -> dict[str, Any]:
    """Emails waiting for their next try: how many, why (the server's answers, most
    frequent first) and when the soonest goes."""
    reasons = Counter(detail for detail, _ in found)
    soonest = next((when for _, when in found if when is not None), None)
    return {
        "count": len(found),
        "reasons": [{"detail": d, "count": n} for d, n in reasons.most_common(3)],
        "next_try_at": soonest.isoformat() if soonest else None,
    }


def _running(config: Config, campus: Campus) -> bool:
    try:
        with campus_lock(config.ledger, campus.name):
            return False
    except CampusBusy:
        return True
    except LockUnavailable:  # no lock can exist there, so no service holds one
        return False


def render(states: list[dict[str, Any]]) -> str:
    lines = []
    for s in states:
        lines.append(f"Campus {s['campus']}: {_runner(s)}")
        last = s["last_cycle"]
        if last is None:
            lines.append("  Sin ciclos registrados.")
        else:
            lines += _last_cycle(last, s.get("timezone"), s.get("block") or PREFIX)
        if s.get("last_cycle_failed"):
            good = s.get("last_good_cycle")
            lines.append(
                f"  Último ciclo correcto: {_local(good['started_at'], s.get('timezone'))}"
                if good
                else "  Ningún ciclo ha terminado bien todavía."
            )
        totals = s.get("totals")
        if totals:
            since = _local(totals["since"], s.get("timezone")) if totals["since"] else "—"
            lines.append(
                f"  En total (desde {since}): {totals['responses']} respuestas "
                f"({estados_text(totals['estados'])}); "
                f"correos {emails_total_text(totals['emails'])}"
            )
        lines.append(f"  En ERROR TEMPORAL esperando reintento: {s['backlog_error_temporal']}")
        waiting = s.get("emails_waiting") or {}
        if waiting.get("count"):
            why = "; ".join(
                f"«{clip(r['detail'], 160)}» ({r['count']})" for r in waiting["reasons"]
            )
            when = (
                _local(waiting["next_try_at"], s.get("timezone")) if waiting["next_try_at"] else "—"
            )
            lines.append(
                f"  Correos en espera de reintento: {waiting['count']}, siguiente intento {when}; "
                f"motivo: {why}. Si ya se arregló: facultativo sync --once "
                "--reintentar"
            )
        if s.get("last_change_at"):
            changed = _local(s["last_change_at"], s.get("timezone"))
            lines.append(f"  Último cambio visto en la hoja: {changed}")
        if s.get("next_run_at"):
            lines.append(f"  Siguiente ciclo: {_local(s['next_run_at'], s.get('timezone'))}")
    return "\n".join(lines)


def _runner(s: dict[str, Any]) -> str:
    """Who runs the cycles: the service (running or stopped), or cron and `sync --once`."""
    if s["running"]:
        return "servicio en marcha" + (f" (pid {s['pid']})" if s.get("pid") else "")
    if s.get("runner") == "cron":
        ago = s.get("last_cycle_minutes_ago")
        text = "sin servicio: los ciclos los corre cron o `sync --once`"
        if ago is not None:
            text += f"; el último empezó {ago_text(ago)}"
            if ago > 24 * 60:
                text += " (si debería correr solo, revisa /etc/cron.d/facultativo)"
        return text
    return "servicio detenido"


def _last_cycle(last: dict[str, Any], tz: str | None, block: str = PREFIX) -> list[str]:
    """The last cycle's figures, each under its heading: that cycle's, not the totals. A
    failed cycle says so with its error; its figures only if it got as far as the sheet."""
    summary = last["summary"]
    heading = f"  Último ciclo ({_local(last['started_at'], tz)}, {last['seconds']:.1f} s)"
    figures = (
        f"{summary.get('rows', 0)} filas en la hoja, {summary.get('processed', 0)} procesadas "
        "en ese ciclo"
    )
    if summary.get("error"):
        lines = [f"{heading}: falló: {summary['error']}"]
        if not summary.get("rows"):  # it never read the sheet: no figures to show
            return lines
        lines.append(f"    Antes de fallar: {figures}")
    else:
        lines = [f"{heading}: {figures}"]
    lines += [
        f"    Filas por estado: {estados_text(summary.get('estados', {}))}",
        f"    Correos de ese ciclo: {emails_text(summary.get('emails', {}))}",
    ]
    if summary.get("restored"):
        lines.append(
            f"    Bloque «{block}» restaurado desde la bitácora: {summary['restored']} "
            "filas (desapareció o se vació en la hoja; no se enviaron correos otra vez)"
        )
    if summary.get("waiting"):
        lines.append(
            f"    Decisiones del personal en espera: {summary['waiting']} (el correo sale "
            "cuando pase la espera de [campus.mail] espera_decision_minutos)"
        )
    for line in summary.get("edited", []):
        lines.append(f"    Atención, {line}")
    if summary.get("unread"):
        lines.append(
            "    Estados que facultativo no reconoce (no se envía nada por ellos): "
            + "; ".join(summary["unread"])
        )
    if summary.get("vanished"):
        lines.append(
            f"    Filas que ya no estaban al escribir: {summary['vanished']} "
            "(se escriben en el siguiente ciclo)"
        )
    return lines


def _local(iso: str, tz: str | None) -> str:
    """A ledger timestamp as the office reads it: campus time, to the minute."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(iso)
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") if tz else iso
