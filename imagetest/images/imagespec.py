"""The image list (imagetest/images.yaml) as typed data, plus input hashing."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from docker.utils.build import exclude_paths

from imagetest.core.constants import PLATFORMS, REPO_ROOT, foreign_platform, host_platform
from imagetest.core.errors import HarnessError

SPEC_FILE = Path(__file__).with_name("images.yaml")
WHEEL_DIR = ".wheels"
SDIST_DIR = ".sdists"
SOURCES_DIR = ".sources"
# Label keys written on every image the stage builds.
LABEL_INPUTS = "io.imagetest.inputs"
LABEL_NAME = "io.imagetest.image"


@dataclass(frozen=True)
class WheelPlatform:
    """Interpreter and platform tags the wheelhouse is downloaded for."""

    python_version: str
    implementation: str
    abi: str
    platforms: tuple[str, ...]

    def pip_args(self) -> list[str]:
        args = [
            "--python-version",
            self.python_version,
            "--implementation",
            self.implementation,
            "--abi",
            self.abi,
        ]
        for platform in self.platforms:
            args += ["--platform", platform]
        return args


@dataclass(frozen=True)
class Platform:
    """A platform images are built and run for (core.constants.PLATFORMS)."""

    name: str  # linux/arm64: what --platform, the engine and Compose call it
    machine: str  # uname -m inside it
    debian_arch: str
    wheel_arch: str
    foreign: bool = False  # not the host's: runs under emulation

    @property
    def arch(self) -> str:
        return self.name.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ImageSpec:
    """One image of the stack as images.yaml describes it."""

    name: str
    tag: str
    context: Path
    registry: str | None = None
    kind: str = "docker"
    depends: tuple[str, ...] = ()
    build_args: dict[str, str] = field(default_factory=dict)
    requirements: str | None = None
    # pins published only as source: downloaded as sdists and compiled in the image
    sdists: str | None = None
    # a set of source files copied into the context (imagetest.images.sources)
    sources: str | None = None
    # built only when asked for by name, never as part of "all images"
    optional: bool = False
    env: str | None = None
    suite: str | None = None
    # `build --context DIR --dockerfile FILE`: a Dockerfile that may sit outside the context
    custom_dockerfile: Path | None = None
    # set for a platform other than the host's (builds and imports for it)
    platform: Platform | None = None

    @property
    def dockerfile(self) -> Path:
        return self.custom_dockerfile or self.context / "Dockerfile"

    @property
    def wheel_dir(self) -> Path:
        """.wheels, or .wheels-<arch> for a foreign platform (both kept side by side; the
        Dockerfile copies the one its WHEELS build arg names)."""
        if self.platform is None:
            return self.context / WHEEL_DIR
        return self.context / f"{WHEEL_DIR}-{self.platform.arch}"

    @property
    def requirements_file(self) -> Path | None:
        return self.context / self.requirements if self.requirements else None

    @property
    def sdist_dir(self) -> Path:
        return self.context / SDIST_DIR

    @property
    def sdist_file(self) -> Path | None:
        return self.context / self.sdists if self.sdists else None


@dataclass(frozen=True)
class ImageList:
    images: dict[str, ImageSpec]
    wheel_platform: WheelPlatform
    platform: Platform | None = None

    def __getitem__(self, name: str) -> ImageSpec:
        try:
            return self.images[name]
        except KeyError:
            known = ", ".join(self.images)
            raise HarnessError(f"unknown image {name!r}; known images: {known}") from None

    def closure(self, names: Iterable[str] | None = None) -> list[ImageSpec]:
        """The named images and everything they depend on, dependencies first."""
        wanted = list(self.images) if names is None else list(names)
        ordered: list[ImageSpec] = []
        seen: set[str] = set()

        def visit(name: str, path: tuple[str, ...]) -> None:
            if name in path:
                cycle = " -> ".join((*path, name))
                raise HarnessError(f"images.yaml has a dependency cycle: {cycle}")
            if name in seen:
                return
            spec = self[name]
            for dep in spec.depends:
                visit(dep, (*path, name))
            seen.add(name)
            ordered.append(spec)

        for name in wanted:
            visit(name, ())
        return ordered

    def dependants(self, name: str) -> list[str]:
        """Every image that builds on `name`, directly or not."""
        out: list[str] = []
        for spec in self.images.values():
            if spec.name != name and name in {s.name for s in self.closure([spec.name])}:
                out.append(spec.name)
        return out


def choose_platform(name: str | None) -> Platform:
    """--platform's entry (core.constants.PLATFORMS), or the host's."""
    name = name or host_platform()
    try:
        machine, debian_arch, wheel_arch = PLATFORMS[name]
    except KeyError:
        known = ", ".join(PLATFORMS)
        raise HarnessError(f"unknown platform {name!r}; known: {known}") from None
    return Platform(name, machine, debian_arch, wheel_arch, foreign=foreign_platform(name))


def for_platform(spec: ImageSpec, platform: Platform) -> ImageSpec:
    """The spec as built for a foreign platform: its own tag, never a registry stand-in."""
    if not platform.foreign:
        return spec
    return dataclasses.replace(
        spec, tag=f"{spec.tag}-{platform.arch}", registry=None, platform=platform
    )


def load_image_list(
    path: Path = SPEC_FILE, root: Path = REPO_ROOT, platform: str | None = None
) -> ImageList:
    """Read images.yaml for a platform (default: the host's); contexts are resolved against
    the repository root."""
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise HarnessError(f"cannot read image list {path}: {exc}") from exc
    target = choose_platform(platform)
    images: dict[str, ImageSpec] = {}
    for name, entry in (raw.get("images") or {}).items():
        images[name] = ImageSpec(
            name=name,
            tag=entry["tag"],
            context=root / entry["context"],
            registry=entry.get("registry"),
            kind=entry.get("kind", "docker"),
            depends=tuple(entry.get("depends") or ()),
            build_args=dict(entry.get("build_args") or {}),
            requirements=entry.get("requirements"),
            sdists=entry.get("sdists"),
            sources=entry.get("sources"),
            optional=bool(entry.get("optional", False)),
            env=entry.get("env"),
            suite=entry.get("suite"),
        )
    images = {name: for_platform(spec, target) for name, spec in images.items()}
    return ImageList(
        images=images,
        wheel_platform=wheel_platform(raw["wheel_platform"], target),
        platform=target,
    )


def wheel_platform(wp: dict[str, Any], target: Platform) -> WheelPlatform:
    return WheelPlatform(
        python_version=str(wp["python_version"]),
        implementation=wp["implementation"],
        abi=wp["abi"],
        platforms=tuple(p.format(arch=target.wheel_arch) for p in wp["platforms"]),
    )


def context_files(context: Path) -> list[str]:
    """Files docker would send for this context (honours .dockerignore), minus derived ones.

    The wheelhouses are derived from the requirements files, which are hashed instead;
    Python bytecode is derived from the sources.
    """
    ignore = context / ".dockerignore"
    patterns: list[str] = []
    if ignore.exists():
        patterns = [
            line.strip()
            for line in ignore.read_text().splitlines()
            if line.strip() and not line.strip().startswith("#")
        ]
    files = []
    for rel in exclude_paths(str(context), patterns):
        top = rel.split("/")[0]
        if top in (WHEEL_DIR, SDIST_DIR) or top.startswith(WHEEL_DIR + "-") or _derived(rel):
            continue
        if (context / rel).is_file():
            files.append(rel)
    return sorted(files)


def _derived(rel: str) -> bool:
    """Bytecode written by in-process tests; it must not make an image look changed."""
    parts = rel.split("/")
    if parts[0] in (WHEEL_DIR + ".partial", SDIST_DIR + ".partial"):  # being downloaded now
        return True
    return "__pycache__" in parts or rel.endswith((".pyc", ".pyo"))


def hash_inputs(context: Path, extra: dict[str, str] | None = None) -> str:
    """A sha256 over the context's files (path, mode, content) and extra key/value inputs."""
    digest = hashlib.sha256()
    for rel in context_files(context):
        path = context / rel
        executable = os.access(path, os.X_OK)
        digest.update(f"file\0{rel}\0{int(executable)}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for key, value in sorted((extra or {}).items()):
        digest.update(f"extra\0{key}\0{value}\0".encode())
    return digest.hexdigest()
