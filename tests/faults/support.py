"""Running tasks as a user runs them, for the fault matrix: exit code, output, leftovers."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import docker
import pytest
import yaml

from imagetest.core.constants import REPO_ROOT
from imagetest.engine.dockerutil import labelled, leftovers

NOTHING_LEFT = {"containers": [], "networks": [], "volumes": []}
RUN_ID = re.compile(r"\bIMAGETEST_RUN=(\S+)")
# what a raw library error looks like on screen; none may reach the user
RAW_NAMES = re.compile(
    r"Traceback|\b(APIError|NotFound|OperationalError|AdminShutdown|UndefinedColumn|"
    r"ValueError|OverflowError|KeyError|TypeError|OSError|ConnectError|HTTPError|"
    r"DockerException|RuntimeError)\b"
)
INVOKE = [sys.executable, "-m", "invoke"]


def invoke(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`invoke ARGS` from the repository, to the end."""
    return subprocess.run(
        [*INVOKE, *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The task's final message (stderr from its `error...` line on)."""
    err = result.stderr
    start = err.rfind("\nerror")
    return err[start + 1 :] if start >= 0 else err[err.find("error") :]


def assert_clean_message(text: str) -> None:
    found = RAW_NAMES.search(text)
    assert found is None, f"raw library name {found.group(0)!r} shown to the user:\n{text}"


class Streamed:
    """A task in its own process group; output read line by line as it comes."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [*INVOKE, *args],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            process_group=0,
        )
        self.lines: list[tuple[float, str]] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line))
            self._queue.put(line)
        self._queue.put(None)

    @property
    def output(self) -> str:
        return "".join(line for _, line in self.lines)

    def when(self, needle: str) -> float | None:
        """When the first line holding ``needle`` was read (monotonic clock)."""
        return next((t for t, line in self.lines if needle in line), None)

    def wait_for(self, needle: str | tuple[str, ...], timeout: float = 300) -> None:
        """Until a line holds ``needle`` (or one of them); fail if the task ends first."""
        needles = (needle,) if isinstance(needle, str) else needle
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                pytest.fail(f"ended before {needle!r}:\n{self.output[-4000:]}")
            if any(n in line for n in needles):
                return
        pytest.fail(f"no {needle!r} within {timeout} s:\n{self.output[-4000:]}")

    def signal_group(self, signum: int = signal.SIGINT) -> None:
        """As Ctrl-C in a terminal: the whole process group."""
        os.killpg(self.proc.pid, signum)

    def run_id(self) -> str:
        found = RUN_ID.search(self.output)
        assert found, f"no IMAGETEST_RUN=<id> printed:\n{self.output[-3000:]}"
        return found.group(1)

    def finish(self, timeout: float = 180) -> int:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"still running after {timeout} s:\n{self.output[-4000:]}")
        self._reader.join(timeout=10)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


def container(client: docker.DockerClient, run_id: str, service: str) -> Any:
    return client.containers.get(f"imagetest-{run_id}-{service}-1")


def assert_nothing_left(client: docker.DockerClient, run_id: str, runs_dir: Path) -> None:
    assert leftovers(client, run_id) == NOTHING_LEFT
    assert not (runs_dir / run_id).exists(), f"{runs_dir / run_id} (with secrets) was left"


def summary(artifacts: Path) -> dict[str, Any]:
    path = artifacts / "summary.json"
    assert path.is_file(), f"no summary.json in {artifacts}"
    return dict(json.loads(path.read_text()))


def expected_variant(tmp_path: Path, name: str, change: Any) -> Path:
    """expected/aap-2.6.yaml with ``change(data)`` applied, written to ``tmp_path/name``."""
    data = yaml.safe_load((REPO_ROOT / "expected" / "aap-2.6.yaml").read_text())
    change(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def with_count(tmp_path: Path, entity: str, count: int) -> Path:
    """expected/aap-2.6.yaml with one entity's count changed (a wrong expectation)."""

    def change(data: dict[str, Any]) -> None:
        for entry in data["entities"]:
            if entry["entity"] == entity and not entry.get("filter"):
                entry["count"] = count

    return expected_variant(tmp_path, f"wrong-{entity}.yaml", change)


def more_syncs(tmp_path: Path) -> Path:
    """Expects a third sync that never comes: `wait` keeps polling until something happens."""

    def change(data: dict[str, Any]) -> None:
        for entry in data["entities"]:
            if entry.get("filter") == {"type": "sync"}:
                entry["count"] = 3

    return expected_variant(tmp_path, "three-syncs.yaml", change)


COMPOSE_FILES_LABEL = "com.docker.compose.project.config_files"


def runs_started_under(client: docker.DockerClient, runs_dir: Path) -> set[str]:
    """Run ids of the containers whose stack a test started with ``runs_dir`` as its runs
    directory (its compose override lives there). A test that says "nothing left behind"
    looks at these, not at the whole engine: another clone's stack may share the engine."""
    found = labelled(client, {"label": "io.imagetest.run"})
    return {
        c.labels["io.imagetest.run"]
        for c in found
        if str(runs_dir) in c.labels.get(COMPOSE_FILES_LABEL, "")
    }
