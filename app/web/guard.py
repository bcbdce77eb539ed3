"""What keeps the page safe on the public internet, in front of every route.

- A per-address limit on checks: each one costs a worker's time, and the page must stay
  useful for everyone during the week the Form opens.
- The body is read here, whole, in memory, up to a size and a time limit: a bigger or
  slower upload never reaches the form parser (nor the disk).
- Strict headers on every response: no inline script, no sniffing, no referrer, nothing
  cached.

The guard decides; the page (app.py) explains, in Spanish, with the right status: the
reason travels in the ASGI scope under `REFUSED`.
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# scope key: "origen", "ocupado", "limite", "grande" or "lento"
REFUSED = "facultativo.refused"
RETRY_AFTER = "facultativo.retry_after"  # scope key: seconds until the address may check again
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    # no address of this page reaches another site; its own posts keep a real Origin
    # (with no-referrer a browser sends «Origin: null», which tells nothing)
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
NO_STORE = (b"cache-control", b"no-store")
STATIC_PREFIX = "/estatico/"  # the page's own CSS and JS: the only responses a browser may keep
# the page's «ocupada», for a connection past the server's limit (server.py)
BUSY_PATH = "/ocupada"


class RateLimiter:
    """At most `limit` checks per address in any `window` seconds.

    IPv6 addresses count by their /64, which one home or phone gets whole. Memory is
    bounded: past `max_addresses`, the address seen least recently is forgotten first.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        max_addresses: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window, self.max_addresses = limit, window, max_addresses
        self._clock = clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def check(self, address: str) -> float:
        """0 when this check may go ahead (and counts it); else seconds to wait."""
        now, key = self._clock(), address_key(address)
        times = self._seen.pop(key, None) or deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        self._seen[key] = times
        if len(times) >= self.limit:
            return max(1.0, times[0] + self.window - now)
        times.append(now)
        while len(self._seen) > self.max_addresses:
            self._seen.popitem(last=False)
        return 0.0


def address_key(address: str) -> str:
    """The unit a limit counts: an IPv4 address, an IPv6 /64, or the text as given."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped or ip) if isinstance(ip, ipaddress.IPv6Address) else str(ip)


@dataclass(frozen=True)
class Rules:
    max_body: int  # bytes of a whole multipart request
    body_seconds: float  # to receive it
    max_checks: int  # checks at once (each holds its body in memory): memory stays bounded
    checked_paths: tuple[str, ...] = ("/verificar",)


class Guard:
    """ASGI middleware: headers on everything; for a POST to a checked path, the rate
    limit and the whole body read here (then replayed to the app)."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, rules: Rules) -> None:
        self.app, self.limiter, self.rules = app, limiter, rules
        self.active = 0  # checks in progress (one event loop: no lock needed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send, cache=scope["path"].startswith(STATIC_PREFIX))
        checked = scope["method"] == "POST" and scope["path"] in self.rules.checked_paths
        if checked:
            self.active += 1
        try:
            if checked:
                receive = await self._screen(scope, receive)
            await self.app(scope, receive, send)
        except Exception:
            # Starlette has already answered with the Spanish error page and re-raises so
            # that a server may log it; app.py logged it without the message (which could
            # hold what a student typed), so the server's English traceback is not needed.
            pass
        finally:
            if checked:
                self.active -= 1

    async def _screen(self, scope: Scope, receive: Receive) -> Receive:
        if _cross_site(scope):  # another site's page posting here would use up the quota
            scope[REFUSED] = "origen"
            return _empty
        if self.active > self.rules.max_checks:  # before the limit: it costs no check
            scope[REFUSED], scope[RETRY_AFTER] = "ocupado", 10
            return _empty
        client = scope.get("client") or ("desconocido", 0)
        wait = self.limiter.check(str(client[0]))
        if wait:
            scope[REFUSED], scope[RETRY_AFTER] = "limite", int(wait + 0.999)
            return _empty
        declared = _content_length(scope)
        if declared is not None and declared > self.rules.max_body:
            scope[REFUSED] = "grande"
            return _empty
        body = await self._read(receive)
        if isinstance(body, str):
            scope[REFUSED] = body
            return _empty
        return _replay(body)

    async def _read(self, receive: Receive) -> list[bytes] | str:
        """The whole body, or why not: "grande" (over the limit) or "lento" (too slow)."""
        chunks: list[bytes] = []
        size = 0
        with anyio.move_on_after(self.rules.body_seconds) as timer:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return "lento"
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.rules.max_body:
                    return "grande"
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        return "lento" if timer.cancelled_caught else chunks


def _cross_site(scope: Scope) -> bool:
    """A browser says where a POST comes from: Sec-Fetch-Site (only this page itself, or
    the address typed by hand, may post; a sibling subdomain may not), or else an Origin
    that is not this host. A client that says neither (curl, an old browser) is let by."""
    headers = dict(scope.get("headers", []))
    fetch_site = headers.get(b"sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in (b"same-origin", b"none")
    origin, host = headers.get(b"origin"), headers.get(b"host")
    if not origin or origin == b"null" or not host:
        return False
    # host names only: behind nginx on another port, Host loses the port Origin keeps
    try:
        theirs = urlsplit(origin.decode("latin-1")).hostname
        ours = urlsplit("//" + host.decode("latin-1")).hostname
    except ValueError:
        return True
    return _host(theirs) != _host(ours)


def _host(name: str | None) -> str:
    """«localhost.» is «localhost»; «0:0::1» is «::1»."""
    name = (name or "").rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _empty() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _replay(chunks: list[bytes]) -> Receive:
    """The body again, chunk by chunk, each let go once handed over (memory: one copy)."""
    queue = deque(chunks) or deque([b""])

    async def receive() -> Message:
        if not queue:  # the app asks again only to learn that the client left
            return {"type": "http.disconnect"}
        chunk = queue.popleft()
        return {"type": "http.request", "body": chunk, "more_body": bool(queue)}

    return receive


def _with_headers(send: Send, cache: bool) -> Send:
    """`cache`: the page's own CSS and JS may be kept; anything else, an error under
    /estatico/ included, may not."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            names = {name.lower() for name, _ in headers}
            extra = [h for h in HEADERS if h[0] not in names]
            keep = cache and message.get("status") in (200, 304)
            if not keep and b"cache-control" not in names:
                extra.append(NO_STORE)
            message["headers"] = headers + extra
        await send(message)

    return wrapped
