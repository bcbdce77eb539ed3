"""Load golden pairs (case.pdf + case.json) as validator inputs."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from facultativo.validators import Policy, Request, Tipo
from facultativo.validators.model import Reimpresion

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


def pairs() -> list[Path]:
    return sorted(GOLDEN.glob("*/*.pdf"))


def load(pdf: Path) -> dict[str, Any]:
    return json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))


def request_of(data: dict[str, Any]) -> Request:
    fecha = data.get("fecha_solicitud")
    moment = (
        (datetime.fromisoformat(fecha) if "T" in fecha else date.fromisoformat(fecha))
        if fecha
        else None
    )
    return Request(
        tipo=Tipo(data.get("tipo", "alta")),
        fecha_solicitud=moment,
        nss=data.get("nss"),
        curp=data.get("curp"),
        nombre=data.get("nombre"),
    )


def policy_of(data: dict[str, Any]) -> Policy:
    return Policy(
        institutions=tuple(data.get("institutions", ())),
        registros_patronales=tuple(data.get("registros_patronales", ())),
        tolerance_days=int(data.get("tolerance_days", 0)),
        timezone=data.get("timezone", "America/Mexico_City"),
        reimpresion=Reimpresion(data.get("reimpresion", Reimpresion.REVISION.value)),
    )
