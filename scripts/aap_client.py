"""The AAP REST client of setup_aap.py: Basic-auth JSON calls, paging, version detection.

Every failure is a SetupError whose message is one line naming the problem and the fix.
Dependencies: the standard library and httpx.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

GATEWAY = "/api/gateway/v1"
# "awx": the open-source controller (AWX 24.x) that AAP 2.4's is built from; its API is 2.4's.
AWX = "awx"
TOKEN_URL = {"2.4": "/api/o/token/", "2.5": "/o/token/", "2.6": "/o/token/", AWX: "/api/o/token/"}
CONTROLLER_ROOT = {
    "2.4": "/api/v2",
    "2.5": "/api/controller/v2",
    "2.6": "/api/controller/v2",
    AWX: "/api/v2",
}
GATEWAY_VERSIONS = ("2.5", "2.6")
AWX_VERSION_PREFIX_24 = "4.5."
AWX_RELEASE = re.compile(r"^(2[0-9]|[3-9][0-9])\.\d+\.\d+")  # AWX's own numbering: 24.6.1
REQUEST_TIMEOUT = 30.0
MAX_PAGES = 1000

T = TypeVar("T")


# Methods that mean the same when sent twice, and the errors of a connection the server,
# a load balancer or a proxy closed while the client kept it for reuse: such a request
# goes once more, on a new connection.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
CONNECTION_CLOSED = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)


class SetupError(Exception):
    """A problem the user can act on; the message is one line naming problem and fix."""


def describe_transport_error(url: str, exc: httpx.HTTPError) -> str:
    text = f"{exc.__class__.__name__} {exc}".lower()
    if isinstance(exc, httpx.TimeoutException):
        return f"AAP at {url} did not answer in time; check --url and that AAP is up"
    if "certificate" in text:
        return (
            f"the TLS certificate of AAP at {url} could not be verified; "
            "trust its CA or pass --insecure"
        )
    if "ssl" in text or "tls" in text:
        return f"TLS handshake with AAP at {url} failed; check http vs https in --url"
    if "refused" in text:
        reason = "connection refused"
    elif any(s in text for s in ("name or service", "nodename", "name resolution", "getaddrinfo")):
        reason = "host name does not resolve"
    elif isinstance(exc, httpx.ConnectError):
        reason = "cannot connect"
    else:
        reason = f"{exc.__class__.__name__}"
    return f"AAP at {url} is not reachable ({reason}); check --url"


def _detail(resp: httpx.Response) -> str:
    """A short, single-line hint from an error body (error bodies carry no secrets)."""
    try:
        body = resp.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        body = body.get("detail", body)
    text = " ".join(json.dumps(body)[:200].split()) if not isinstance(body, str) else body
    return f": {text[:200]}"


class Api:
    """Basic-auth JSON client for one AAP; every failure becomes a SetupError."""

    def __init__(self, url: str, username: str, password: str, *, verify: bool = True) -> None:
        self.url = url
        self.username = username
        self.client = httpx.Client(
            base_url=self.url,
            auth=httpx.BasicAuth(username, password),
            verify=verify,
            timeout=REQUEST_TIMEOUT,
            headers={"Accept": "application/json"},
        )

    def close(self) -> None:
        self.client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        expect: Sequence[int] = (200,),
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        basic_auth: bool = True,
        form: dict[str, str] | None = None,
        client_auth: tuple[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; `client_auth` replaces the admin's Basic credentials."""
        kwargs: dict[str, Any] = {"params": params, "headers": headers}
        if json_body is not None:
            kwargs["json"] = json_body
        if form is not None:
            kwargs["data"] = form
        if client_auth is not None:
            kwargs["auth"] = httpx.BasicAuth(*client_auth)
            basic_auth = False
        elif not basic_auth:
            kwargs["auth"] = None
        resp = self._send(method, path, kwargs)
        if resp.status_code in expect:
            return resp
        where = f"{method} {resp.url.path}"
        if resp.status_code == 401 and basic_auth:
            raise SetupError(
                f"AAP at {self.url} rejected the credentials of user {self.username!r} "
                f"(HTTP 401 on {where}); check --username and --password/AAP_PASSWORD"
            )
        if resp.status_code == 403:
            raise SetupError(
                f"AAP refused {where} (HTTP 403){_detail(resp)}; "
                f"user {self.username!r} needs to be a platform administrator"
            )
        raise SetupError(
            f"unexpected AAP response to {where}: HTTP {resp.status_code}{_detail(resp)}; "
            "check that --url points at AAP 2.4/2.5/2.6"
        )

    def _send(self, method: str, path: str, kwargs: dict[str, Any]) -> httpx.Response:
        retry = method.upper() in IDEMPOTENT
        while True:
            try:
                return self.client.request(method, path, **kwargs)
            except CONNECTION_CLOSED as exc:
                if not retry:
                    raise SetupError(describe_transport_error(self.url, exc)) from None
                retry = False  # once: a second reset is the server's answer
            except httpx.HTTPError as exc:
                raise SetupError(describe_transport_error(self.url, exc)) from None

    @staticmethod
    def body(resp: httpx.Response) -> Any:
        if resp.status_code == 204 or not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            kind = resp.headers.get("content-type", "no content-type")
            raise SetupError(
                f"unexpected AAP response to {resp.request.method} {resp.url.path}: "
                f"HTTP {resp.status_code} is not JSON ({kind}); check --url"
            ) from None

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.body(self.request(method, path, **kwargs))

    def obj(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        data = self.call(method, path, **kwargs)
        if not isinstance(data, dict):
            raise SetupError(f"unexpected AAP response to {method} {path}: not a JSON object")
        return data

    def list_all(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every result of a list endpoint, following `next` (relative or absolute)."""
        results: list[dict[str, Any]] = []
        url, query = path, dict(params or {})
        for _ in range(MAX_PAGES):
            page = self.obj("GET", url, params=query or None)
            items = page.get("results")
            if not isinstance(items, list):
                raise SetupError(f"unexpected AAP response to GET {path}: no 'results' list")
            results.extend(item for item in items if isinstance(item, dict))
            nxt = page.get("next")
            if not nxt:
                return results
            # Like the dashboard: keep only path and query of `next`, on our own base URL.
            parts = urlsplit(str(nxt))
            url, query = f"{parts.path}?{parts.query}" if parts.query else parts.path, {}
        raise SetupError(f"unexpected AAP response to GET {path}: more than {MAX_PAGES} pages")

    def find(self, path: str, **match: Any) -> dict[str, Any] | None:
        """The one object whose fields equal `match`; filters server- and client-side."""
        found = [
            r for r in self.list_all(path, match) if all(r.get(k) == v for k, v in match.items())
        ]
        if len(found) > 1:
            ids = ", ".join(str(r.get("id")) for r in found)
            raise SetupError(f"AAP has several objects matching {match} at {path} (ids {ids})")
        return found[0] if found else None


def take(obj: dict[str, Any], key: str, kind: type[T], context: str) -> T:
    value = obj.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
        raise SetupError(f"unexpected AAP response to {context}: no valid {key!r}")
    return value


class Deadline:
    """One time budget shared by every wait of a run."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def wait_for(self, what: str, check: Callable[[], T | None]) -> T:
        delay = 0.2
        while True:
            result = check()
            if result is not None:
                return result
            left = self.end - time.monotonic()
            if left <= 0:
                raise SetupError(
                    f"timed out after {self.seconds:g}s waiting for {what}; "
                    "check AAP or raise --timeout"
                )
            time.sleep(min(delay, left))
            delay = min(delay * 1.5, 1.0)


def detect_version(api: Api, *, awx: bool = False) -> str:
    """The AAP version the server reports; "awx" for an AWX only when `awx` (--version awx)."""
    resp = api.request("GET", f"{GATEWAY}/ping/", expect=(200, 404), basic_auth=False)
    if resp.status_code == 200:
        ping = api.body(resp)
        version = str(ping.get("version") if isinstance(ping, dict) else None)
        if version not in GATEWAY_VERSIONS:
            raise SetupError(
                f"AAP at {api.url} reports gateway version {version!r}; only 2.4, 2.5 and 2.6 "
                "are supported"
            )
        return version
    resp = api.request("GET", "/api/v2/ping/", expect=(200, 404), basic_auth=False)
    if resp.status_code == 404:
        raise SetupError(f"no AAP ping endpoint answers at {api.url}; check --url")
    ping = api.body(resp)
    version = str(ping.get("version") if isinstance(ping, dict) else None)
    if AWX_RELEASE.match(version):
        if awx:
            return AWX
        raise SetupError(
            f"{api.url} runs AWX {version}, not AAP; pass --version awx to seed an AWX"
        )
    if not version.startswith(AWX_VERSION_PREFIX_24):
        raise SetupError(
            f"AAP at {api.url} runs controller version {version!r}, not AAP 2.4 "
            f"({AWX_VERSION_PREFIX_24}x); check --url"
        )
    return "2.4"


def check_login(api: Api, version: str) -> None:
    api.obj("GET", f"{CONTROLLER_ROOT[version]}/me/")
    if version in GATEWAY_VERSIONS:
        api.obj("GET", f"{GATEWAY}/me/")
