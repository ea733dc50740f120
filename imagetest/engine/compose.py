"""``docker compose`` as a subprocess (there is no Compose SDK)."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import HarnessError
from imagetest.core.log import get_logger
from imagetest.core.proc import child_env, run_bounded
from imagetest.engine import podman

COMPOSE_DIR = REPO_ROOT / "compose"
BASE_FILE = COMPOSE_DIR / "compose.yml"
ENGINE25_FILE = COMPOSE_DIR / "compose.engine25.yml"
# --aap awx: the stack's AAP is the real AWX controller (images/awx)
AWX_FILE = COMPOSE_DIR / "compose.awx.yml"
log = get_logger("compose")


@functools.cache
def compose_version() -> str:
    """The Compose v2 version, or a HarnessError saying how to get it."""
    if not shutil.which("docker"):
        raise HarnessError("the docker CLI is not on PATH; run scripts/setup.sh")
    try:
        out = subprocess.run(
            ["docker", "compose", "version", "--short"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise HarnessError("`docker compose version` hangs; check the Docker CLI") from None
    version = out.stdout.strip().lstrip("v")
    if out.returncode != 0 or not version[:1].isdigit() or int(version.split(".")[0]) < 2:
        raise HarnessError(
            "Docker Compose v2 is missing (`docker compose version` failed); "
            "install the docker-compose-plugin or run scripts/setup.sh"
        )
    return version


class Compose:
    """One compose project: its files, env file and profiles."""

    def __init__(
        self,
        project: str,
        env_file: Path,
        files: Sequence[Path] = (BASE_FILE,),
        profiles: Sequence[str] = (),
    ) -> None:
        self.project = project
        self.env_file = env_file
        self.files = list(files)
        self.profiles = list(profiles)

    def variables(self) -> dict[str, str]:
        """The project's variables (written by the up stage as JSON, mode 0600)."""
        try:
            data = json.loads(self.env_file.read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()}

    def argv(self, *args: str) -> list[str]:
        argv = ["docker", "compose", "-p", self.project]
        for f in self.files:
            argv += ["-f", str(f)]
        for p in self.profiles:
            argv += ["--profile", p]
        return [*argv, *args]

    def run(
        self, *args: str, timeout: float | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        compose_version()
        argv = self.argv(*args)
        log.debug("$ %s", " ".join(argv))
        env = child_env({**self.variables(), "COMPOSE_ANSI": "never"})
        result = run_bounded(argv, what=f"`docker compose {args[0]}`", timeout=timeout, env=env)
        if check and result.returncode != 0:
            raise HarnessError(explain_failure(args[0], result.stderr or result.stdout))
        return result


# Compose/engine messages and the one line a user should read instead.
KNOWN_FAILURES: tuple[tuple[str, str], ...] = (
    ("port is already allocated", "a published port is in use; free it or pin another port"),
    ("address already in use", "a published port is in use; free it or pin another port"),
    ("pull access denied", "image not found (and not pullable); build it or fix --image"),
    ("manifest unknown", "image not found in the registry; check the tag"),
    ("No such image", "image not found; build it (invoke build) or fix --image"),
    ("not found: manifest", "image not found in the registry; check the tag"),
    ("is unhealthy", "a container is unhealthy"),
    ("exited (", "a container exited"),
    ("no space left on device", "the disk is full; free space for Docker"),
)


SERVICE_IN_NAME = re.compile(r"imagetest-[\w-]+?-(db|redis|aap|web|task)-\d+")


def explain_failure(command: str, output: str) -> str:
    lines = [ln.strip() for ln in output.strip().splitlines() if ln.strip()]
    last = lines[-1] if lines else "no output"
    service = SERVICE_IN_NAME.search(last)
    hint = f"; see containers/{service.group(1)}.log in the artifacts" if service else ""
    engine = podman.explain(output)
    if engine:
        return f"docker compose {command}: {engine} ({last})"
    for needle, meaning in KNOWN_FAILURES:
        if needle.lower() in output.lower():
            return f"docker compose {command}: {meaning} ({last}){hint}"
    return f"docker compose {command} failed: {last}{hint}"
