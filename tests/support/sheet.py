"""The status block's headers and labels as tests read them."""

from __future__ import annotations

from facultativo.sync.block import DEFAULT_BLOCK
from tests.support.workspace import Workspace, code

# the block of a campus that sets no prefijo (the demo's, the fake Google sheet's)
ESTADO, MOTIVO = DEFAULT_BLOCK.titles["estado"], DEFAULT_BLOCK.titles["motivo"]
NOTIFICADA = DEFAULT_BLOCK.titles["notificada"]
LABEL = {"REVISION_MANUAL": "REVISIÓN MANUAL", "ERROR_TEMPORAL": "ERROR TEMPORAL"}


def main_motivos(ws: Workspace) -> list[tuple[str, str]]:
    return [(e, code(m)) for e, m in zip(ws.column(ESTADO), ws.column(MOTIVO), strict=True)]
