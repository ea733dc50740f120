"""Full and read-only disks under the artifacts and the runs directory (a real tmpfs per
test): exit 2, one line naming the path, no traceback, no stack left."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from imagetest.core.errors import EXIT_STAGE
from imagetest.engine.dockerutil import sweep
from tests.faults.support import (
    Streamed,
    assert_clean_message,
    error_line,
    invoke,
    runs_started_under,
)

pytestmark = [pytest.mark.docker, pytest.mark.stack]


def mount(*args: str) -> None:
    proc = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"mount {' '.join(args)}: {proc.stderr} (the test needs root)"


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs of its own."""
    path = tmp_path / "disk"
    path.mkdir()
    mount("-t", "tmpfs", "-o", "size=512k", "tmpfs", str(path))
    yield path
    subprocess.run(["umount", "-l", str(path)], check=False)


def fill(disk: Path) -> None:
    """Until the disk says no more (the last write, or the close, fails)."""
    try:
        with (disk / "filler").open("wb") as out:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
    except OSError:
        pass


@pytest.fixture
def runs(docker_client: docker.DockerClient, tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "runs"
    yield root
    for run_id in runs_started_under(docker_client, root):
        sweep(docker_client, run_id)


def assert_failed_clean(result: subprocess.CompletedProcess[str], path: Path) -> str:
    assert result.returncode == EXIT_STAGE, result.stderr[-3000:]
    message = error_line(result)
    assert str(path) in message and message.count("\n") <= 1, message
    assert_clean_message(result.stdout + result.stderr)
    return message


def test_a_full_artifacts_disk_stops_the_run_before_any_stack(
    docker_client: docker.DockerClient, disk: Path, runs: Path
) -> None:
    fill(disk)
    result = invoke("test-image", "--artifacts", str(disk / "art"), env=env(runs))
    message = assert_failed_clean(result, disk / "art")
    assert "cannot write there (No space left on device)" in message
    assert runs_started_under(docker_client, runs) == set()


def test_a_read_only_artifacts_disk_is_one_line(disk: Path, runs: Path) -> None:
    mount("-o", "remount,ro", str(disk))
    result = invoke("test-image", "--artifacts", str(disk / "art"), env=env(runs))
    assert "Read-only file system" in assert_failed_clean(result, disk / "art")


def test_an_artifacts_disk_filling_during_the_run(
    docker_client: docker.DockerClient, disk: Path, runs: Path
) -> None:
    art = disk / "art"
    run = Streamed("test-image", "--artifacts", str(art), env=env(runs))
    try:
        run.wait_for("[PHASE] up passed", 300)
        fill(disk)
        code = run.finish(300)
    finally:
        run.kill()
    assert code == EXIT_STAGE, run.output[-3000:]
    assert_clean_message(run.output)
    last = run.output.strip().splitlines()[-1]
    assert last.startswith("error (stage ") and f"cannot write {art}/" in last, last
    assert "diagnostics  failed" in run.output  # not "passed" with empty files
    assert "No space left on device" in last
    assert not (art / "summary.json").exists()
    assert runs_started_under(docker_client, runs) == set(), "a stack was left behind"


def test_a_full_runs_disk_is_one_line_and_leaves_nothing(
    docker_client: docker.DockerClient, disk: Path, tmp_path: Path
) -> None:
    fill(disk)
    result = invoke("up", env={**env(disk / "runs"), "IMAGETEST_ARTIFACTS": str(tmp_path)})
    message = assert_failed_clean(result, disk / "runs")
    assert "IMAGETEST_RUNS_DIR" in message
    assert runs_started_under(docker_client, disk / "runs") == set()
    down = invoke("teardown", env=env(disk / "runs"))
    assert down.returncode == 0, down.stderr[-2000:]


def env(runs: Path) -> dict[str, str]:
    return {"IMAGETEST_RUNS_DIR": str(runs)}
