"""The status block's headers and labels as tests read them."""

from __future__ import annotations

from tests.support.workspace import Workspace, code

ESTADO, MOTIVO = "Validación: estado", "Validación: motivo"
NOTIFICADA = "Validación: notificada el"
LABEL = {"REVISION_MANUAL": "REVISIÓN MANUAL", "ERROR_TEMPORAL": "ERROR TEMPORAL"}


def main_motivos(ws: Workspace) -> list[tuple[str, str]]:
    return [(e, code(m)) for e, m in zip(ws.column(ESTADO), ws.column(MOTIVO), strict=True)]
