"""The ASGI app: one catch-all Starlette route, our own URL table, AAP's headers and errors."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from . import session
from .auth import authenticate, check_scope, unauthorized
from .context import Ctx, Reply
from .control import ControlPlane, expire_tokens, is_control
from .errors import ApiError
from .faults import Fault, Faults
from .fields import filterable
from .listing import Query
from .metadata import options
from .render import Renderer
from .resources import JOB, JOB_DETAIL_EXTRA, PROJECT_UPDATE, PROJECT_UPDATE_DETAIL_EXTRA
from .routes import (
    Route,
    controller_routes,
    gateway_routes,
    match,
    site_routes,
    token_routes,
)
from .settings import Settings
from .state import AWX_VERSION, NODE, State
from .synthetic import preload

log = logging.getLogger("aapsim.access")

CONTROLLER_PRODUCT = "Red Hat Ansible Automation Platform"
GATEWAY_PRODUCT = "AAP gateway"
NOT_FOUND_JSON = {"detail": "The requested resource could not be found."}
NOT_FOUND_HTML = (
    '\n<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n'
    "<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n"
    "</body>\n</html>\n"
)
SECRET_WORDS = ("token", "secret", "password", "code", "key")
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# AWX's own headers on every answer (seen on AWX 24.6.1, tests/awx): Django's Vary, the
# request id and total time of its middleware. Vary of a DRF view adds Accept and Cookie.
DJANGO_VARY = "Accept-Language, origin"
VIEW_VARY = "Accept, Accept-Language, origin, Cookie"
UNAUTHENTICATED_VIEWS = ("ping/",)  # no X-API-Product-Version even with credentials
LOGIN_PATH = "/api/login/"  # 2.4's session login (session.py)
API_ROOT = "/api/"


@dataclass(frozen=True)
class Family:
    name: str  # controller, gateway, oauth
    prefix: str
    routes: list[Route]
    product: str


def families(settings: Settings) -> list[Family]:
    if settings.gateway:
        return [
            Family(
                "controller", "/api/controller/v2/", controller_routes(True), CONTROLLER_PRODUCT
            ),
            Family("gateway", "/api/gateway/v1/", gateway_routes(), GATEWAY_PRODUCT),
            Family("oauth", "/o/", token_routes(False), GATEWAY_PRODUCT),
            # Last: it only answers its exact roots; anything else is the gateway's 404.
            Family("site", "/api/", site_routes(True), GATEWAY_PRODUCT),
        ]
    return [
        Family("controller", "/api/v2/", controller_routes(False), CONTROLLER_PRODUCT),
        Family("oauth", "/api/o/", token_routes(True), CONTROLLER_PRODUCT),
        Family("site", "/api/", site_routes(False), CONTROLLER_PRODUCT),
    ]


def safe_target(path: str, raw_query: str) -> str:
    """Path plus query with secret-looking values masked, for the access log."""
    if not raw_query:
        return path
    parts = []
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        masked = any(word in key.lower() for word in SECRET_WORDS)
        parts.append(f"{key}={'***' if masked else value}")
    return f"{path}?{'&'.join(parts)}"


class FastJSONResponse(Response):
    """Compact JSON through orjson: a 100-job page encodes ~10x faster than with json."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except orjson.JSONEncodeError:
            # Lone surrogates or huge ints from client input: the stdlib escapes them.
            return json.dumps(content, separators=(",", ":")).encode()


def _json(reply_status: int, body: Any, headers: dict[str, str]) -> Response:
    if body is None:
        return Response(status_code=reply_status, headers=headers)
    return FastJSONResponse(body, status_code=reply_status, headers=headers)


