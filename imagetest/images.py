"""The images stage: make sure every image of the stack exists.

For each image (imagetest/images.yaml), dependencies first:
  1. a registry equivalent (postgres:15, ...) that is already present is used as is;
  2. otherwise, unless offline, it is pulled (imagetest.registry) when the registry answers
     within a short timeout; a registry that does not answer is not asked again;
  3. otherwise the local equivalent is built, but only when its inputs changed: every built
     image carries a label with the hash of its context files, wheel requirements and the
     id of the image it builds on, so a warm call rebuilds nothing.

`python -m imagetest.images [--offline] [--pull-timeout S] [NAME...]` prints the compose
variables (POSTGRES_IMAGE=..., ...) of the resolved tags.

Options (imagetest.config, from flags, IMAGETEST_* or invoke.yaml): offline, build_jobs
(parallel builds, 2), registry_username / registry_password (pull credentials; anonymous is
tried after them), pull_timeout (a whole pull, imagetest.registry).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors

from imagetest import dockerutil, registry
from imagetest.config import Config, resolve_config
from imagetest.errors import HarnessError
from imagetest.imagespec import (
    LABEL_INPUTS,
    LABEL_NAME,
    REPO_ROOT,
    ImageList,
    ImageSpec,
    hash_inputs,
    load_image_list,
)
from imagetest.proc import child_env
from imagetest.wheelhouse import ensure_wheelhouse

STAGE = "images"
DEFAULT_PULL_TIMEOUT = 5.0  # seconds for the registry to start answering
PULL_IDLE_TIMEOUT = 300.0  # seconds without progress once a pull has started
DEBOOTSTRAP_CACHE = REPO_ROOT / ".cache" / "debootstrap"
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
TAIL_LINES = 12
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the legacy builder colours stderr

Printer = Callable[[str], None]


class ImageBuildError(HarnessError):
    """A build (or import) failed; the message names the image and the failing step."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


@dataclass
class ImageResult:
    name: str
    tag: str  # the tag to use: registry one when present/pulled, else local
    action: str  # present | pulled | built | skipped
    seconds: float = 0.0
    detail: str = ""


def _print(line: str) -> None:
    print(line, flush=True)


def _image(client: docker.DockerClient, ref: str) -> Any | None:
    return registry.local_image(client, ref)


def _display(path: Path) -> str:
    """A path relative to the repository when it is inside it."""
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _one_line(text: str, limit: int = 240) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


