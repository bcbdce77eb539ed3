"""`facultativo web`: the students' pre-check page (see facultativo.web)."""

from __future__ import annotations

import argparse
import logging
import os

from facultativo.commands import setup_logging
from facultativo.config import Campus, Config, load
from facultativo.errors import FacultativoError, UsageError

EXTRA = (
    "la página necesita el extra web: pip install 'facultativo[web]' "
    "(o pip install '.[web]' desde la carpeta de facultativo)."
)


def run(args: argparse.Namespace) -> int:
    setup_logging(logging.INFO, args.log_format)
    config = load(args.config)
    campus = _campus(config, args.campus)
    try:
        import python_multipart  # noqa: F401  (Starlette's form parser, found only when used)

        from facultativo.web.app import Site, create_app
        from facultativo.web.server import bind, serve
    except ImportError as exc:
        if exc.name in ("starlette", "uvicorn", "multipart", "python_multipart"):
            raise FacultativoError(EXTRA) from None
        raise
    site = Site(campus, config.limits, config.web, _workers(), args.fecha)
    _warn(campus, args.host)
    sock = bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"

    def ready() -> None:
        logging.getLogger("facultativo.web").info(
            "web: página de verificación del campus %s lista en %s (%d procesos lectores; "
            "Ctrl-C para terminar)%s",
            campus.name,
            url,
            site.workers,
            f"; toma como hoy el {args.fecha:%d/%m/%Y}" if args.fecha else "",
        )

    if not serve(create_app(site, on_ready=ready), sock):
        raise FacultativoError("la página no pudo iniciar; revisa el mensaje anterior.")
    return 0


def _warn(campus: Campus, host: str) -> None:
    log = logging.getLogger("facultativo.web")
    if not campus.form_url:
        log.warning(
            "web: falta form_url en [[campus]]: a quien le salga ACEPTADA la página no le "
            "enlazará el formulario"
        )
    if not campus.web_url:
        log.warning(
            "web: falta [campus.web] url (la dirección pública de esta página): los correos "
            "que piden enviar el formulario de nuevo no invitarán a revisar aquí la constancia"
        )
    if host not in ("127.0.0.1", "localhost", "::1"):
        log.warning(
            "web: escucha en %s: ponla detrás de nginx (deploy/nginx-facultativo.conf), que "
            "da TLS y la protege de conexiones lentas o vacías",
            host,
        )


def _campus(config: Config, name: str | None) -> Campus:
    campus = config.campus(name)
    if campus is None:
        names = ", ".join(c.name for c in config.campuses)
        what = f"no hay campus «{name}»" if name else "hay varios campus"
        raise UsageError(f"{what} en {config.path}; elige uno con --campus ({names})")
    return campus


def _workers() -> int:
    """One reader per core, at most 4: each keeps its PDF libraries warm."""
    return max(1, min(4, os.cpu_count() or 1))
