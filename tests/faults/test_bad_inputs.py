"""Fault matrix, bad inputs: each ends at once with exit 2 and one line naming the cause.

Options are checked before anything starts (no run state, no container); the expected file
is checked against the profile in preflight, before any container starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docker
import pytest

from tests.faults.support import (
    assert_clean_message,
    error_line,
    expected_variant,
    invoke,
    summary,
)

pytestmark = pytest.mark.usefixtures("private_runs_dir")


@pytest.mark.parametrize(
    ("args", "cause"),
    [
        (["test-image", "--timeout", "nan"], "option timeout: 'nan' is out of range"),
        (["test-image", "--timeout", "inf"], "option timeout: 'inf' is out of range"),
        (["test-image", "--poll-interval", "nan"], "option poll-interval: 'nan'"),
        (["test-image", "--poll-interval", "1e400"], "option poll-interval: '1e400'"),
        (["wait", "--poll-interval", "1e400"], "option poll-interval: '1e400'"),
        (["sync", "--timeout", "-1"], "option timeout: '-1' is out of range"),
        (["seed", "--timeout", "soon"], "option timeout: 'soon' is not a number"),
        (["validate", "--timeout", "0"], "option timeout: '0' is out of range"),
        (["up", "--aap-version", "9.9"], "unknown AAP version '9.9'"),
        (["up", "--timeout", "nan"], "option timeout: 'nan'"),
        (["wait", "--aap-version", "9.9"], "unknown AAP version '9.9'"),
        (["matrix", "--timeout", "nan"], "option timeout: 'nan'"),
        (["matrix", "--aap-versions", "2.4,9.9"], "unknown AAP version 9.9"),
        (["matrix", "--jobs", "abc"], "option jobs: 'abc' is not a whole number above 0"),
        (["scenarios", "--jobs", "0"], "option jobs: '0' is not a whole number above 0"),
        (["logs", "--tail", "many"], "option tail: 'many' is not a whole number above 0"),
        (["test-image", "--artifacts", "/proc/imagetest-x"], "--artifacts /proc/imagetest-x"),
    ],
)
def test_bad_option_values_stop_before_anything_starts(
    private_runs_dir: Path, args: list[str], cause: str
) -> None:
    result = invoke(*args, timeout=60)
    assert result.returncode == 2, result.stderr
    message = error_line(result)
    assert cause in message
    assert message.count("\n") <= 1, f"more than one line:\n{message}"
    assert_clean_message(result.stderr)
    assert list(private_runs_dir.iterdir()) == []  # no run was started


def test_artifacts_path_that_is_a_file(private_runs_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "artifacts"
    blocker.write_text("not a directory")
    result = invoke("test-image", "--artifacts", str(blocker), timeout=60)
    assert result.returncode == 2
    assert error_line(result).strip() == (
        f"error: --artifacts {blocker}: a file is in the way; pass a directory path"
    )
    assert blocker.read_text() == "not a directory"
    assert list(private_runs_dir.iterdir()) == []


def unknown_entity(data: dict[str, Any]) -> None:
    data["entities"][7]["entity"] = "Jobz"


def unknown_filter(data: dict[str, Any]) -> None:
    data["entities"].append({"entity": "SyncJob", "filter": {"kind": "sync"}, "count": 2})


def older_version(data: dict[str, Any]) -> None:
    data["aap_version"] = "2.4"


@pytest.mark.docker
@pytest.mark.parametrize(
    ("change", "cause"),
    [
        (unknown_entity, "unknown entity 'Jobz'; profile reference knows"),
        (unknown_filter, "cannot filter SyncJob on 'kind'; profile reference maps"),
        (older_version, "is for AAP 2.4, the run is for AAP 2.6"),
    ],
)
def test_expected_file_checked_against_the_profile_before_containers(
    docker_client: docker.DockerClient, tmp_path: Path, change: Any, cause: str
) -> None:
    expected = expected_variant(tmp_path, "expected.yaml", change)
    artifacts = tmp_path / "artifacts"
    result = invoke("test-image", "--expected", str(expected), "--artifacts", str(artifacts))
    assert result.returncode == 2, result.stderr[-2000:]
    message = error_line(result)
    assert message.startswith("error (stage preflight): ")
    assert cause in message
    assert str(expected) in message
    assert_clean_message(result.stderr)
    found = summary(artifacts)
    assert found["failed_stage"] == "preflight"
    assert [p["name"] for p in found["phases"]] == ["preflight", "diagnostics", "teardown"]
    assert (
        docker_client.containers.list(
            all=True, filters={"label": f"io.imagetest.run={found['run_id']}"}
        )
        == []
    )


@pytest.mark.docker
def test_yaml_error_keeps_line_and_column(docker_client: docker.DockerClient, tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text('aap_version: "2.6"\nentities:\n  - entity: Job\n    count: [4\n')
    result = invoke("test-image", "--expected", str(broken), "--artifacts", str(tmp_path / "a"))
    assert result.returncode == 2
    assert "not valid YAML at line 5, column 1" in error_line(result)
    assert_clean_message(result.stderr)


@pytest.mark.docker
@pytest.mark.usefixtures("stack_images")  # the stack's own images are there: only --image is not
def test_offline_never_pulls_a_missing_image(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    artifacts = tmp_path / "artifacts"
    result = invoke(
        "test-image", "--image", "imagetest-does-not-exist:tag", "--offline",
        "--artifacts", str(artifacts),
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-2000:]
    message = error_line(result)
    assert message.startswith("error (stage images): image imagetest-does-not-exist:tag")
    assert "--offline never pulls" in message
    assert "pulling" not in result.stderr
    assert summary(artifacts)["failed_stage"] == "images"


@pytest.mark.parametrize("task", ["images", "up", "doctor", "build", "test-image"])
def test_no_engine_is_exit_2_for_every_task(
    private_runs_dir: Path, tmp_path: Path, task: str
) -> None:
    args = ["--artifacts", str(tmp_path / "a")] if task == "test-image" else []
    result = invoke(task, *args, env={"DOCKER_HOST": "unix:///nonexistent.sock"}, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "no Docker engine answers at unix:///nonexistent.sock" in result.stderr + result.stdout
    assert_clean_message(result.stderr)


@pytest.mark.parametrize("task", ["seed", "sync", "wait", "validate", "logs"])
def test_stages_without_a_stack_exit_2(private_runs_dir: Path, task: str) -> None:
    result = invoke(task, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "no stack is up; run `invoke up` first" in error_line(result)


def test_teardown_without_a_stack_is_exit_0(private_runs_dir: Path) -> None:
    result = invoke("teardown", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "nothing to tear down" in result.stderr
