"""Run identity and state on disk: ``<runs>/<run-id>/`` and ``<runs>/current``.

:class:`Runs` is a runs directory as the Config names it (``runs_dir``, default ``.runs`` in
the repository; tests use a temporary one, so they never see or change the stack a user is
working on). ``current`` is written only by ``invoke up`` and ``test-image --keep``; the
``run`` option (``IMAGETEST_RUN=<id>``) selects any other run.

:class:`RunState` owns every path inside a run directory, and :class:`StackSpec` is the
frozen description of the stack written once at ``up``: single stages read the image, the
AAP version, the profile and the AAP's address from it, and nowhere else.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import socket
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from imagetest.core.config import Config
from imagetest.core.constants import PROJECT_PREFIX
from imagetest.core.errors import HarnessError

PORT_NAMES = ("db", "aap", "web")
STATE_NAME = "state.json"
CURRENT_NAME = "current"
KEPT_LOCK_NAME = ".kept.lock"
_held_locks: dict[Path, int] = {}  # runs root -> open lock file, held until the process ends


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


def choose_ports(pinned: Mapping[str, int] | None = None) -> dict[str, int]:
    """One distinct free port per published service; ``pinned`` (Config.ports()) fixes some."""
    ports: dict[str, int] = {}
    for name, port in (pinned or {}).items():
        check_port_free(port, name)
        ports[name] = port
    for name in PORT_NAMES:
        while name not in ports:
            port = free_port()
            if port not in ports.values():
                ports[name] = port
    return ports


@dataclass(frozen=True)
class StackSpec:
    """What a stack is, decided once at `up`; the options single stages inherit from it."""

    aap_version: str
    profile: str  # a name (reference, upstream) or an absolute path, as it was asked for
    image: str = ""  # the --image option; empty: the reference dashboard built locally
    external_aap: bool = False
    aap_url: str = ""  # as seen from the host
    aap_internal_url: str = ""  # as seen from the dashboard containers
    aap_username: str = "admin"
    aap_insecure: bool = False
    aap: str = "aapsim"  # the --aap the stack came up with: aapsim or awx

    def options(self) -> dict[str, Any]:
        """The Config layer of this stack (Config.with_stack)."""
        return {
            "aap": self.aap,
            "image": self.image or None,
            "aap_version": self.aap_version,
            "profile": self.profile,
            "aap_url": self.aap_url if self.external_aap else None,
            "aap_username": self.aap_username,
            "aap_insecure": self.aap_insecure or None,
        }


@dataclass
class RunState:
    """What single stages need to find and drive a stack that is up."""

    run_id: str
    project: str
    ports: dict[str, int]
    stack: StackSpec
    root: Path = field(compare=False, repr=False)  # the runs directory (not saved)
    images: dict[str, str] = field(default_factory=dict)
    db: dict[str, str] = field(default_factory=dict)
    artifacts: str = ""
    compose_files: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    owner: str = ""  # core/owner: the process the stack lives for, or "kept"
    upgraded_from: str = ""  # the dashboard image before a scenario's `upgrade` step

    # -- every path of a run directory ----------------------------------------------------

    @property
    def run_dir(self) -> Path:
        return self.root / self.run_id

    @property
    def state_file(self) -> Path:
        return self.run_dir / STATE_NAME

    @property
    def env_file(self) -> Path:
        """compose.env.json: the project variables, passed as compose's environment."""
        return self.run_dir / "compose.env.json"

    @property
    def dashboard_env_file(self) -> Path:
        """dashboard.env: the image's own variable names."""
        return self.run_dir / "dashboard.env"

    @property
    def override_file(self) -> Path:
        """compose.profile.yml: what the profile adds to the stack."""
        return self.run_dir / "compose.profile.yml"

    @property
    def files_dir(self) -> Path:
        """The profile's rendered files, bind-mounted into web and task."""
        return self.run_dir / "files"

    @property
    def password_file(self) -> Path:
        """The emulator's per-run admin password."""
        return self.run_dir / "aap_admin_password"

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
        data = asdict(self)
        data.pop("root")
        write_private(self.state_file, json.dumps(data, indent=2))


