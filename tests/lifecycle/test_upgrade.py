"""`invoke upgrade` on two builds of the reference dashboard (the second a rebuild of the
first with one more layer), and its bad inputs: one line, exit 2."""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

from imagetest.core.errors import EXIT_STAGE
from tests.faults.support import assert_clean_message, error_line, invoke

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("private_runs_dir")]
NEXT = f"localhost/imagetest/dashboard:upgrade-test-{os.getpid()}"  # one per test worker


@pytest.fixture(scope="module")
def two_builds(docker_client: docker.DockerClient, stack_images: dict[str, str]) -> Iterator[str]:
    """The reference image as A; B a build on top of it (another image id, same code)."""
    a = stack_images["dashboard"]
    dockerfile = f"FROM {a}\nLABEL io.imagetest.test=upgrade-b\n".encode()
    docker_client.images.build(fileobj=io.BytesIO(dockerfile), tag=NEXT, rm=True)
    yield a
    with contextlib.suppress(docker.errors.ImageNotFound):
        docker_client.images.remove(NEXT, force=True)


@pytest.mark.stack(weight=40)
def test_upgrade_between_two_builds_keeps_every_row(two_builds: str, tmp_path: Path) -> None:
    art = tmp_path / "art"
    result = invoke(
        "upgrade", "--from-image", two_builds, "--image", NEXT, "--artifacts", str(art),
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    summary = json.loads((art / "summary.json").read_text())
    assert summary["upgrade"] == {"from": two_builds, "to": NEXT}
    (row,) = summary["scenarios"]
    assert (row["scenario"], row["status"]) == ("upgrade-keeps-data", "passed")
    log = (art / "upgrade-keeps-data" / "harness.log").read_text()
    assert f"upgraded {two_builds} -> {NEXT}" in log
    assert "every migration is applied" in log


@pytest.mark.parametrize(
    ("args", "cause"),
    [
        ([], "upgrade needs --from-image A"),
        (["--from-image", "{a}", "--image", "{a}"], "are the same image"),
        (["--from-ref", "main"], "--from-ref and --ref go together"),
        (["--chain", "main"], "--chain needs two refs or more"),
    ],
)
def test_upgrade_bad_input_is_one_line(two_builds: str, args: list[str], cause: str) -> None:
    result = invoke("upgrade", *[a.format(a=two_builds) for a in args], timeout=120)
    assert result.returncode == EXIT_STAGE, result.stderr[-2000:]
    message = error_line(result)
    assert cause in message and message.count("\n") <= 1, message
    assert_clean_message(result.stderr)
