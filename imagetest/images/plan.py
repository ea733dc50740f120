"""Planning the images stage: for each image, use it, pull it or build it, dependencies
first and independent ones side by side (the building is imagetest.images.build).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors

from imagetest.core.config import Config
from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import HarnessError
from imagetest.images import registry, sources
from imagetest.images.build import (
    DEBOOTSTRAP_CACHE,
    DEFAULT_PULL_TIMEOUT,
    PULL_IDLE_TIMEOUT,
    Printer,
    _image,
    _print,
    build_docker_image,
    build_rootfs_image,
)
from imagetest.images.imagespec import LABEL_INPUTS, ImageList, ImageSpec, hash_inputs
from imagetest.images.wheelhouse import ensure_wheelhouse


@dataclass
class ImageResult:
    name: str
    tag: str  # the tag to use: registry one when present/pulled, else local
    action: str  # present | pulled | built | skipped
    seconds: float = 0.0
    detail: str = ""


def _display(path: Path) -> str:
    """A path relative to the repository when it is inside it."""
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


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
        if names is not None:
            wanted = list(names)
        else:
            wanted = [n for n, spec in self.images.images.items() if not spec.optional]
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
        self._fetch_packages(spec)
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
        args = {arg: self.results[image].tag for arg, image in spec.build_args.items()}
        if spec.platform is not None and spec.requirements_file is not None:
            args["WHEELS"] = spec.wheel_dir.name
        return args

    def _fetch_packages(self, spec: ImageSpec) -> None:
        """The wheels and sdists a build copies in. Only a build needs them: the hashed
        requirements they are downloaded by, not the files, are the image's inputs, so an
        image found current costs no download (a fresh clone beside warm images)."""
        req = spec.requirements_file
        if req is not None:
            ensure_wheelhouse(req, spec.wheel_dir, self.images.wheel_platform, offline=self.offline)
        if spec.sdist_file is not None:
            ensure_wheelhouse(spec.sdist_file, spec.sdist_dir, None, offline=self.offline)

    def input_hash(self, spec: ImageSpec) -> str:
        """Hash of everything the image is made from."""
        extra: dict[str, str] = {"kind": spec.kind}
        if spec.suite:
            extra["suite"] = spec.suite
        for arg, image in sorted(spec.build_args.items()):
            tag = self.results[image].tag
            parent = _image(self.client, tag)
            extra[f"arg:{arg}"] = f"{tag}@{parent.id if parent else 'missing'}"
        if spec.requirements_file is not None:
            extra["wheel_platform"] = " ".join(self.images.wheel_platform.pip_args())
        if spec.platform is not None:  # the host's own keeps the hash it always had
            extra["platform"] = spec.platform.name
        if spec.sources:
            sources.ensure_sources(spec.sources, spec.context, self.config)
        return hash_inputs(spec.context, extra)
