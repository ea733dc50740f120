"""scripts/setup_aap.py against the emulator over real HTTP, for AAP 2.4, 2.5 and 2.6."""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts import setup_aap
from tests.seed.aap_contents import API_ROOT, EXPECTED_IDS, assert_seeded_contents, snapshot

VERSIONS = ("2.4", "2.5", "2.6")
TOKEN_URL = {"2.4": "/api/o/token/", "2.5": "/o/token/", "2.6": "/o/token/"}
ACCESS_KEYS = {
    "aap_url",
    "aap_protocol",
    "aap_address",
    "aap_port",
    "aap_version",
    "client_id",
    "client_secret",
    "access_token",
    "refresh_token",
}
SEED_TIMEOUT = "60"


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


def run_main(argv: Sequence[str]) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = setup_aap.main(list(argv))
    return Outcome(code, out.getvalue(), err.getvalue())


def seed_args(url: str, password: str, version: str, output: Path) -> list[str]:
    return [
        "--url",
        url,
        f"--password={password}",  # a generated password may start with "-"
        "--version",
        version.replace(".", ""),
        "--json-output",
        str(output),
        "--timeout",
        SEED_TIMEOUT,
    ]


@dataclass
class Seeded:
    version: str
    url: str
    password: str
    output: Path
    first: Outcome
    first_access: dict[str, Any]
    first_state: dict[str, Any]
    second: Outcome
    second_access: dict[str, Any]
    second_state: dict[str, Any]


