"""uvicorn on a socket bound here: a port in use or a wrong host is one Spanish line, and a
test can serve on port 0 and read the port it got.

uvicorn's own log is English and could carry a traceback: it stays out. The page logs one
Spanish line per check and one for each failure (app.py), and `serve` says whether it ran.
"""

from __future__ import annotations

import errno
import logging
import socket

import uvicorn

from facultativo.errors import Failure
from facultativo.validators.text import os_error

log = logging.getLogger("facultativo.web")
# nginx on the same machine, however the page listens (an IPv6 socket sees IPv4 loopback as
# ::ffff:127.0.0.1): its X-Forwarded-For is the student's address
TRUSTED_PROXIES = ["127.0.0.1", "::1", "::ffff:127.0.0.1"]
# English, and each can repeat thousands of times a second (a full table of file
# descriptors) or quote bytes of a request: the page's own log lines say what matters
QUIET = ("uvicorn", "uvicorn.error", "uvicorn.access", "asyncio", "python_multipart", "multipart")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or a Failure that says what to change."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise Failure(f"--host {host}: no es una dirección de esta máquina.") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except PermissionError:
        sock.close()
        raise Failure(
            f"--port {port}: solo root puede usar puertos menores que 1024; usa --port 8080 "
            "y pon nginx delante (deploy/nginx-facultativo.conf)."
        ) from None
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise Failure(
                f"--port {port}: el puerto ya está en uso (¿otra copia de facultativo web?); "
                "usa otro con --port."
            ) from None
        raise Failure(f"--host {host}: no se pudo usar esa dirección ({os_error(exc)}).") from None
    return sock


def serve(app: object, sock: socket.socket, max_connections: int = 1000) -> bool:
    """Serve until SIGTERM or Ctrl-C; False when the page could not start."""
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_config=None,
        access_log=False,  # an access log would keep each student's address
        server_header=False,
        proxy_headers=True,
        forwarded_allow_ips=TRUSTED_PROXIES,
        # past this uvicorn answers an English 503 itself; below it the page's own guard
        # answers «ocupada» (in Spanish, without reading the upload)
        limit_concurrency=max_connections,
        timeout_keep_alive=5,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except SystemExit:  # uvicorn's way to say the app did not start (app.py logged why)
        return False
    finally:
        sock.close()
    return server.started
