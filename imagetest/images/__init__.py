"""The images stage: make sure every image of the stack exists.

For each image (imagetest/images.yaml), dependencies first:
  1. a registry equivalent (postgres:15, ...) that is already present is used as is;
  2. otherwise, unless offline, it is pulled (imagetest.images.registry) when the registry answers
     within a short timeout; a registry that does not answer is not asked again;
  3. otherwise the local equivalent is built, but only when its inputs changed: every built
     image carries a label with the hash of its context files, wheel requirements and the
     id of the image it builds on, so a warm call rebuilds nothing.

`python -m imagetest.images [--offline] [--pull-timeout S] [NAME...]` prints the compose
variables (POSTGRES_IMAGE=..., ...) of the resolved tags.

Options (imagetest.core.config, from flags, IMAGETEST_* or invoke.yaml): offline, build_jobs
(parallel builds, 2), registry_username / registry_password (pull credentials; anonymous is
tried after them), pull_timeout (a whole pull, imagetest.images.registry).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import docker

from imagetest.core.config import Config
from imagetest.engine import dockerutil
from imagetest.images.build import (
    DEBOOTSTRAP_CACHE,
    DEFAULT_PULL_TIMEOUT,
    ImageBuildError,
    Printer,
    _image,
    _print,
    build_docker_image,
    build_rootfs_image,
)
from imagetest.images.imagespec import ImageList, load_image_list
from imagetest.images.plan import ImageResult, ImageStage

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
        image_list or load_image_list(platform=config.platform),
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


__all__ = [
    "DEBOOTSTRAP_CACHE",
    "ImageBuildError",
    "ImageResult",
    "ImageStage",
    "build_docker_image",
    "build_rootfs_image",
    "compose_env",
    "ensure_images",
    "resolved_tags",
]
