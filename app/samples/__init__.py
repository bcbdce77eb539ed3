"""Bundled sample constancias: `facultativo validate --ejemplos` works with nothing else.

They come from the golden fixtures (tests/golden), so they show real verdicts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from importlib import resources

from facultativo.validators import Policy, Request, Tipo

INTRO = (
    "Constancias de ejemplo (fecha de solicitud 16/11/2026, campus de ejemplo "
    "«INSTITUTO TECNOLÓGICO DE QUERÉTARO»):\n"
)


@dataclass(frozen=True)
class Sample:
    path: str
    data: bytes
    request: Request
    policy: Policy


def load() -> list[Sample]:
    folder = resources.files(__package__)
    index = json.loads((folder / "samples.json").read_text(encoding="utf-8"))
    policy = Policy(
        institutions=tuple(index["policy"]["institutions"]),
        registros_patronales=tuple(index["policy"]["registros_patronales"]),
    )
    found = []
    for item in index["samples"]:
        r = item["request"]
        request = Request(
            Tipo(r["tipo"]),
            date.fromisoformat(r["fecha_solicitud"]),
            r["nss"],
            r["curp"],
            r["nombre"],
        )
        found.append(Sample(item["file"], (folder / item["file"]).read_bytes(), request, policy))
    return found
