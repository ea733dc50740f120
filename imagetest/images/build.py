"""Building one image: `docker build` of a context, or debootstrap + `docker import`.

The images stage (imagetest.images.plan) decides what to build and in which order; this
module only builds, and every engine call here streams with the client's timeout.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import docker.errors

from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import HarnessError
from imagetest.core.proc import child_env
from imagetest.core.streams import StreamTimeout, bounded
from imagetest.images import registry
from imagetest.images.archive import load_rootfs
from imagetest.images.imagespec import LABEL_INPUTS, LABEL_NAME, ImageSpec

STAGE = "images"
DEFAULT_PULL_TIMEOUT = 5.0  # seconds for the registry to start answering
PULL_IDLE_TIMEOUT = 300.0  # seconds without progress once a pull has started
DEBOOTSTRAP_CACHE = REPO_ROOT / ".cache" / "debootstrap"
# debootstrap prints a line per package; a mirror that stops answering prints nothing.
ROOTFS_IDLE_TIMEOUT = 300.0
ROOTFS_TIMEOUT = 1800.0
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
TAIL_LINES = 12
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the legacy builder colours stderr

Printer = Callable[[str], None]


class ImageBuildError(HarnessError):
    """A build (or import) failed; the message names the image and the failing step."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


def _print(line: str) -> None:
    print(line, flush=True)


def _image(client: docker.DockerClient, ref: str) -> Any | None:
    return registry.local_image(client, ref)


def _one_line(text: str, limit: int = 240) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


# -- builders ---------------------------------------------------------------------------


def build_docker_image(
    client: docker.DockerClient,
    spec: ImageSpec,
    inputs: str,
    build_args: dict[str, str],
    out: Printer = _print,
    *,
    no_cache: bool = False,
    labels: dict[str, str] | None = None,
) -> str:
    """docker build the context, streaming output; raise ImageBuildError on failure."""
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    step = "before the first step"
    image_id = ""
    try:
        stream = client.api.build(
            path=str(spec.context),
            tag=spec.tag,
            dockerfile=str(spec.custom_dockerfile) if spec.custom_dockerfile else None,
            buildargs=build_args,
            labels={**(labels or {}), LABEL_INPUTS: inputs, LABEL_NAME: spec.name},
            rm=True,
            forcerm=True,
            pull=False,
            nocache=no_cache,
            decode=True,
            platform=spec.platform.name if spec.platform else None,
        )
        for chunk in stream:
            if "stream" in chunk:
                for raw in chunk["stream"].splitlines():
                    line = ANSI.sub("", raw).rstrip()
                    if not line.strip():
                        continue
                    if line.startswith("Step "):
                        step = line
                    tail.append(line)
                    out(f"[{spec.name}] {line}")
            elif "error" in chunk:
                _fail_build(spec, step, chunk["error"], tail, out)
            elif "aux" in chunk:
                image_id = chunk["aux"].get("ID", image_id)
    except docker.errors.APIError as exc:
        _fail_build(spec, step, str(exc.explanation or exc), tail, out)
    built = _image(client, spec.tag)
    if built is None or built.labels.get(LABEL_INPUTS) != inputs:
        raise ImageBuildError(f"image {spec.name}: build finished but {spec.tag} is missing")
    return image_id or built.id


def _show_tail(spec: ImageSpec, heading: str, tail: deque[str], out: Printer) -> None:
    """A failed build's last lines, under `heading` ("build failed", ...)."""
    out(f"[{spec.name}] {heading}; last lines:")
    for line in tail:
        out(f"[{spec.name}] | {line}")


def _fail_build(spec: ImageSpec, step: str, error: str, tail: deque[str], out: Printer) -> None:
    _show_tail(spec, "build failed", tail, out)
    raise ImageBuildError(
        f"image {spec.name}: build failed at {_one_line(step, 120)}: {_one_line(error)}"
    )


