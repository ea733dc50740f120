"""Ctrl-C and SIGTERM during `invoke test-image`: diagnostics kept, nothing left running.

The run is started as a user starts it (`.venv/bin/invoke test-image` from the repository,
in its own process group) and signalled once its stack is up.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from imagetest.config import REPO_ROOT
from imagetest.dockerutil import leftovers, sweep
from imagetest.pipeline import EXIT_INTERRUPTED

pytestmark = [
    pytest.mark.docker,
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.usefixtures("private_runs_dir"),
]
INVOKE = REPO_ROOT / ".venv" / "bin" / "invoke"
STACK_UP_TIMEOUT = 600  # until the marker: bring-up may build missing images
EXIT_TIMEOUT = 180  # after the signal: diagnostics and teardown
# the stack is up and a stage is working against it
MARKERS = ("[PHASE] seed started", "[PHASE] sync started")
RUN_ID = re.compile(r"\bIMAGETEST_RUN=(\S+)")
NOTHING_LEFT = {"containers": [], "networks": [], "volumes": []}


class Run:
    """`invoke test-image` in its own process group; its merged output read line by line."""

    def __init__(self, artifacts: Path) -> None:
        argv = [str(INVOKE), "test-image", "--artifacts", str(artifacts)]
        self.proc = subprocess.Popen(
            argv,
            cwd=REPO_ROOT,
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            process_group=0,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            self._queue.put(line)
        self._queue.put(None)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_line(self, needles: tuple[str, ...], timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                pytest.fail(f"test-image ended before {needles}:\n{self.output[-3000:]}")
            if any(n in line for n in needles):
                return line
        pytest.fail(f"no {needles} within {timeout} s:\n{self.output[-3000:]}")

    def run_id(self) -> str:
        found = RUN_ID.search(self.output)
        assert found, f"test-image did not print IMAGETEST_RUN=<id>:\n{self.output[-3000:]}"
        return found.group(1)

    def wait(self, timeout: float) -> int:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"test-image still running {timeout} s after the signal:\n{self.output}")
        self._reader.join(timeout=10)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


@pytest.fixture
def started_run(docker_client: docker.DockerClient, tmp_path: Path) -> Iterator[Run]:
    """A run whose stack is up; whatever a failing test leaves is removed afterwards."""
    run = Run(tmp_path / "artifacts")
    try:
        run.wait_for_line(MARKERS, STACK_UP_TIMEOUT)
        yield run
    finally:
        run.kill()
        found = RUN_ID.search(run.output)
        if found:
            sweep(docker_client, found.group(1))


def assert_interrupted_and_clean(
    docker_client: docker.DockerClient, run: Run, code: int, artifacts: Path
) -> None:
    output = run.output
    assert code == EXIT_INTERRUPTED, f"exit {code}:\n{output[-3000:]}"
    summary_file = artifacts / "summary.json"
    assert summary_file.is_file(), f"no summary.json:\n{output[-3000:]}"
    summary: dict[str, Any] = json.loads(summary_file.read_text())
    run_id = run.run_id()
    assert summary["run_id"] == run_id
    assert summary["verdict"] == "fail"
    assert summary["exit_code"] == EXIT_INTERRUPTED
    assert summary["error"] == "interrupted"
    stage = summary["failed_stage"]
    assert stage not in (None, "preflight", "images", "up"), summary["phases"]
    assert re.search(rf"\[PHASE\] {stage} failed \([\d.]+ s\): interrupted", output), output
    assert f"error (stage {stage}): interrupted" in output
    phases = {p["name"]: p["status"] for p in summary["phases"]}
    assert phases["diagnostics"] == "passed", summary["phases"]
    assert phases["teardown"] == "passed", summary["phases"]
    for service in ("db", "web", "task"):
        assert (artifacts / "containers" / f"{service}.log").stat().st_size > 0, service
    assert (artifacts / "compose-ps.txt").is_file()
    assert leftovers(docker_client, run_id) == NOTHING_LEFT


def test_sigterm_tears_down(
    docker_client: docker.DockerClient, started_run: Run, tmp_path: Path
) -> None:
    # as `kill PID` or a CI runner's timeout: the harness alone receives it
    started_run.proc.send_signal(signal.SIGTERM)
    code = started_run.wait(EXIT_TIMEOUT)
    assert_interrupted_and_clean(docker_client, started_run, code, tmp_path / "artifacts")


def test_ctrl_c_tears_down(
    docker_client: docker.DockerClient, started_run: Run, tmp_path: Path
) -> None:
    # as Ctrl-C in a terminal: the whole foreground process group, children included
    os.killpg(started_run.proc.pid, signal.SIGINT)
    code = started_run.wait(EXIT_TIMEOUT)
    assert_interrupted_and_clean(docker_client, started_run, code, tmp_path / "artifacts")