def write_private(path: Path, text: str) -> None:
    """Write a file readable by the owner only (it may hold secrets), whole or not at all:
    a full or read-only disk leaves the old file as it was and is one HarnessError naming
    the path, never an empty state behind `current`."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise unwritable(path, exc) from None


def unwritable(path: Path, exc: OSError) -> HarnessError:
    """A runs directory that refuses a write (full or read-only disk)."""
    return HarnessError(
        f"cannot write {path} ({exc.strerror or exc}); free space on that disk, or set "
        "IMAGETEST_RUNS_DIR to a writable directory"
    )


class UnreadableState(HarnessError):
    """A run's state.json that cannot be used; its stack is still found by its labels."""

    def __init__(self, message: str, *, run_id: str) -> None:
        super().__init__(message)
        self.run_id = run_id


@dataclass(frozen=True)
class Runs:
    """A runs directory: the states in it and which one single stages act on."""

    root: Path
    selected: str | None = None  # the `run` option (IMAGETEST_RUN)

    @classmethod
    def of(cls, config: Config) -> Runs:
        return cls(config.runs_root(), (config.run or "").strip() or None)

    @property
    def clone(self) -> str:
        """This runs directory's id on the engine (a label): the reaper and ``teardown --all``
        never touch another clone's stacks, nor those of the tests' own runs directories."""
        return hashlib.sha256(str(self.root.resolve()).encode()).hexdigest()[:12]

    def hold_kept_lock(self, command: str) -> None:
        """One process at a time starts this clone's kept stack: the lock is held until this
        process ends; a second `invoke up` (or `--keep`) meanwhile refuses in one line."""
        if self.root in _held_locks:
            return
        path = self.root / KEPT_LOCK_NAME
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise unwritable(path, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise HarnessError(
                f"{holder} is starting this clone's kept stack; wait for it to finish, "
                "or run throw-away stacks (test-image without --keep) side by side"
            ) from None
        _held_locks[self.root] = fd
        try:  # who holds it, for the message above; a full disk only loses that
            os.ftruncate(fd, 0)
            os.write(fd, f"`{command}` (pid {os.getpid()})".encode())
        except OSError:
            pass

    def run_ids(self) -> list[str]:
        """The runs this directory has state for."""
        if not self.root.is_dir():
            return []
        return sorted(p.parent.name for p in self.root.glob(f"*/{STATE_NAME}"))

    def current_id(self) -> str | None:
        """The selected run if any (drive one stack among several), else ``current``."""
        return self.selected or self._current_file()

    def _current_file(self) -> str | None:
        try:
            run_id = (self.root / CURRENT_NAME).read_text().strip()
        except FileNotFoundError:
            return None
        return run_id or None

    def load(self, run_id: str | None = None) -> RunState | None:
        """The state of ``run_id`` (default: the current stack), or None."""
        run_id = run_id or self.current_id()
        if not run_id:
            return None
        path = self.root / run_id / STATE_NAME
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            raise UnreadableState(
                f"{path} cannot be read (empty or damaged); remove that stack with "
                f"`invoke teardown --run-id {run_id}` (it works from the containers' labels)",
                run_id=run_id,
            ) from None
        try:
            spec = StackSpec(**data.pop("stack"))
            return RunState(**data, stack=spec, root=self.root)
        except (KeyError, TypeError, AttributeError):
            raise UnreadableState(
                f"{path} is from another version of the harness; "
                f"remove that stack with `invoke teardown --run-id {run_id}`",
                run_id=run_id,
            ) from None

    def require(self) -> RunState:
        state = self.load()
        if state is None:
            raise HarnessError("no stack is up; run `invoke up` first")
        return state

    def make_current(self, run_id: str) -> None:
        write_private(self.root / CURRENT_NAME, run_id + "\n")

    def clear_current(self, run_id: str) -> None:
        """Forget ``run_id`` as the current stack if ``current`` names it.

        The file itself is read, not the selection: tearing down a run selected by
        IMAGETEST_RUN must not drop another stack from ``current``.
        """
        if self._current_file() == run_id:
            (self.root / CURRENT_NAME).unlink(missing_ok=True)
