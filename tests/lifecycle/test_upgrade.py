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
    # a label of this worker's own: two workers' identical builds would share one image,
    # and one's teardown would delete it under the other's build
    dockerfile = f"FROM {a}\nLABEL io.imagetest.test={NEXT}\n".encode()
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
def test_upgrade_bad_input_is_one_line(
    stack_images: dict[str, str], args: list[str], cause: str
) -> None:
    image = stack_images["dashboard"]
    result = invoke("upgrade", *[a.format(a=image) for a in args], timeout=120)
    assert result.returncode == EXIT_STAGE, result.stderr[-2000:]
    message = error_line(result)
    assert cause in message and message.count("\n") <= 1, message
    assert_clean_message(result.stderr)


@pytest.mark.parametrize(
    ("args", "cause"),
    [
        (
            ["--from-ref", "no-such-ref-x", "--ref", "HEAD", "--context", "."],
            "--from-ref no-such-ref-x",
        ),
        (["--chain", "HEAD,no-such-ref-x", "--context", "."], "--chain no-such-ref-x"),
    ],
)
def test_upgrade_names_the_ref_that_is_not_there(args: list[str], cause: str) -> None:
    """Every ref is resolved before anything is built, and the one missing names its option."""
    result = invoke("upgrade", *args, timeout=120)
    assert result.returncode == EXIT_STAGE, result.stderr[-2000:]
    message = error_line(result)
    assert cause in message and "no such commit, branch or tag" in message, message
    assert "building" not in result.stderr, result.stderr[-2000:]


@pytest.mark.stack(weight=30)
def test_a_start_ref_that_does_not_build_is_a_row_and_the_set_goes_on(
    docker_client: docker.DockerClient, tmp_path: Path, private_runs_dir: Path
) -> None:
    """A scenario starting on an upstream ref missing from --context (here this repository)
    after one that kept its stack for it: its row says why, the set ends, nothing left up."""
    from tests.faults.support import runs_started_under

    art = tmp_path / "art"
    result = invoke(
        "scenarios", "--only", "plain-test-image,upgrade-deleted-hosts-196", "--jobs", "1",
        "--context", ".", "--artifacts", str(art), timeout=600,
    )  # fmt: skip
    assert result.returncode != 0, result.stdout[-2000:]
    rows = {r["scenario"]: r for r in json.loads((art / "summary.json").read_text())["scenarios"]}
    assert rows["plain-test-image"]["status"] == "passed", rows
    started = rows["upgrade-deleted-hosts-196"]
    assert started["status"] == "failed" and started["error"].startswith("not started:"), started
    assert "9824fe9" in started["error"], started
    assert not runs_started_under(docker_client, private_runs_dir), "a stack was left up"