class ImageStage:
    """Resolves and, where needed, builds the images of one ensure_images call."""

    def __init__(
        self,
        client: docker.DockerClient,
        image_list: ImageList,
        *,
        offline: bool = False,
        pull_timeout: float = DEFAULT_PULL_TIMEOUT,
        out: Printer = _print,
        no_cache: bool = False,
        debootstrap_cache: Path = DEBOOTSTRAP_CACHE,
        config: Config | None = None,
    ) -> None:
        self.client = client
        self.config = config or Config()
        self.jobs = self.config.build_jobs
        self.no_cache = no_cache
        self.debootstrap_cache = debootstrap_cache
        self.images = image_list
        self.offline = offline
        self.pull_timeout = pull_timeout
        self.down: dict[str, str] = {}  # registry -> first ref it did not answer for (ask once)
        self.out = out
        self.results: dict[str, ImageResult] = {}

    # -- resolution ---------------------------------------------------------------------

    def ensure(self, names: Iterable[str] | None = None) -> dict[str, ImageResult]:
        """Resolve the named images (default: all buildable); independent ones in parallel."""
        explicit = names is not None
        wanted = list(names) if names is not None else list(self.images.images)
        order = self.images.closure(wanted)
        pending = {spec.name: spec for spec in order}
        failures: list[BaseException] = []
        with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="image") as pool:
            running: dict[Future[None], str] = {}
            while pending or running:
                if not failures:
                    for spec in [s for s in pending.values() if self._ready(s)]:
                        del pending[spec.name]
                        running[pool.submit(self._resolve, spec, explicit, wanted)] = spec.name
                if not running:
                    break  # a failure stopped new work; nothing left to wait for
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    running.pop(future)
                    if future.exception() is not None:
                        failures.append(future.exception())  # type: ignore[arg-type]
        if failures:
            raise failures[0]
        return {spec.name: self.results[spec.name] for spec in order}

    def _ready(self, spec: ImageSpec) -> bool:
        return all(dep in self.results for dep in spec.depends)

    def _resolve(self, spec: ImageSpec, explicit: bool, wanted: list[str]) -> None:
        missing = self._missing_dockerfile(spec)
        if missing and not explicit and not self._needed_by(spec.name, wanted):
            self.results[spec.name] = ImageResult(spec.name, spec.tag, "skipped", 0.0, missing)
            self.out(f"[{spec.name}] skipped: {missing}")
            return
        started = time.monotonic()
        result = self._ensure_one(spec)
        result.seconds = time.monotonic() - started
        self.results[spec.name] = result
        detail = f" ({result.detail})" if result.detail else ""
        self.out(f"[{spec.name}] {result.action}: {result.tag}{detail} {result.seconds:.1f}s")

    def _needed_by(self, name: str, wanted: list[str]) -> bool:
        """True if another wanted image (that can be built) depends on `name`."""
        for other in wanted:
            if other == name:
                continue
            spec = self.images[other]
            if self._missing_dockerfile(spec):
                continue
            if name in {s.name for s in self.images.closure([other])}:
                return True
        return False

    def _try_pull(self, ref: str) -> str | None:
        """Pull `ref`; None on success, else a note on why not (the caller builds instead)."""
        host = registry.registry_host(ref)
        if host in self.down:
            # The first ref's error would name that ref, not this one.
            return (
                f"{ref}: registry {host} unreachable (seen for {self.down[host]}), building locally"
            )
        try:
            registry.ensure_image(
                self.client,
                ref,
                log=self.out,
                idle_timeout=PULL_IDLE_TIMEOUT,
                answer_timeout=self.pull_timeout,
                anonymous_fallback=True,
                config=self.config,
            )
        except registry.PullError as exc:
            if exc.unreachable:
                self.down.setdefault(host, ref)
            return f"pull {ref} failed: {exc}"
        return None

    def _missing_dockerfile(self, spec: ImageSpec) -> str | None:
        if spec.kind == "docker" and not spec.dockerfile.is_file():
            return f"{_display(spec.dockerfile)} does not exist"
        return None

    def _ensure_one(self, spec: ImageSpec) -> ImageResult:
        if spec.registry:
            if _image(self.client, spec.registry) is not None:
                return ImageResult(spec.name, spec.registry, "present", detail="registry image")
            if not self.offline:
                failure = self._try_pull(spec.registry)
                if failure is None:
                    return ImageResult(spec.name, spec.registry, "pulled")
                note = failure
            else:
                note = "offline"
        else:
            note = ""
        missing = self._missing_dockerfile(spec)
        if missing:
            raise HarnessError(
                f"image {spec.name}: {missing}; add it or leave {spec.name} out of the request",
            )
        return self._ensure_local(spec, note)

    def _ensure_local(self, spec: ImageSpec, note: str) -> ImageResult:
        inputs = self.input_hash(spec)
        current = _image(self.client, spec.tag)
        if current is not None and current.labels.get(LABEL_INPUTS) == inputs:
            return ImageResult(spec.name, spec.tag, "present", detail="inputs unchanged")
        why = "not built yet" if current is None else "inputs changed"
        self.out(f"[{spec.name}] building {spec.tag}: {why}" + (f"; {note}" if note else ""))
        if spec.kind == "rootfs":
            build_rootfs_image(self.client, spec, inputs, self.out, cache=self.debootstrap_cache)
        else:
            build_docker_image(
                self.client,
                spec,
                inputs,
                self._build_args(spec),
                self.out,
                no_cache=self.no_cache,
            )
        return ImageResult(spec.name, spec.tag, "built", detail=why)

    def _build_args(self, spec: ImageSpec) -> dict[str, str]:
        return {arg: self.results[image].tag for arg, image in spec.build_args.items()}

    def input_hash(self, spec: ImageSpec) -> str:
        """Hash of everything the image is made from."""
        extra: dict[str, str] = {"kind": spec.kind}
        if spec.suite:
            extra["suite"] = spec.suite
        for arg, image in sorted(spec.build_args.items()):
            tag = self.results[image].tag
            parent = _image(self.client, tag)
            extra[f"arg:{arg}"] = f"{tag}@{parent.id if parent else 'missing'}"
        req = spec.requirements_file
        if req is not None:
            ensure_wheelhouse(req, spec.wheel_dir, self.images.wheel_platform, offline=self.offline)
            extra["wheel_platform"] = " ".join(self.images.wheel_platform.pip_args())
        return hash_inputs(spec.context, extra)


# -- builders ---------------------------------------------------------------------------


