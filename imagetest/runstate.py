"""Run identity and state on disk: ``.runs/<run-id>/`` and ``.runs/current``.

``IMAGETEST_RUNS_DIR`` moves ``.runs`` elsewhere (tests use a temporary directory, so they
never see or change the stack a user is working on). ``.runs/current`` is written only by
``invoke up`` and ``test-image --keep``; ``IMAGETEST_RUN=<id>`` selects any other run.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from imagetest.config import REPO_ROOT
from imagetest.errors import HarnessError

RUNS_DIR = REPO_ROOT / ".runs"  # the default of IMAGETEST_RUNS_DIR
RUNS_DIR_ENV = "IMAGETEST_RUNS_DIR"
PROJECT_PREFIX = "imagetest-"
RUN_LABEL = "io.imagetest.run"
PORT_NAMES = ("db", "aap", "web")
SELECT_ENV = "IMAGETEST_RUN"


def runs_dir() -> Path:
    """Where run states live: ``IMAGETEST_RUNS_DIR`` if set, else ``.runs`` in the repo."""
    configured = os.environ.get(RUNS_DIR_ENV, "").strip()
    return Path(configured).expanduser().absolute() if configured else RUNS_DIR


def new_run_id() -> str:
    """Short, sortable and unique: UTC time plus random hex."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


def project_name(run_id: str) -> str:
    return PROJECT_PREFIX + run_id


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the kernel picks from the ephemeral range)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def check_port_free(port: int, name: str, host: str = "127.0.0.1") -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            env = f"IMAGETEST_{name.upper()}_PORT"
            raise HarnessError(
                f"port {port} on {host} ({name}) is in use; free it or unset/change {env}"
            ) from None


def choose_ports(env: dict[str, str] | None = None) -> dict[str, int]:
    """One distinct free port per published service; ``IMAGETEST_<NAME>_PORT`` pins one."""
    env = dict(os.environ) if env is None else env
    ports: dict[str, int] = {}
    for name in PORT_NAMES:
        pinned = env.get(f"IMAGETEST_{name.upper()}_PORT")
        if pinned:
            if not pinned.isdigit() or not 0 < int(pinned) < 65536:
                raise HarnessError(f"IMAGETEST_{name.upper()}_PORT={pinned!r} is not a port")
            check_port_free(int(pinned), name)
            ports[name] = int(pinned)
    for name in PORT_NAMES:
        while name not in ports:
            port = free_port()
            if port not in ports.values():
                ports[name] = port
    return ports


@dataclass
class RunState:
    """What single stages need to find and drive a stack that is up."""

    run_id: str
    project: str
    ports: dict[str, int]
    aap_version: str
    profile: str
    images: dict[str, str] = field(default_factory=dict)
    external_aap: bool = False
    aap_url: str = ""  # as seen from the host
    aap_internal_url: str = ""  # as seen from the dashboard containers
    aap_username: str = "admin"
    aap_insecure: bool = False
    db: dict[str, str] = field(default_factory=dict)
    artifacts: str = ""
    compose_files: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    sync_started: float | None = None

    @property
    def run_dir(self) -> Path:
        return runs_dir() / self.run_id

    @property
    def env_file(self) -> Path:
        return self.run_dir / "compose.env.json"

    @property
    def access_file(self) -> Path:
        return self.run_dir / "aap_access.json"

    @property
    def clusters_file(self) -> Path:
        return self.run_dir / "clusters.yaml"

    def db_url(self, host: str = "127.0.0.1") -> str:
        d = self.db
        return f"postgresql://{d['user']}:{d['password']}@{host}:{self.ports['db']}/{d['name']}"

    def save(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        write_private(self.run_dir / "state.json", json.dumps(asdict(self), indent=2))

    def make_current(self) -> None:
        root = runs_dir()
        root.mkdir(parents=True, exist_ok=True)
        tmp = root / f".current.{os.getpid()}.tmp"
        tmp.write_text(self.run_id + "\n")
        tmp.replace(root / "current")


def write_private(path: Path, text: str) -> None:
    """Write a file readable by the owner only (it may hold secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


def current_run_id() -> str | None:
    """IMAGETEST_RUN if set (drive one stack among several), else ``.runs/current``."""
    if os.environ.get(SELECT_ENV):
        return os.environ[SELECT_ENV].strip()
    return _current_file_run_id()


def _current_file_run_id() -> str | None:
    try:
        run_id = (runs_dir() / "current").read_text().strip()
    except FileNotFoundError:
        return None
    return run_id or None


def load_state(run_id: str | None = None) -> RunState | None:
    """The state of ``run_id`` (default: the current stack), or None."""
    run_id = run_id or current_run_id()
    if not run_id:
        return None
    path = runs_dir() / run_id / "state.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    return RunState(**data)


def require_state(stage: str) -> RunState:
    state = load_state()
    if state is None:
        raise HarnessError("no stack is up; run `invoke up` first", stage=stage)
    return state


def clear_current(run_id: str) -> None:
    """Forget ``run_id`` as the current stack if ``.runs/current`` names it.

    The file itself is read, not IMAGETEST_RUN: tearing down a run selected by the
    variable must not drop another stack from ``current``.
    """
    if _current_file_run_id() == run_id:
        (runs_dir() / "current").unlink(missing_ok=True)
