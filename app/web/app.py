"""The page's routes (Starlette): the form, the check, and a Spanish page for every refusal.

One template (templates/web/pagina.html.j2) draws the form, the verdict and every error:
a student without JavaScript gets the same page a browser with it does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Match, Mount, Route
from starlette.staticfiles import StaticFiles

from facultativo.config import Campus, Web
from facultativo.notifiers import texts
from facultativo.notifiers.compose import environment
from facultativo.validators import Limits, ValidatorPool, WorkerUnavailable
from facultativo.validators.isolation import DEFAULT_EXTRACTOR
from facultativo.web.check import Incomplete, Judgement, Ready, judge, outcome, prepare
from facultativo.web.guard import (
    BUSY_PATH,
    REFUSED,
    RETRY_AFTER,
    STATIC_PREFIX,
    Guard,
    RateLimiter,
    Rules,
)
from facultativo.web.upload import Answers, UploadProblem, read_upload
from facultativo.wiring import contact

log = logging.getLogger("facultativo.web")
PAGE = "web/pagina.html.j2"
MULTIPART_SLACK = 64 * 1024  # the form's other fields and the multipart framing
FALLBACK = (
    '<!DOCTYPE html><html lang="es-MX"><meta charset="utf-8"><title>Error</title>'
    "<p>Algo falló de nuestro lado. Vuelve a intentarlo en unos minutos.</p></html>"
)
REFUSALS = {  # reason → status, and what the log says (the page says it to the student)
    "origen": (403, "enviado desde otra página"),
    "ocupado": (503, "página ocupada"),
    "limite": (429, "límite de verificaciones por dirección alcanzado"),
    "grande": (413, "envío demasiado grande"),
    "lento": (408, "envío que no terminó de llegar a tiempo"),
}


@dataclass(frozen=True)
class Site:
    """Everything one running page needs; `today` fixes the date (to try old constancias)."""

    campus: Campus
    limits: Limits
    web: Web
    workers: int
    today: date | None = None
    extractor: str = DEFAULT_EXTRACTOR  # "module:function" that reads a PDF (tests swap it)

    @property
    def max_body(self) -> int:
        return self.limits.max_bytes + MULTIPART_SLACK

    def date_now(self) -> date:
        return self.today or datetime.now(ZoneInfo(self.campus.policy.timezone)).date()


def create_app(site: Site, on_ready: Callable[[], None] | None = None) -> Guard:
    """The ASGI app: the routes behind the guard. The validator pool lives as long as the
    app runs (started warm, closed on shutdown)."""
    pages = _Pages(site)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = ValidatorPool(workers=site.workers, limits=site.limits, extractor=site.extractor)
        try:
            try:
                await anyio.to_thread.run_sync(pool.warm)
            except WorkerUnavailable as exc:
                log.error("web: %s", exc)
                raise
            pages.pool = pool
            if on_ready is not None:
                on_ready()
            yield
        finally:
            pages.pool = None
            pool.close()

    static = Path(__file__).with_name("static")
    app = Starlette(
        routes=[
            Route("/", pages.form, methods=["GET", "HEAD"]),
            Route("/verificar", pages.check, methods=["POST"]),
            Route("/verificar", pages.back_to_form, methods=["GET", "HEAD"]),
            Route("/muy-grande", pages.too_large, methods=["GET", "HEAD"]),
            Route(BUSY_PATH, pages.busy, methods=["GET", "HEAD"]),
            Route("/salud", pages.health, methods=["GET", "HEAD"]),
            Mount(STATIC_PREFIX.rstrip("/"), StaticFiles(directory=static), name="estatico"),
        ],
        exception_handlers={
            HTTPException: pages.http_error,
            Exception: pages.server_error,
        },
        lifespan=lifespan,
    )
    # Starlette's own redirect to the address with(out) a trailing slash names the host the
    # request claimed (Host is the client's to write): http_error redirects without one
    app.router.redirect_slashes = False
    window = site.web.window_minutes * 60
    limiter = RateLimiter(site.web.checks_per_address, window)
    return Guard(
        app, limiter, Rules(site.max_body, site.web.upload_seconds, site.web.max_concurrent)
    )


class _Pages:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.env = environment(site.campus.mail.templates)
        self.pool: ValidatorPool | None = None
        # one slot per reader: a check waits here, not inside the pool, so the wait can end
        self.readers = anyio.Semaphore(site.workers)

    def render(self, status: int = 200, **ctx: Any) -> HTMLResponse:
        site = self.site
        base = {
            "campus": contact(site.campus),
            "form_url": site.campus.form_url,
            "max_mb": f"{site.limits.max_bytes / 2**20:g}",
            "fecha_prueba": site.today.strftime("%d/%m/%Y") if site.today else "",
            "url_vigencia": texts.URL_VIGENCIA,
            "url_asignacion_nss": texts.URL_ASIGNACION_NSS,
            "url_clinica": texts.URL_CLINICA,
            "respuestas": Answers(),
            "errores": {},
            "aviso": "",
            "resultado": None,
            "pagina": True,
        }
        html = self.env.get_template(PAGE).render({**base, **ctx})
        return HTMLResponse(html, status_code=status)

    async def form(self, request: Request) -> Response:
        return self.render()

    async def back_to_form(self, request: Request) -> Response:
        return RedirectResponse("/", status_code=303)

    async def too_large(self, request: Request) -> Response:
        """nginx's client_max_body_size sends its 413 here (see deploy/nginx-facultativo.conf)."""
        return self.render(413, aviso="grande")

    async def busy(self, request: Request) -> Response:
        """A connection past the server's limit, whatever it asked for (server.py)."""
        return self._refusal("ocupado", 10)

    async def health(self, request: Request) -> Response:
        ok = self.pool is not None
        return PlainTextResponse("ok" if ok else "iniciando", status_code=200 if ok else 503)

    async def check(self, request: Request) -> Response:
        refused = request.scope.get(REFUSED)
        if refused:
            return self._refusal(refused, request.scope.get(RETRY_AFTER, 0))
        try:
            upload = await read_upload(request, self.site.max_body)
        except UploadProblem:
            return self.render(400, aviso="incompleto")
        ready = prepare(upload, self.site.date_now())
        if isinstance(ready, Incomplete):
            return self.render(400, respuestas=upload.answers, errores=ready.problems)
        return await self._verdict(ready, upload.answers)

    async def _verdict(self, ready: Ready, answers: Answers) -> Response:
        pool = self.pool
        if pool is None:
            return self._refusal("ocupado", 10)
        started = time.perf_counter()
        with anyio.move_on_after(self.site.web.wait_seconds) as waited:
            await self.readers.acquire()
        if waited.cancelled_caught:  # no reader was free in [web] wait_seconds
            return self._refusal("ocupado", 10)
        policy = self.site.campus.policy

        def read_and_judge() -> Judgement:
            return judge(pool.extract(ready.data, ready.filename), ready.request, policy)

        try:
            judgement = await anyio.to_thread.run_sync(read_and_judge)
        except WorkerUnavailable as exc:
            log.error("web: %s", exc)
            return self._refusal("ocupado", 10)
        finally:
            self.readers.release()
        verdict = judgement.office
        log.info(
            "web: verificación %s %s en %.0f ms",
            verdict.estado.value,
            verdict.motivo.value,
            (time.perf_counter() - started) * 1000,
        )
        ctx = outcome(judgement, answers, contact(self.site.campus))
        return self.render(**ctx, respuestas=answers, resultado=ctx["familia"])

    def _refusal(self, reason: str, retry_after: int) -> Response:
        """The Spanish page for a refusal; the connection is closed after it, since its
        body may be unread (and a slow client should not keep it)."""
        status, said = REFUSALS[reason]
        log.info("web: rechazada: %s", said)
        minutes = max(1, -(-retry_after // 60))
        response = self.render(status, aviso=reason, minutos=minutes)
        response.headers["Connection"] = "close"
        if reason in ("limite", "ocupado"):
            response.headers["Retry-After"] = str(max(retry_after, 1))
        return response

    async def http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 404 and (twin := _slash_twin(request)):
            return RedirectResponse(twin, status_code=307)  # the same method, to a path
        aviso = {404: "no_existe", 405: "no_existe"}.get(status, "error")
        return self.render(status, aviso=aviso)

    async def server_error(self, request: Request, exc: Exception) -> Response:
        where = exc.__traceback__
        while where is not None and where.tb_next is not None:
            where = where.tb_next
        place = f"{where.tb_frame.f_code.co_filename}:{where.tb_lineno}" if where else "?"
        log.error("web: error inesperado (%s en %s)", type(exc).__name__, place)
        try:
            return self.render(500, aviso="error")
        except Exception:  # the page itself is what failed: a page that cannot
            return HTMLResponse(FALLBACK, status_code=500)


def _slash_twin(request: Request) -> str | None:
    """For «/verificar/» (or «/salud» without its slash, were it a route with one), the
    route's own path, as a relative address: a redirect names no host, so a forged Host
    header can send no one elsewhere. None when no route has that path."""
    path = request.url.path
    twin = path.rstrip("/") if path.endswith("/") else path + "/"
    scope = {**request.scope, "path": twin}
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.matches(scope)[0] is Match.FULL:
            query = request.url.query
            return route.path + (f"?{query}" if query else "")
    return None
