"""The images stage against a real engine: offline builds, warm calls, rebuild on change."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import docker
import docker.errors
import pytest

from imagetest.core.errors import HarnessError
from imagetest.images import ImageBuildError, compose_env, ensure_images, resolved_tags
from imagetest.images.imagespec import LABEL_INPUTS, ImageList, ImageSpec, load_image_list
from tests.locks import exclusive

pytestmark = pytest.mark.docker

SIX_REQUIREMENT = (
    "six==1.16.0 \\\n"
    "    --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n"
)


@pytest.fixture(autouse=True)
def _images_lock() -> Iterator[None]:
    """These tests build and check the stack's real images too (the wheelhouses, `python -m
    imagetest.images`): no other worker builds them meanwhile."""
    with exclusive("images"):
        yield


@pytest.fixture
def scratch_tags(docker_client: docker.DockerClient) -> Iterator[list[str]]:
    """Tags a test builds; removed afterwards (only these)."""
    tags: list[str] = []
    yield tags
    for tag in reversed(tags):
        with contextlib.suppress(docker.errors.ImageNotFound):
            docker_client.images.remove(tag, force=True)


@pytest.fixture
def images(base_images: dict[str, str], tmp_path: Path, scratch_tags: list[str]) -> ImageList:
    """The real base plus a parent/child pair built on it in tmp_path; their tags are scratch."""
    real = load_image_list()
    token = uuid.uuid4().hex[:10]
    parent_ctx = tmp_path / "parent"
    child_ctx = tmp_path / "child"
    for ctx, source in ((parent_ctx, "BASE_IMAGE"), (child_ctx, "PARENT")):
        ctx.mkdir()
        (ctx / "Dockerfile").write_text(
            f"ARG {source}\nFROM ${{{source}}}\nCOPY data.txt /{ctx.name}.txt\n"
        )
        (ctx / "data.txt").write_text(f"{ctx.name} v1\n")
    parent = ImageSpec(
        "parent",
        f"localhost/imagetest/test-{token}-parent:t",
        parent_ctx,
        depends=("base",),
        build_args={"BASE_IMAGE": "base"},
    )
    child = ImageSpec(
        "child",
        f"localhost/imagetest/test-{token}-child:t",
        child_ctx,
        depends=("parent",),
        build_args={"PARENT": "parent"},
    )
    scratch_tags += [parent.tag, child.tag]
    return ImageList({"base": real["base"], "parent": parent, "child": child}, real.wheel_platform)


def test_stack_images_build_offline(
    base_images: dict[str, str], docker_client: docker.DockerClient
) -> None:
    images = load_image_list()
    for name in ("postgres", "redis", "python"):
        spec = images[name]
        assert base_images[name] in (spec.tag, spec.registry)
        image = docker_client.images.get(base_images[name])
        if base_images[name] == spec.tag:
            assert len(image.labels[LABEL_INPUTS]) == 64
    assert "base" in base_images


def test_second_call_rebuilds_nothing(
    base_images: dict[str, str], docker_client: docker.DockerClient
) -> None:
    before = {n: docker_client.images.get(t).id for n, t in base_images.items()}
    lines: list[str] = []
    results = ensure_images(
        ["postgres", "redis", "python"], offline=True, client=docker_client, out=lines.append
    )
    assert {n: r.action for n, r in results.items()} == dict.fromkeys(base_images, "present")
    assert {n: docker_client.images.get(r.tag).id for n, r in results.items()} == before
    assert not any("Step " in line for line in lines)


def test_compose_env_and_resolved_tags_name_the_images(
    base_images: dict[str, str], docker_client: docker.DockerClient
) -> None:
    env = compose_env(base_images)
    assert env["POSTGRES_IMAGE"] == base_images["postgres"]
    assert env["REDIS_IMAGE"] == base_images["redis"]
    assert "AAPSIM_IMAGE" not in env
    tags = resolved_tags(["postgres", "redis", "aapsim"], client=docker_client)
    assert tags["postgres"] == base_images["postgres"]
    assert tags["aapsim"] == "localhost/imagetest/aapsim:dev"


def test_changed_source_rebuilds_the_image_and_its_dependants(
    docker_client: docker.DockerClient, images: ImageList
) -> None:
    def run() -> dict[str, str]:
        results = ensure_images(["child"], client=docker_client, image_list=images, out=print)
        return {n: r.action for n, r in results.items()}

    assert run() == {"base": "present", "parent": "built", "child": "built"}
    assert run() == {"base": "present", "parent": "present", "child": "present"}
    # a change in the child only rebuilds the child
    (images["child"].context / "data.txt").write_text("child v2\n")
    assert run() == {"base": "present", "parent": "present", "child": "built"}
    # a change in the parent rebuilds the parent and, through its new id, the child
    (images["parent"].context / "data.txt").write_text("parent v2\n")
    assert run() == {"base": "present", "parent": "built", "child": "built"}
    output = docker_client.containers.run(
        images["child"].tag, ["cat", "/parent.txt", "/child.txt"], remove=True
    )
    assert output.decode() == "parent v2\nchild v2\n"


def test_registry_image_present_is_used_instead_of_building(
    docker_client: docker.DockerClient,
    images: ImageList,
    scratch_tags: list[str],
) -> None:
    fake_registry_tag = f"imagetest-fake-registry/base-{uuid.uuid4().hex[:8]}:1"
    docker_client.images.get("localhost/imagetest/base:bookworm").tag(fake_registry_tag)
    scratch_tags.append(fake_registry_tag)
    parent = images["parent"]
    images.images["parent"] = replace(parent, registry=fake_registry_tag)
    results = ensure_images(["parent"], client=docker_client, image_list=images)
    assert results["parent"].action == "present"
    assert results["parent"].tag == fake_registry_tag
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.images.get(parent.tag)


def test_unreachable_registry_falls_back_to_a_local_build(
    docker_client: docker.DockerClient, images: ImageList
) -> None:
    parent = images["parent"]
    # Nothing listens on port 9: the pull fails at once and the stage builds instead.
    images.images["parent"] = replace(parent, registry="127.0.0.1:9/imagetest/none:1")
    lines: list[str] = []
    results = ensure_images(
        ["parent"], client=docker_client, image_list=images, out=lines.append, pull_timeout=3
    )
    assert results["parent"].action == "built"
    assert results["parent"].tag == parent.tag
    assert any("pull 127.0.0.1:9/imagetest/none:1 failed" in line for line in lines)


def test_remembered_unreachable_registry_note_names_each_image(
    docker_client: docker.DockerClient, images: ImageList
) -> None:
    """The second image from a dead registry is not pulled, and its note is about itself."""
    dead = "127.0.0.1:9/imagetest"
    for name in ("parent", "child"):
        images.images[name] = replace(images[name], registry=f"{dead}/{name}:1")
    lines: list[str] = []
    results = ensure_images(
        ["child"], client=docker_client, image_list=images, out=lines.append, pull_timeout=3
    )
    assert results["child"].action == "built"
    assert sum("pulling from 127.0.0.1:9" in line for line in lines) == 1
    [note] = [line for line in lines if line.startswith("[child] building ")]
    assert note.endswith(
        f"; {dead}/child:1: registry 127.0.0.1:9 unreachable "
        f"(seen for {dead}/parent:1), building locally"
    )
    assert "while pulling" not in note


def test_silent_registry_costs_only_the_pull_timeout(
    docker_client: docker.DockerClient, images: ImageList
) -> None:
    """A registry that accepts connections and never answers must not stall the stage."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    try:
        parent = images["parent"]
        images.images["parent"] = replace(parent, registry=f"127.0.0.1:{port}/imagetest/silent:1")
        lines: list[str] = []
        started = time.monotonic()
        results = ensure_images(
            ["parent"], client=docker_client, image_list=images, out=lines.append, pull_timeout=2
        )
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    assert results["parent"].action == "built"
    assert any("no answer within 2s" in line for line in lines)
    assert elapsed < 20


def test_failed_build_names_the_step_and_error(
    docker_client: docker.DockerClient, images: ImageList
) -> None:
    (images["parent"].context / "Dockerfile").write_text(
        "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN echo about to fail && exit 3\n"
    )
    lines: list[str] = []
    with pytest.raises(ImageBuildError) as exc_info:
        ensure_images(["parent"], client=docker_client, image_list=images, out=lines.append)
    message = str(exc_info.value)
    assert "\n" not in message
    assert message.startswith("image parent: build failed at Step 3/")
    assert "RUN echo about to fail && exit 3" in message
    assert "returned a non-zero code: 3" in message
    assert any("| about to fail" in line for line in lines)


def test_missing_dockerfile_fails_only_when_requested(
    docker_client: docker.DockerClient, images: ImageList
) -> None:
    (images["child"].context / "Dockerfile").unlink()
    with pytest.raises(HarnessError) as exc_info:
        ensure_images(["child"], client=docker_client, image_list=images)
    message = str(exc_info.value)
    assert "\n" not in message
    assert message.startswith("image child: ")
    assert "child/Dockerfile does not exist" in message
    # without names: everything buildable is built, the child is skipped
    results = ensure_images(client=docker_client, image_list=images)
    assert results["parent"].action in ("built", "present")
    assert results["child"].action == "skipped"


def test_python_image_installs_from_the_wheelhouse_without_an_index(
    base_images: dict[str, str],
    docker_client: docker.DockerClient,
    tmp_path: Path,
    scratch_tags: list[str],
) -> None:
    """The convention the aapsim and dashboard images follow, end to end."""
    real = load_image_list()
    ctx = tmp_path / "app"
    ctx.mkdir()
    (ctx / "requirements.txt").write_text(SIX_REQUIREMENT)
    (ctx / ".dockerignore").write_text("*\n!Dockerfile\n!requirements.txt\n!.wheels/\n")
    (ctx / "Dockerfile").write_text(
        "ARG PYTHON_BASE=localhost/imagetest/python:3.11\n"
        "FROM ${PYTHON_BASE}\n"
        "COPY requirements.txt /tmp/requirements.txt\n"
        "COPY .wheels/ /wheels/\n"
        "RUN pip install --no-index --find-links=/wheels --require-hashes "
        "-r /tmp/requirements.txt && rm -rf /wheels\n"
    )
    spec = ImageSpec(
        "app",
        f"localhost/imagetest/test-{uuid.uuid4().hex[:10]}-app:t",
        ctx,
        depends=("python",),
        build_args={"PYTHON_BASE": "python"},
        requirements="requirements.txt",
    )
    scratch_tags.append(spec.tag)
    images = ImageList(
        {"base": real["base"], "python": real["python"], "app": spec}, real.wheel_platform
    )
    results = ensure_images(["app"], client=docker_client, image_list=images)
    assert results["app"].action == "built"
    assert (ctx / ".wheels" / "six-1.16.0-py2.py3-none-any.whl").is_file()
    script = (
        "import os, six, sys; "
        "print(sys.prefix, six.__version__, os.path.exists('/etc/pip.conf'), "
        "sorted(k for k in os.environ if k.startswith('PIP_INDEX')))"
    )
    out = docker_client.containers.run(spec.tag, ["python", "-c", script], remove=True)
    assert out.decode().split() == ["/opt/venv", "1.16.0", "False", "[]"]
    # warm: the wheelhouse and the image are both left alone
    again = ensure_images(["app"], client=docker_client, image_list=images)
    assert again["app"].action == "present"


def test_cli_warm_call_prints_compose_variables_and_rejects_unknown_names(
    base_images: dict[str, str],
) -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "imagetest.images", "--offline", "postgres", "redis"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert f"POSTGRES_IMAGE={base_images['postgres']}" in ok.stdout.splitlines()
    assert f"REDIS_IMAGE={base_images['redis']}" in ok.stdout.splitlines()
    assert "Step " not in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "imagetest.images", "--offline", "mysql"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [
        "error: unknown image 'mysql'; known images: "
        "base, base-trixie, postgres, redis, python, aapsim, dashboard, awx"
    ]


def _build_context(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", "build", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_build_context_uses_the_stage_builder(
    docker_client: docker.DockerClient,
    base_images: dict[str, str],
    tmp_path: Path,
    scratch_tags: list[str],
) -> None:
    """`build --context DIR --dockerfile FILE` (the file outside DIR) goes through the images
    stage's builder: labelled with its inputs, and a failing step is one line naming it."""
    tag = f"localhost/imagetest/test-{uuid.uuid4().hex[:10]}-context:t"
    scratch_tags.append(tag)
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "data.txt").write_text("from the context\n")
    dockerfile = tmp_path / "elsewhere" / "Dockerfile"
    dockerfile.parent.mkdir()
    dockerfile.write_text(f"FROM {base_images['redis']}\nCOPY data.txt /data.txt\n")
    args = ("--context", str(context), "--dockerfile", str(dockerfile), "--image", tag)
    ok = _build_context(*args)
    assert ok.returncode == 0, ok.stderr[-2000:]
    built = docker_client.images.get(tag)
    assert built.labels[LABEL_INPUTS]
    assert f"built {tag}; test it with --image {tag}" in ok.stderr

    dockerfile.write_text(f"FROM {base_images['redis']}\nRUN echo about to fail && exit 3\n")
    bad = _build_context(*args)
    assert bad.returncode == 2, bad.stderr[-2000:]
    last = bad.stderr.strip().splitlines()[-1]
    assert last.startswith("error (stage build): image context: build failed at Step 2/")
    assert ": RUN echo about to fail && exit 3: " in last
    assert "returned a non-zero code: 3" in last
    assert "Traceback" not in bad.stderr