def _parse_body(raw: bytes, content_type: str) -> tuple[Any, dict[str, str]]:
    """(JSON data or None, form fields). Raises a DRF-style 400 for broken JSON."""
    if not raw.strip():
        return None, {}
    if "application/x-www-form-urlencoded" in content_type:
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        return form, form
    if "multipart/form-data" in content_type:
        raise ApiError(415, {"detail": 'Unsupported media type "multipart/form-data" in request.'})
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, {"detail": f"JSON parse error - {exc}"}) from None
    form = {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return data, form


class Emulator:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state = State(settings)
        if settings.synthetic_jobs:
            preload(self.state, settings.synthetic_jobs)
        self.families = families(settings)
        self.faults = Faults()
        self.control = ControlPlane(self.state, self.faults) if settings.control else None

    def find(self, path: str) -> tuple[Family | None, str]:
        for family in self.families:
            if path.startswith(family.prefix):
                return family, path[len(family.prefix) :]
            if path + "/" == family.prefix:
                return family, ""
        return None, ""

    def handle(
        self, method: str, path: str, raw_query: str, headers: dict[str, str], raw_body: bytes
    ) -> Response:
        started = time.perf_counter()
        response = self._handle(method, path, raw_query, headers, raw_body, started)
        if path == API_ROOT and method in ("GET", "HEAD") and not self.settings.gateway:
            session.ensure_csrf_cookie(response, headers)
        if not self.settings.gateway or path.startswith("/api/controller/"):
            response.headers["X-API-Total-Time"] = f"{time.perf_counter() - started:.3f}s"
            response.headers["X-API-Request-Id"] = uuid.uuid4().hex
        return response

    def _handle(
        self,
        method: str,
        path: str,
        raw_query: str,
        headers: dict[str, str],
        raw_body: bytes,
        started: float,
    ) -> Response:
        if path == LOGIN_PATH and not self.settings.gateway:
            return session.login(self.state, method, headers, raw_body)
        family, rest = self.find(path)
        if family is not None and family.name == "site" and match(family.routes, rest) is None:
            family = None  # /api/<anything else>: not an API root, the platform's own 404
        if family is None:
            if self.settings.gateway:
                return Response(NOT_FOUND_HTML, 404, media_type="text/html; charset=utf-8")
            return _json(404, NOT_FOUND_JSON, {})
        django = family.name == "controller" or not self.settings.gateway  # AWX answers
        if django and family.name == "controller" and not _served_as_is(family, rest):
            # Django's own answers, before any view: no product headers
            return self._no_view(path, rest, raw_query, family)
        out_headers = {"X-API-Product-Name": family.product}
        if django:
            out_headers["X-API-Node"] = NODE
            out_headers["Vary"] = VIEW_VARY
        try:
            reply = self._dispatch(
                family, rest, method, path, raw_query, headers, raw_body, out_headers
            )
        except ApiError as err:
            reply = Reply(err.status, err.body, err.headers)
        if django:
            out_headers["X-API-Time"] = f"{time.perf_counter() - started:.3f}s"
        out_headers.update(reply.headers)
        if reply.media_type is not None:
            # as given: Starlette would add a charset to a bare text/plain
            out_headers["Content-Type"] = reply.media_type
            response = Response(reply.body, reply.status, out_headers)
        else:
            response = _json(reply.status, reply.body, out_headers)
        if method == "HEAD":
            response.body = b""
        return response

    def _no_view(self, path: str, rest: str, raw_query: str, family: Family) -> Response:
        """A path no view serves: APPEND_SLASH's redirect when the path with a slash has one
        (any method, as AWX in production), else the 404 a real AAP 2.4 gives an unmatched URL
        (JSON, no product header: API-FACTS 1.3; AWX without its UI answers Django's HTML)."""
        vary = {"Vary": DJANGO_VARY}
        if match(family.routes, rest + "/") is not None:
            target = path + "/" + (f"?{raw_query}" if raw_query else "")
            html = "text/html; charset=utf-8"
            return Response(b"", 301, headers={**vary, "Location": target}, media_type=html)
        return _json(404, NOT_FOUND_JSON, vary)

    def _dispatch(
        self,
        family: Family,
        rest: str,
        method: str,
        path: str,
        raw_query: str,
        headers: dict[str, str],
        raw_body: bytes,
        out_headers: dict[str, str],
    ) -> Reply:
        found = match(family.routes, rest)
        if found is None:
            raise ApiError(
                404, NOT_FOUND_JSON if family.name != "controller" else {"detail": "Not found."}
            )
        route, params = found
        allowed = [m for m in ALL_METHODS if m in route.methods]  # AWX's order
        out_headers["Allow"] = ", ".join([*allowed, "HEAD", "OPTIONS"])
        verb = "GET" if method == "HEAD" else method
        if verb == "OPTIONS" and route.public:
            return self._options(family, route, allowed)
        handler = route.methods.get(verb)
        if handler is None and verb != "OPTIONS":
            raise ApiError(405, {"detail": f'Method "{method}" not allowed.'}, {})
        with self.state.lock:
            now = self.state.now()
            self.state.advance(now)
            authorization = headers.get("authorization", "")
            user = None
            if not route.public:
                user = authenticate(self.state, authorization, now)
                if user is None and not self.settings.gateway:
                    user = session.session_user(self.state, headers, verb)
                if user is None:
                    raise unauthorized()
                check_scope(self.state, authorization, verb)
            elif (
                authorization
                and (family.name != "oauth" or rest == "")
                and (rest not in UNAUTHENTICATED_VIEWS)
            ):
                user = _optional_user(self.state, authorization, now)
            if user is not None:
                out_headers["X-API-Product-Version"] = AWX_VERSION[self.settings.aap_version]
            if verb == "OPTIONS":
                return self._options(family, route, allowed)
            data, form = (None, {})
            if verb in ("POST", "PUT", "PATCH"):
                try:
                    data, form = _parse_body(raw_body, headers.get("content-type", ""))
                except ApiError:
                    # DRF's parse error escapes AWX's view before it stamps the version
                    out_headers.pop("X-API-Product-Version", None)
                    raise
            ctx = Ctx(
                state=self.state,
                r=Renderer(self.state, family.prefix if family.name != "oauth" else "/", now),
                query=Query(
                    path=path,
                    raw_query=raw_query,
                    params=parse_qsl(raw_query, keep_blank_values=True),
                ),
                method=verb,
                data=data,
                user=user,
                now=now,
                form=form,
                authorization=authorization,
            )
            assert handler is not None
            return handler(ctx, **params)

    def _options(self, family: Family, route: Route, allowed: list[str]) -> Reply:
        """AWX's metadata for the route; POST/PUT where the route takes them. On 2.5/2.6 the
        gateway's objects still show POST/PUT (AWX's metadata checks permissions, and its
        immutablesharedfields refuses in the view, not there): edit.py says what is refused."""
        view = route.view
        gateway = self.settings.gateway
        usable = [m for m in allowed if m in ("GET", "POST", "PUT")]
        resource = view.resource
        details = {id(JOB): JOB_DETAIL_EXTRA, id(PROJECT_UPDATE): PROJECT_UPDATE_DETAIL_EXTRA}
        extra = details.get(id(resource), "") if view.kind == "detail" else ""
        body = options(view, gateway, usable, filterable(resource) if resource else set(), extra)
        allow = ", ".join([*allowed, "HEAD", "OPTIONS"])
        return Reply(200, body, {"Allow": allow})


def _served_as_is(family: Family, rest: str) -> bool:
    """A view serves this path without Django's redirect: AWX's paths all end with a slash."""
    return (rest == "" or rest.endswith("/")) and match(family.routes, rest) is not None


def _optional_user(state: State, authorization: str, now: Any) -> Any:
    """The caller of a public view, if its credentials are good; it is served either way."""
    try:
        return authenticate(state, authorization, now)
    except ApiError:
        return None


class DroppedConnection(Exception):
    """Raised after the response started: the server closes the connection mid-answer."""


class DropResponse(Response):
    """Headers promising a body that never comes, then the connection is closed."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
            }
        )
        raise DroppedConnection("fault: connection dropped by the control surface")


def _control_reply(emulator: Emulator, request: Request, path: str, body: bytes) -> Response:
    if emulator.control is None:  # off: the path is as unknown as any other
        return emulator.handle(request.method, path, "", {}, b"")
    status, data = emulator.control.handle(
        request.method, path, request.headers.get("authorization", ""), body
    )
    return FastJSONResponse(data, status_code=status)


async def _faulted(emulator: Emulator, fault: Fault, handle: Callable[[], Response]) -> Response:
    """The answer a request gets under a fault (the API runs unless the fault replaces it)."""
    if fault.latency:
        await asyncio.sleep(fault.latency)
    if fault.expire_tokens or fault.revoke_refresh:
        with emulator.state.lock:
            expire_tokens(emulator.state, revoke_refresh=fault.revoke_refresh)
    if fault.drop:
        return DropResponse()
    if fault.status is not None:
        detail = {"detail": f"fault injected by the control surface (status {fault.status})"}
        return _json(fault.status, detail, {})
    if fault.body == "malformed":
        return Response(b"<html><body>Bad Gateway</body>", 200, media_type="application/json")
    response = handle()
    if fault.body == "truncated":
        cut = response.body[: max(len(response.body) // 2, 1)]
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return Response(cut, response.status_code, headers=headers)
    return response


def create_app(settings: Settings) -> Starlette:
    emulator = Emulator(settings)

    async def endpoint(request: Request) -> Response:
        t0 = time.perf_counter()
        raw_query = request.scope.get("query_string", b"").decode("latin-1")
        path = request.scope["path"]
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}

        def handle() -> Response:
            return emulator.handle(request.method, path, raw_query, headers, body)

        try:
            if is_control(path):
                response = _control_reply(emulator, request, path, body)
            else:
                fault = emulator.faults.pick(request.method, path)
                response = handle() if fault is None else await _faulted(emulator, fault, handle)
        except Exception:  # a bug, never a client's fault: log it and answer 500
            log.exception("internal error on %s %s", request.method, path)
            response = _json(500, {"detail": "A server error has occurred."}, {})
        ms = (time.perf_counter() - t0) * 1000
        log.info(
            "%s %s %d %.1fms",
            request.method,
            safe_target(path, raw_query),
            response.status_code,
            ms,
        )
        return response

    app = Starlette(routes=[StarletteRoute("/{path:path}", endpoint, methods=ALL_METHODS)])
    app.state.emulator = emulator
    return app
