"""uvicorn on a socket bound here: a port in use or a wrong host is one Spanish line, and a
test can serve on port 0 and read the port it got.

uvicorn's own log is English and could carry a traceback: it stays out. The page logs one
Spanish line per check and one for each failure (app.py), and `serve` says whether it ran.

Without nginx in front, the connections themselves need limits (`_Connection`): a request's
head must arrive within HEADER_SECONDS, and at the connection limit the oldest connection
still waiting for its head makes room for a new one. Idle or byte-at-a-time connections
cannot crowd out students, and nothing uvicorn would say in English reaches one.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from facultativo.errors import FacultativoError
from facultativo.errors.system import os_error
from facultativo.web.guard import BUSY_PATH

log = logging.getLogger("facultativo.web")
# nginx on the same machine, however the page listens (an IPv6 socket sees IPv4 loopback as
# ::ffff:127.0.0.1): its X-Forwarded-For is the student's address
TRUSTED_PROXIES = ["127.0.0.1", "::1", "::ffff:127.0.0.1"]
# English, and each can repeat thousands of times a second (a full table of file
# descriptors) or quote bytes of a request: the page's own log lines say what matters
QUIET = ("uvicorn", "uvicorn.error", "uvicorn.access", "asyncio", "python_multipart", "multipart")
# A browser sends a request's head (its first line and headers, a few hundred bytes) at
# once; a connection that has not within this many seconds is idle or an attack, and is
# closed. The same holds between two requests on one connection (keep-alive).
HEADER_SECONDS = 5.0
RESERVE = 64  # file descriptors kept for what is not a connection (see _descriptors)
UNREADABLE = (  # uvicorn's own answer to a request it cannot parse is English plain text
    '<!DOCTYPE html><html lang="es-MX"><meta charset="utf-8"><meta name="viewport" '
    'content="width=device-width, initial-scale=1"><title>Solicitud no válida</title>'
    '<h1>No pudimos leer tu solicitud</h1><p>Vuelve a la <a href="/">página de '
    "revisión</a> e inténtalo otra vez.</p></html>"
).encode()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or a FacultativoError that says what to change."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise FacultativoError(f"--host {host}: no es una dirección de esta máquina.") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except PermissionError:
        sock.close()
        raise FacultativoError(
            f"--port {port}: solo root puede usar puertos menores que 1024; usa --port 8080 "
            "y pon nginx delante (deploy/nginx-facultativo.conf)."
        ) from None
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise FacultativoError(
                f"--port {port}: el puerto ya está en uso (¿otra copia de facultativo web?); "
                "usa otro con --port."
            ) from None
        raise FacultativoError(
            f"--host {host}: no se pudo usar esa dirección ({os_error(exc)})."
        ) from None
    return sock


def serve(
    app: object,
    sock: socket.socket,
    max_connections: int = 1000,
    header_seconds: float = HEADER_SECONDS,
) -> bool:
    """Serve until SIGTERM or Ctrl-C; False when the page could not start.

    At most `max_connections` at once (each is a file descriptor): past it, the oldest one
    still waiting for its request's head is closed to make room, and only when every
    connection is busy with a request does a new one get the page's «ocupada» (Spanish)."""
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        http=_connections(_descriptors(max_connections), header_seconds),
        log_config=None,
        access_log=False,  # an access log would keep each student's address
        server_header=False,
        proxy_headers=True,
        forwarded_allow_ips=TRUSTED_PROXIES,
        # no uvicorn limit: its answer is an English 503 (see _Connection)
        limit_concurrency=None,
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


def _descriptors(wanted: int) -> int:
    """How many connections the process's file descriptors allow: its soft limit is raised
    toward the hard one if needed, and RESERVE are kept for the readers' pipes, the log and
    the page's own files. Past that limit a connection cannot even be accepted (nor closed
    to make room), so the page's own limit must be lower."""
    try:
        import resource
    except ImportError:  # not on this platform
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = wanted + RESERVE
    if soft == resource.RLIM_INFINITY or soft >= need:
        return wanted
    raised = need if hard == resource.RLIM_INFINITY else min(need, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
        soft = raised
    except (ValueError, OSError):
        pass
    if soft >= need:
        return wanted
    fits = max(soft - RESERVE, 1)
    log.warning(
        "web: el sistema permite %d archivos abiertos: la página atenderá %d conexiones a la "
        "vez, no %d (LimitNOFILE en deploy/facultativo-web.service)",
        soft,
        fits,
        wanted,
    )
    return fits


def _connections(limit: int, header_seconds: float) -> type[H11Protocol]:
    class Limited(_Connection):
        max_connections = limit
        deadline = header_seconds

    return Limited


class _Connection(H11Protocol):
    """uvicorn's HTTP/1.1 connection, with a deadline for each request's head and a limit on
    connections that closes idle ones first (uvicorn has neither: a connection that sends
    nothing stays open, and its own limit counts idle connections and answers in English).

    `waiting` is when this connection started waiting for a request's head (None while a
    request is being answered)."""

    max_connections = 1000
    deadline = HEADER_SECONDS
    _warned = -1e9  # when the limit was last written to the log (one line a minute at most)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting: float | None = None
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._wait()
        if not self._room():
            self.app = _busy(self.app)  # its request gets «ocupada», then the connection closes

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and not self.cycle.response_complete:
            self._stop_waiting()  # a request's head arrived: the app answers it now

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self._wait()  # the next request's head has the same deadline

    def send_400_response(self, msg: str) -> None:
        """A request uvicorn cannot parse: the Spanish page nginx gives (deploy/)."""
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"cache-control", b"no-store"),
            (b"connection", b"close"),
        ]
        try:
            for event in (
                h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                h11.Data(data=UNREADABLE),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event))
        except h11.LocalProtocolError:  # a response had already begun: nothing to add
            pass
        self.transport.close()

    def _wait(self) -> None:
        self._stop_waiting()
        self.waiting = self.loop.time()
        self._timer = self.loop.call_later(self.deadline, self._too_slow)

    def _stop_waiting(self) -> None:
        self.waiting = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _too_slow(self) -> None:
        self._timer = None
        if self.waiting is not None:
            self.transport.close()

    def _room(self) -> bool:
        """Whether this new connection fits; past the limit, the oldest connection still
        waiting for a request's head is closed to make room."""
        open_ = [c for c in self.connections if not c.transport.is_closing()]
        if len(open_) <= self.max_connections:
            return True
        self._warn(len(open_))
        idle = [
            c
            for c in open_
            if c is not self and isinstance(c, _Connection) and c.waiting is not None
        ]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c.waiting or 0.0)
        oldest.waiting = None
        oldest.transport.close()
        return True

    def _warn(self, count: int) -> None:
        now = self.loop.time()
        if now - _Connection._warned >= 60:
            _Connection._warned = now
            log.warning(
                "web: %d conexiones abiertas, el límite: se cierran primero las que no han "
                "enviado su solicitud",
                count,
            )


def _busy(app: Any) -> Any:
    """The app, asked for the page's «ocupada» whatever the request was."""

    async def busy(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            method = "HEAD" if scope["method"] == "HEAD" else "GET"
            path = BUSY_PATH.encode()
            scope = {**scope, "method": method, "path": BUSY_PATH, "raw_path": path}
            scope["query_string"] = b""
        await app(scope, receive, send)

    return busy