def build_docker_image(
    client: docker.DockerClient,
    spec: ImageSpec,
    inputs: str,
    build_args: dict[str, str],
    out: Printer = _print,
    *,
    no_cache: bool = False,
) -> str:
    """docker build the context, streaming output; raise ImageBuildError on failure."""
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    step = "before the first step"
    image_id = ""
    try:
        stream = client.api.build(
            path=str(spec.context),
            tag=spec.tag,
            buildargs=build_args,
            labels={LABEL_INPUTS: inputs, LABEL_NAME: spec.name},
            rm=True,
            forcerm=True,
            pull=False,
            nocache=no_cache,
            decode=True,
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


def _fail_build(spec: ImageSpec, step: str, error: str, tail: deque[str], out: Printer) -> None:
    out(f"[{spec.name}] build failed; last lines:")
    for line in tail:
        out(f"[{spec.name}] | {line}")
    raise ImageBuildError(
        f"image {spec.name}: build failed at {_one_line(step, 120)}: {_one_line(error)}"
    )


def build_rootfs_image(
    client: docker.DockerClient,
    spec: ImageSpec,
    inputs: str,
    out: Printer = _print,
    *,
    cache: Path = DEBOOTSTRAP_CACHE,
) -> str:
    """debootstrap a root filesystem with the context's rootfs.sh and docker import it."""
    script = spec.context / "rootfs.sh"
    if not script.is_file():
        raise ImageBuildError(f"image {spec.name}: {script} is missing")
    if shutil.which("debootstrap") is None:
        raise ImageBuildError(
            f"image {spec.name}: debootstrap is not installed; run apt-get install debootstrap"
        )
    if os.geteuid() != 0:
        raise ImageBuildError(
            f"image {spec.name}: debootstrap needs root; run the images stage as root once"
        )
    env = child_env({"DEBIAN_SUITE": spec.suite or "bookworm"})
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    with tempfile.TemporaryDirectory(prefix="imagetest-base-") as tmp:
        tarball = Path(tmp) / "rootfs.tar"
        cmd = ["bash", str(script), str(tarball), str(cache)]
        with subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                line = line.rstrip()
                tail.append(line)
                # Per-package lines are noise; show the phases.
                if not line.startswith(("I: Retrieving", "I: Validating", "I: Extracting")):
                    out(f"[{spec.name}] {line}")
        if proc.returncode != 0:
            out(f"[{spec.name}] rootfs build failed; last lines:")
            for line in tail:
                out(f"[{spec.name}] | {line}")
            last = tail[-1] if tail else f"exit {proc.returncode}"
            raise ImageBuildError(f"image {spec.name}: rootfs.sh failed: {_one_line(last)}")
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
            client.api.import_image(src=str(tarball), repository=repo_tag, changes=changes)
        except docker.errors.APIError as exc:
            raise ImageBuildError(
                f"image {spec.name}: docker import failed: {_one_line(str(exc))}"
            ) from exc
    built = _image(client, spec.tag)
    if built is None or built.labels.get(LABEL_INPUTS) != inputs:
        raise ImageBuildError(f"image {spec.name}: import finished but {spec.tag} is missing")
    return built.id


# -- public API -------------------------------------------------------------------------


def _client(client: docker.DockerClient | None) -> docker.DockerClient:
    return client if client is not None else dockerutil.client()


def ensure_images(
    names: Iterable[str] | None = None,
    offline: bool = False,
    *,
    config: Config | None = None,
    client: docker.DockerClient | None = None,
    pull_timeout: float = DEFAULT_PULL_TIMEOUT,
    out: Printer = _print,
    image_list: ImageList | None = None,
    no_cache: bool = False,
    debootstrap_cache: Path = DEBOOTSTRAP_CACHE,
) -> dict[str, ImageResult]:
    """Make every named image (default: all that can be built) and its dependencies exist.

    Returns name -> ImageResult; `.tag` is the tag to run (see compose_env). ``config``
    gives the options (build jobs, pull credentials and timeout; its ``offline`` too).
    """
    config = config or Config()
    stage = ImageStage(
        _client(client),
        image_list or load_image_list(),
        offline=offline or config.offline,
        config=config,
        pull_timeout=pull_timeout,
        out=out,
        no_cache=no_cache,
        debootstrap_cache=debootstrap_cache,
    )
    return stage.ensure(names)


def resolved_tags(
    names: Iterable[str] | None = None,
    *,
    client: docker.DockerClient | None = None,
    image_list: ImageList | None = None,
) -> dict[str, str]:
    """name -> tag to run, without building: the registry image if present, else the local one."""
    client = _client(client)
    images = image_list or load_image_list()
    wanted = list(names) if names is not None else list(images.images)
    tags: dict[str, str] = {}
    for name in wanted:
        spec = images[name]
        present = spec.registry and _image(client, spec.registry) is not None
        tags[name] = spec.registry if present and spec.registry else spec.tag
    return tags


def compose_env(
    tags: dict[str, str] | dict[str, ImageResult], image_list: ImageList | None = None
) -> dict[str, str]:
    """The compose variables (POSTGRES_IMAGE, ...) for resolved tags or ensure_images results."""
    images = image_list or load_image_list()
    env: dict[str, str] = {}
    for name, value in tags.items():
        spec = images[name]
        tag = value.tag if isinstance(value, ImageResult) else value
        if spec.env:
            env[spec.env] = tag
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m imagetest.images",
        description="Make sure the stack's images exist: use, pull or build them.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="images (default: all)")
    parser.add_argument("--offline", action="store_true", help="never pull; build locally")
    parser.add_argument(
        "--pull-timeout",
        type=float,
        default=DEFAULT_PULL_TIMEOUT,
        help="seconds the registry has to start answering (default %(default)s)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        config = resolve_config({"offline": args.offline or None})
        results = ensure_images(args.names or None, config=config, pull_timeout=args.pull_timeout)
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"[images] done in {time.monotonic() - started:.1f}s")
    usable = {n: r for n, r in results.items() if r.action != "skipped"}
    for key, value in compose_env(usable).items():
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
