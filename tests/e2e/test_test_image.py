"""`invoke test-image` end to end, run as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import docker
import pytest

from imagetest.core.constants import REPO_ROOT
from imagetest.engine.dockerutil import leftovers
from tests.faults.support import with_count

pytestmark = [
    pytest.mark.docker,
    pytest.mark.stack,
    pytest.mark.usefixtures("private_runs_dir"),
]
RUN_TIMEOUT = 900


def run_test_image(
    artifacts: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    argv = [sys.executable, "-m", "invoke", "test-image", "--artifacts", str(artifacts), *args]
    result = subprocess.run(
        argv,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    summary_file = artifacts / "summary.json"
    assert summary_file.is_file(), f"no summary.json; stderr:\n{result.stderr[-3000:]}"
    return result, json.loads(summary_file.read_text())


def test_wrong_count_fails_validate_with_exit_1(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    wrong = with_count(tmp_path, "Job", 5)
    job_summary = tmp_path / "step-summary.md"  # as a GitHub runner sets it
    result, summary = run_test_image(
        tmp_path / "artifacts", "--expected", str(wrong),
        env={"GITHUB_STEP_SUMMARY": str(job_summary)},
    )  # fmt: skip
    assert result.returncode == 1
    assert summary["failed_stage"] == "validate"
    assert "Expected 5 Job objects, got 4" in result.stderr
    text = job_summary.read_text()
    assert text.startswith("### ❌ imagetest: FAIL (AAP 2.6, exit 1)"), text
    assert "**Failed stage `validate`**" in text
    assert leftovers(docker_client, summary["run_id"])["containers"] == []


def test_failed_bring_up_leaves_nothing_and_keeps_diagnostics(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    # The web role exits at once: the stack never becomes healthy.
    env = {"IMAGETEST_WEB_COMMAND": "sh -c 'echo imagetest-broken-web; exit 3'"}
    result, summary = run_test_image(tmp_path, "--timeout", "60", env=env)
    assert result.returncode == 2
    assert summary["failed_stage"] == "up"
    # the failing service, its exit code and its log tail: on screen and in summary.json
    assert summary["error"].startswith("bring-up failed: service web exited (code 3)")
    assert "  | imagetest-broken-web" in summary["error"]
    assert f"error (stage up): {summary['error']}" in result.stderr
    assert leftovers(docker_client, summary["run_id"]) == {
        "containers": [],
        "networks": [],
        "volumes": [],
    }
    web_log = tmp_path / "containers" / "web.log"
    assert "imagetest-broken-web" in web_log.read_text()
    assert (tmp_path / "compose-ps.txt").is_file()
    assert (tmp_path / "containers" / "db.health.json").is_file()


def test_stuck_worker_times_out_and_cleans_up(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    # The worker never runs: syncdata's SyncJob stays pending, so the sync stage's wait for
    # the first sync times out; diagnostics must show the pending row.
    # ("run_dispatcher" as $0 keeps the image's own health check reading it as the worker)
    env = {
        "IMAGETEST_TASK_COMMAND": "sh -c 'touch /tmp/dispatcher.heartbeat; exec sleep 3600' "
        "run_dispatcher",
        "IMAGETEST_UP_TIMEOUT": "300",
    }
    result, summary = run_test_image(tmp_path, "--timeout", "8", env=env)
    assert result.returncode == 2
    assert summary["failed_stage"] == "sync"
    assert "timed out after 8 s" in summary["error"]
    rows = json.loads((tmp_path / "syncjobs.json").read_text())
    assert [r["status"] for r in rows] == ["pending"]
    access = json.loads((tmp_path / "aap_access.json").read_text())
    assert access["client_secret"] == "********"
    assert leftovers(docker_client, summary["run_id"]) == {
        "containers": [],
        "networks": [],
        "volumes": [],
    }