@pytest.fixture(scope="module", params=VERSIONS)
def seeded(
    request: pytest.FixtureRequest,
    aapsim_server: Callable[..., Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> Seeded:
    """A fresh emulator seeded twice; both results kept for the tests to inspect."""
    version: str = request.param
    url, password = aapsim_server(version)
    output = tmp_path_factory.mktemp(f"seed{version}") / "aap_access.json"
    first = run_main(seed_args(url, password, version, output))
    first_access = json.loads(output.read_text()) if output.exists() else {}
    first_state = snapshot(url, password, version)
    second = run_main(seed_args(url, password, version, output))
    second_access = json.loads(output.read_text()) if output.exists() else {}
    second_state = snapshot(url, password, version)
    return Seeded(
        version,
        url,
        password,
        output,
        first,
        first_access,
        first_state,
        second,
        second_access,
        second_state,
    )


def test_first_run_succeeds(seeded: Seeded) -> None:
    assert seeded.first.code == 0, seeded.first.stderr
    assert seeded.first.stderr == ""
    assert "launched 4" in seeded.first.stdout


def test_aap_contents_after_seeding(seeded: Seeded) -> None:
    assert_seeded_contents(seeded.first_state)


def test_summary_reports_real_ids(seeded: Seeded) -> None:
    out = seeded.first.stdout
    assert "org2=2" in out
    assert "label1-org1=1 label2-org1=2 label3-org2=3 label4-org2=4" in out
    assert "project2-org1=8 project3-org1=9 project4-org2=10" in out
    assert "jobtemplate2-org1=11 jobtemplate3-org1=12" in out
    assert "jobtemplate2-org1=4,5 jobtemplate3-org1=6,7" in out


def test_second_run_changes_nothing(seeded: Seeded) -> None:
    assert seeded.second.code == 0, seeded.second.stderr
    assert seeded.second.stderr == ""
    assert seeded.second_state == seeded.first_state
    assert "launched 0" in seeded.second.stdout
    assert "(reused), refreshed the stored token" in seeded.second.stdout
    for kind in ("organizations", "labels", "projects", "job templates", "label links"):
        assert f"{kind}:" in seeded.second.stdout
    assert "(created 1)" not in seeded.second.stdout
    assert "(created 0)" in seeded.second.stdout
    # The application and its secret are reused; only the token is new.
    assert seeded.second_access["client_id"] == seeded.first_access["client_id"]
    assert seeded.second_access["client_secret"] == seeded.first_access["client_secret"]
    assert seeded.second_access["access_token"] != seeded.first_access["access_token"]


def test_access_file(seeded: Seeded) -> None:
    access = seeded.second_access
    assert set(access) == ACCESS_KEYS
    assert access["aap_version"] == seeded.version
    assert access["aap_url"] == seeded.url
    assert access["aap_protocol"] == "http"
    assert access["aap_address"] == "127.0.0.1"
    assert access["aap_port"] == seeded.url.rsplit(":", 1)[1]
    assert stat.S_IMODE(seeded.output.stat().st_mode) == 0o600
    assert seeded.password not in seeded.output.read_text()


def test_no_secret_printed(seeded: Seeded) -> None:
    printed = seeded.first.stdout + seeded.first.stderr + seeded.second.stdout
    for access in (seeded.first_access, seeded.second_access):
        for key in ("client_secret", "access_token", "refresh_token"):
            assert access[key] not in printed
    assert seeded.password not in printed


def test_token_works_and_refreshes(seeded: Seeded) -> None:
    access = seeded.second_access
    me = f"{API_ROOT[seeded.version]}/me/"
    with httpx.Client(base_url=seeded.url, timeout=10) as client:
        bearer = {"Authorization": f"Bearer {access['access_token']}"}
        assert client.get(me, headers=bearer).status_code == 200
        # The first run's token was replaced by the second run's.
        old = {"Authorization": f"Bearer {seeded.first_access['access_token']}"}
        assert client.get(me, headers=old).status_code == 401
        resp = client.post(
            TOKEN_URL[seeded.version],
            data={"grant_type": "refresh_token", "refresh_token": access["refresh_token"]},
            auth=(access["client_id"], access["client_secret"]),
        )
        assert resp.status_code in (200, 201), resp.text
        fresh = resp.json()["access_token"]
        assert client.get(me, headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


@pytest.mark.parametrize("version", VERSIONS)
def test_lost_access_file_recreates_application(
    version: str, aapsim_server: Callable[..., Any], tmp_path: Path
) -> None:
    url, password = aapsim_server(version)
    output = tmp_path / "aap_access.json"
    assert run_main(seed_args(url, password, version, output)).code == 0
    before = json.loads(output.read_text())
    state = snapshot(url, password, version)
    output.unlink()
    again = run_main(seed_args(url, password, version, output))
    assert again.code == 0, again.stderr
    assert "(recreated)" in again.stdout
    after = json.loads(output.read_text())
    assert after["client_id"] != before["client_id"]
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert snapshot(url, password, version) == state
    with httpx.Client(base_url=url, timeout=10) as client:
        resp = client.post(
            TOKEN_URL[version],
            data={"grant_type": "refresh_token", "refresh_token": after["refresh_token"]},
            auth=(after["client_id"], after["client_secret"]),
        )
        assert resp.status_code in (200, 201), resp.text


def test_existing_file_mode_is_replaced(aapsim_server: Callable[..., Any], tmp_path: Path) -> None:
    url, password = aapsim_server("2.6")
    output = tmp_path / "aap_access.json"
    output.write_text("{}")
    output.chmod(0o644)
    assert run_main(seed_args(url, password, "2.6", output)).code == 0
    assert stat.S_IMODE(output.stat().st_mode) == 0o600


# --------------------------------------------------------------------------------------------
# Errors: exit 2, one line on stderr, no traceback, nothing written


def assert_one_line_error(outcome: Outcome, *needles: str) -> None:
    assert outcome.code == 2
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("setup_aap: ")
    assert "Traceback" not in outcome.stderr + outcome.stdout
    for needle in needles:
        assert needle in lines[0]


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_wrong_url(tmp_path: Path) -> None:
    output = tmp_path / "aap_access.json"
    url = f"http://127.0.0.1:{closed_port()}"
    outcome = run_main(seed_args(url, "pw", "2.6", output))
    assert_one_line_error(outcome, "not reachable", "connection refused", "--url")
    assert not output.exists()


def test_unresolvable_host(tmp_path: Path) -> None:
    outcome = run_main(seed_args("http://aap.invalid:8080", "pw", "2.6", tmp_path / "a.json"))
    assert_one_line_error(outcome, "not reachable", "--url")


@pytest.mark.parametrize("version", VERSIONS)
def test_wrong_password(version: str, aapsim_server: Callable[..., Any], tmp_path: Path) -> None:
    url, password = aapsim_server(version)
    output = tmp_path / "aap_access.json"
    outcome = run_main(seed_args(url, password + "-wrong", version, output))
    assert_one_line_error(outcome, "401", "--password")
    assert password not in outcome.stderr
    assert not output.exists()
    assert snapshot(url, password, version)["labels"] == []


@pytest.mark.parametrize(("actual", "requested"), [("2.4", "2.6"), ("2.6", "2.4"), ("2.5", "2.6")])
def test_wrong_version(
    actual: str, requested: str, aapsim_server: Callable[..., Any], tmp_path: Path
) -> None:
    url, password = aapsim_server(actual)
    output = tmp_path / "aap_access.json"
    outcome = run_main(seed_args(url, password, requested, output))
    assert_one_line_error(outcome, f"is version {actual}", f"not the requested {requested}")
    assert not output.exists()


@contextlib.contextmanager
def not_aap_server(
    status: int, body: bytes, content_type: str, only: str | None = None
) -> Iterator[str]:
    """A plain HTTP server that answers every request the same way (or only path `only`,
    and 404 to the rest)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status if only in (None, self.path) else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_non_json_response(tmp_path: Path) -> None:
    with not_aap_server(200, b"<html>hello</html>", "text/html") as url:
        outcome = run_main(seed_args(url, "pw", "2.6", tmp_path / "a.json"))
    assert_one_line_error(outcome, "not JSON", "--url")


def test_not_an_aap(tmp_path: Path) -> None:
    with not_aap_server(404, b"<html>nope</html>", "text/html") as url:
        outcome = run_main(seed_args(url, "pw", "2.6", tmp_path / "a.json"))
    assert_one_line_error(outcome, "no AAP ping endpoint", "--url")


AWX_PING = b'{"version": "24.6.1", "active_node": "awx"}'


def test_an_awx_is_not_taken_for_an_aap(tmp_path: Path) -> None:
    with not_aap_server(200, AWX_PING, "application/json", only="/api/v2/ping/") as url:
        outcome = run_main(seed_args(url, "pw", "2.4", tmp_path / "a.json"))
    assert_one_line_error(outcome, "runs AWX 24.6.1, not AAP", "--version awx")


def test_an_aap_is_not_taken_for_an_awx(aapsim_server: Callable[..., Any], tmp_path: Path) -> None:
    url, password = aapsim_server("2.4")
    outcome = run_main(seed_args(url, password, "awx", tmp_path / "a.json"))
    assert_one_line_error(outcome, "is version 2.4", "not the requested awx")


def test_server_error(tmp_path: Path) -> None:
    with not_aap_server(500, b'{"detail": "boom"}', "application/json") as url:
        outcome = run_main(seed_args(url, "pw", "2.6", tmp_path / "a.json"))
    assert_one_line_error(outcome, "HTTP 500", "boom")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--url", "http://h:1/"], "AAP_PASSWORD"),
        (["--password", "x"], "--url"),
        (["--url", "ftp://h:1", "--password", "x"], "scheme://host:port"),
        (["--url", "http://h:1/api", "--password", "x"], "drop path"),
        (["--url", "http://h:1", "--password", "x", "--version", "27"], "24, 25, 26 or awx"),
        (
            ["--url", "http://h:1", "--password", "x", "--json-output", "/nonexistent/a.json"],
            "writable",
        ),
    ],
)
def test_bad_arguments(argv: list[str], needle: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AAP_PASSWORD", raising=False)
    assert_one_line_error(run_main(argv), needle)


def test_version_aliases_and_url() -> None:
    assert {setup_aap.VERSION_ALIASES[v] for v in ("24", "2.4")} == {"2.4"}
    target = setup_aap.parse_url("https://aap.example.com/")
    assert (target.url, target.port) == ("https://aap.example.com", 443)


def test_runs_as_a_script(aapsim_server: Callable[..., Any], tmp_path: Path) -> None:
    """`python scripts/setup_aap.py` with the password from AAP_PASSWORD and no --version."""
    url, password = aapsim_server("2.5")
    script = Path(setup_aap.__file__).resolve()
    env = {**os.environ, "AAP_PASSWORD": password}
    proc = subprocess.run(
        [sys.executable, str(script), "--url", url, "--timeout", SEED_TIMEOUT],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "AAP 2.5" in proc.stdout
    access = json.loads((tmp_path / "aap_access.json").read_text())
    assert access["aap_version"] == "2.5"
    assert snapshot(url, password, "2.5")["jobs"] == EXPECTED_IDS["jobs"]


def test_stale_refresh_token_gets_a_new_token(
    aapsim_server: Callable[..., Any], tmp_path: Path
) -> None:
    """A dashboard already rotated the stored pair: the rerun falls back to a new token."""
    url, password = aapsim_server("2.6")
    output = tmp_path / "aap_access.json"
    assert run_main(seed_args(url, password, "2.6", output)).code == 0
    before = json.loads(output.read_text())
    with httpx.Client(base_url=url, timeout=10) as client:
        resp = client.post(
            TOKEN_URL["2.6"],
            data={"grant_type": "refresh_token", "refresh_token": before["refresh_token"]},
            auth=(before["client_id"], before["client_secret"]),
        )
        assert resp.status_code == 201
    again = run_main(seed_args(url, password, "2.6", output))
    assert again.code == 0, again.stderr
    assert "(reused), new token" in again.stdout
    after = json.loads(output.read_text())
    assert after["client_id"] == before["client_id"]
    with httpx.Client(base_url=url, timeout=10) as client:
        me = client.get(
            "/api/controller/v2/me/", headers={"Authorization": f"Bearer {after['access_token']}"}
        )
        assert me.status_code == 200


@contextlib.contextmanager
def resetting_server() -> Iterator[tuple[str, list[str]]]:
    """Answers the first request of each connection (keep-alive) and resets the connection
    at its second, as a proxy that closed an idle connection does; the requests it got."""
    import socket
    import struct

    seen: list[str] = []
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            first = conn.recv(65536).decode(errors="replace").split("\r\n", 1)[0]
            seen.append(first)
            body = b'{"ok": true}'
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
            )
            conn.sendall(head.encode() + body)
            if conn.recv(65536):  # the reuse: reset instead of an answer (linger 0: RST)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    finally:
        stop.set()
        thread.join()
        listener.close()


def test_a_reset_kept_alive_connection_is_retried_once_for_idempotent_requests() -> None:
    from scripts.aap_client import Api, SetupError

    with resetting_server() as (url, seen):
        api = Api(url, "admin", "pw")
        try:
            assert api.call("GET", "/api/v2/ping/") == {"ok": True}
            assert api.call("GET", "/api/v2/ping/") == {"ok": True}  # reset, then again
            assert seen == ["GET /api/v2/ping/ HTTP/1.1"] * 2, seen
            closed = r"not reachable \((ReadError|RemoteProtocolError)"
            with pytest.raises(SetupError, match=closed):
                api.call("POST", "/api/v2/organizations/", json_body={"name": "x"})
        finally:
            api.close()