def _run_rootfs(
    spec: ImageSpec,
    cmd: list[str],
    env: dict[str, str],
    out: Printer,
    *,
    idle_timeout: float,
    timeout: float,
) -> None:
    """Run rootfs.sh, showing its phases; stopped (its whole process group) on a time limit,
    an error or an interrupt, so no debootstrap outlives the harness."""
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    with subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    ) as proc:
        assert proc.stdout is not None
        try:
            for line in bounded(iter(proc.stdout), timeout, idle_timeout):
                line = line.rstrip()
                tail.append(line)
                # Per-package lines are noise; show the phases.
                if not line.startswith(("I: Retrieving", "I: Validating", "I: Extracting")):
                    out(f"[{spec.name}] {line}")
        except StreamTimeout as exc:
            _stop_group(proc)
            raise ImageBuildError(
                f"image {spec.name}: rootfs.sh {exc} (a Debian mirror that stopped "
                "answering?); check the host's apt sources and run again"
            ) from None
        except BaseException:  # an interrupt or an error here: no debootstrap left behind
            _stop_group(proc)
            raise
        proc.wait()
    if proc.returncode != 0:
        _show_tail(spec, "rootfs build failed", tail, out)
        last = tail[-1] if tail else f"exit {proc.returncode}"
        raise ImageBuildError(f"image {spec.name}: rootfs.sh failed: {_one_line(last)}")


def _stop_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def build_rootfs_image(
    client: docker.DockerClient,
    spec: ImageSpec,
    inputs: str,
    out: Printer = _print,
    *,
    cache: Path = DEBOOTSTRAP_CACHE,
    idle_timeout: float = ROOTFS_IDLE_TIMEOUT,
    timeout: float = ROOTFS_TIMEOUT,
) -> str:
    """debootstrap a root filesystem with the context's rootfs.sh and docker import it."""
    script = spec.context / "rootfs.sh"
    if not script.is_file():
        raise ImageBuildError(f"image {spec.name}: {script} is missing")
    if os.geteuid() != 0:  # first: a user's PATH lacks /usr/sbin, where debootstrap lives
        raise ImageBuildError(
            f"image {spec.name}: debootstrap needs root; run the images stage as root once"
        )
    if shutil.which("debootstrap") is None:
        raise ImageBuildError(
            f"image {spec.name}: debootstrap is not installed; run apt-get install debootstrap"
        )
    env = child_env({"DEBIAN_SUITE": spec.suite or "bookworm"})
    if spec.platform:
        env["DEBIAN_ARCH"] = spec.platform.debian_arch
    with tempfile.TemporaryDirectory(prefix="imagetest-base-") as tmp:
        tarball = Path(tmp) / "rootfs.tar"
        cmd = ["bash", str(script), str(tarball), str(cache)]
        _run_rootfs(spec, cmd, env, out, idle_timeout=idle_timeout, timeout=timeout)
        # One label per LABEL line: Podman 4.3 reads "LABEL a=1 b=2" as one label a="1 b=2".
        changes = [
            f"LABEL {LABEL_INPUTS}={inputs}",
            f"LABEL {LABEL_NAME}={spec.name}",
            f"ENV PATH={BASE_PATH}",
            "ENV LANG=C.UTF-8",
            'CMD ["bash"]',
        ]
        out(f"[{spec.name}] docker import {spec.tag}")
        try:
            # The tag goes inside `repo` (the API allows it): Podman 4.3 ignores `tag`.
            repo_tag = "{}:{}".format(*registry.split_ref(spec.tag))
            if spec.platform is None:
                client.api.import_image(src=str(tarball), repository=repo_tag, changes=changes)
            else:  # import would record this host's architecture
                labels = {LABEL_INPUTS: inputs, LABEL_NAME: spec.name}
                env = {"PATH": BASE_PATH, "LANG": "C.UTF-8"}
                load_rootfs(client, tarball, repo_tag, spec.platform.arch, env, labels)
        except docker.errors.APIError as exc:
            raise ImageBuildError(
                f"image {spec.name}: docker import failed: {_one_line(str(exc))}"
            ) from exc
    built = _image(client, spec.tag)
    if built is None or built.labels.get(LABEL_INPUTS) != inputs:
        raise ImageBuildError(f"image {spec.name}: import finished but {spec.tag} is missing")
    return built.id
