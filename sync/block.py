"""The status block's vocabulary: the words and colours facultativo writes beside the Form's
answers, built once per campus from its configuration and handed to the sources.

[campus.columns] prefijo names the block («Validación: estado», «Validación: motivo»…).
"""

from __future__ import annotations

PREFIX = "Validación"  # [campus.columns] prefijo, when the campus does not set its own
