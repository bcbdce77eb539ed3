"""The IMSS pages the emails and the pre-check page point to.

What each motivo tells the student, and the steps it asks of them, are declared with the
motivo (validators/motivos.py); the steps name these pages by placeholder
({url_vigencia}…), filled in by notifiers/steps.py.
"""

from __future__ import annotations

URL_VIGENCIA = "https://serviciosdigitales.imss.gob.mx/gestionAsegurados-web-externo/vigencia"
URL_ASIGNACION_NSS = (
    "https://serviciosdigitales.imss.gob.mx/gestionAsegurados-web-externo/asignacionNSS"
)
URL_CLINICA = (
    "https://serviciosdigitales.imss.gob.mx/portal-ciudadano-web-externo/"
    "derechohabientes/tramite/registro"
)
