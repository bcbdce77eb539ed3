"""`facultativo auth`: the installed-app OAuth flow, once, for offices without a service
account."""

from __future__ import annotations

import argparse

from facultativo.commands import campuses
from facultativo.config import load
from facultativo.errors import UsageError
from facultativo.sync.sources import SourceError


def run(args: argparse.Namespace) -> int:
    from facultativo.google_api.auth import AuthError, NotNeeded, run_installed_flow

    config = load(args.config)
    campus = campuses(config, args.campus)[0]
    if campus.google is None:
        raise SourceError(f"campus «{campus.name}»: falta la tabla [campus.google].")
    token = campus.google.token or campus.google.credentials.with_name("token.json")
    try:
        saved = run_installed_flow(campus.google.credentials, token, not args.no_browser)
    except NotNeeded as exc:  # nothing to do: the configuration is already complete
        raise UsageError(str(exc)) from None
    except AuthError as exc:
        raise SourceError(str(exc)) from None
    print(f"Autorizado. Token guardado en {saved} (solo tu usuario puede leerlo).")
    return 0
