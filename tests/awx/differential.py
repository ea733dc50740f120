"""Send the same request to two servers and list how the answers differ.

A difference is one line, `<request> | <where> | <emulator> | <awx>`, where `where` is
`status`, `header <name>`, `body <path>` (a key only one side has, or a value of another type)
or `body` (not JSON on one side). Explained ones match an entry of
images/aapsim/awx-differences.yaml: request and where as shell-style patterns.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parents[2]
REQUESTS_FILE = Path(__file__).with_name("requests.yaml")
EXPLAINED_FILE = REPO / "images" / "aapsim" / "awx-differences.yaml"
# Compared by value; the others in PRESENCE only by whether they are there.
HEADERS = (
    "content-type",
    "allow",
    "location",
    "x-api-product-name",
    "x-api-product-version",
    "www-authenticate",
    "x-api-session-cookie-name",
)
PRESENCE = ("x-api-node", "x-api-time", "x-api-total-time", "x-api-request-id", "vary")
DEPTH = 3  # body keys compared this deep; lists by their first item
MALFORMED = b'{"name": "x",'


@dataclass(frozen=True)
class Server:
    url: str
    password: str


@dataclass(frozen=True)
class Request:
    client: str
    method: str
    path: str
    body: str | None = None  # "{}" JSON, <malformed>, <anonymous>, <bad-token>, <session>

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}" + (f" {self.body}" if self.body else "")

    def send(self, server: Server) -> httpx.Response:
        url = server.url + (self.path if self.path.startswith("/") else f"/api/v2/{self.path}")
        if self.body == "<session>":
            return self._in_session(server, url)
        headers = {"Content-Type": "application/json"}
        auth: httpx.Auth | None = httpx.BasicAuth("admin", server.password)
        content = None
        if self.body == "<anonymous>":
            auth = None
        elif self.body == "<bad-token>":
            auth, headers["Authorization"] = None, "Bearer not-a-token"
        elif self.body == "<malformed>":
            content = MALFORMED
        elif self.body is not None:
            content = self.body.encode()
        return httpx.request(
            self.method, url, headers=headers, auth=auth, content=content, timeout=60
        )

    def _in_session(self, server: Server, url: str) -> httpx.Response:
        """Log in as awxkit does on 2.4 (GET /api/login/ for the CSRF cookie, POST the form),
        then send the request with the session cookie and the CSRF header."""
        with httpx.Client(base_url=server.url, timeout=60) as client:
            client.get("/api/login/")
            csrf = client.cookies.get("csrftoken", "")
            form = {"username": "admin", "password": server.password, "next": "/api/"}
            client.post("/api/login/", data=form, headers={"X-CSRFToken": csrf})
            headers = {"X-CSRFToken": client.cookies.get("csrftoken", "")}
            return client.request(self.method, url, headers=headers)


@dataclass(frozen=True)
class Explained:
    request: str
    where: str
    reason: str
    kind: str
    values: str = "*"  # "<emulator> | <awx>"

    def covers(self, line: str) -> bool:
        request, where, values = line.split(" | ", 2)
        return (
            fnmatch.fnmatchcase(request, self.request)
            and fnmatch.fnmatchcase(where, self.where)
            and fnmatch.fnmatchcase(values, self.values)
        )


def load_requests(path: Path = REQUESTS_FILE) -> list[Request]:
    out = []
    for client, lines in yaml.safe_load(path.read_text()).items():
        for line in lines:
            method, target, *rest = line.split(" ", 2)
            out.append(Request(client, method, target, rest[0] if rest else None))
    return out


def load_explained(path: Path = EXPLAINED_FILE) -> list[Explained]:
    entries = yaml.safe_load(path.read_text())["differences"]
    return [
        Explained(e["request"], e["where"], e["reason"], e["kind"], e.get("values", "*"))
        for e in entries
    ]


def shape(value: Any, depth: int = 0) -> Any:
    """Keys and value types, not values: the two servers' ids, dates and tokens differ."""
    if isinstance(value, dict):
        if depth >= DEPTH:
            return "dict"
        return {k: shape(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0], depth + 1)] if value else []
    return type(value).__name__


def body_differences(sim: Any, awx: Any, where: str = "") -> list[tuple[str, str, str]]:
    if isinstance(sim, dict) and isinstance(awx, dict):
        out = []
        for key in sorted(set(sim) | set(awx)):
            here = f"{where}.{key}"
            if key not in awx:
                out.append((here, "present", "absent"))
            elif key not in sim:
                out.append((here, "absent", "present"))
            else:
                out += body_differences(sim[key], awx[key], here)
        return out
    if isinstance(sim, list) and isinstance(awx, list):
        return body_differences(sim[0], awx[0], where + "[0]") if sim and awx else []
    if sim != awx:
        return [(where or ".", _kind(sim), _kind(awx))]
    return []


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, list):
        return "list"
    return str(value)


def _json(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        return response.json()
    except json.JSONDecodeError:
        return None


def compare(request: Request, sim: httpx.Response, awx: httpx.Response) -> list[str]:
    label = request.label
    lines = []
    if sim.status_code != awx.status_code:
        lines.append(f"{label} | status | {sim.status_code} | {awx.status_code}")
    for name in HEADERS:
        a, b = sim.headers.get(name), awx.headers.get(name)
        if a != b:
            lines.append(f"{label} | header {name} | {a} | {b}")
    for name in PRESENCE:
        a, b = name in sim.headers, name in awx.headers
        if a != b:
            lines.append(f"{label} | header {name} | {_present(a)} | {_present(b)}")
    body_sim, body_awx = _json(sim), _json(awx)
    if (body_sim is None) != (body_awx is None):
        lines.append(f"{label} | body | {_is_json(body_sim)} | {_is_json(body_awx)}")
    elif body_sim is not None:
        for where, a, b in body_differences(shape(body_sim), shape(body_awx)):
            lines.append(f"{label} | body {where} | {a} | {b}")
    return lines


def _present(flag: bool) -> str:
    return "present" if flag else "absent"


def _is_json(body: Any) -> str:
    return "not JSON" if body is None else "JSON"
