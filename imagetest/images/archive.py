"""A root filesystem as an image for another architecture, through `docker load`.

`docker import` records the engine's own architecture (Docker 20.10 passes only the OS of
its `platform`), so an arm64 rootfs imported on x86_64 would say amd64, and every image
built on it too. An image archive carries its config, architecture included: one layer
(the rootfs tarball as is), one config, one manifest, as `docker save` writes them.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import docker

CHUNK = 1 << 20


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def image_config(arch: str, diff_id: str, env: dict[str, str], labels: dict[str, str]) -> bytes:
    config = {
        "architecture": arch,
        "os": "linux",
        "config": {
            "Env": [f"{k}={v}" for k, v in env.items()],
            "Cmd": ["bash"],
            "Labels": labels,
        },
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_id}"]},
        "history": [{"created_by": "imagetest: debootstrap rootfs (images/base/rootfs.sh)"}],
    }
    return json.dumps(config, sort_keys=True).encode()


def load_rootfs(
    client: docker.DockerClient,
    rootfs: Path,
    repo_tag: str,
    arch: str,
    env: dict[str, str],
    labels: dict[str, str],
) -> None:
    """Load ``rootfs`` (a tarball of /) as ``repo_tag`` for ``arch``."""
    diff_id = _sha256(rootfs)
    config = image_config(arch, diff_id, env, labels)
    config_name = f"{hashlib.sha256(config).hexdigest()}.json"
    archive_path = rootfs.with_name("image.tar")
    with tarfile.open(archive_path, "w") as archive:
        archive.add(rootfs, arcname=f"{diff_id}/layer.tar")
        _add_bytes(archive, config_name, config)
        manifest = [
            {"Config": config_name, "RepoTags": [repo_tag], "Layers": [f"{diff_id}/layer.tar"]}
        ]
        _add_bytes(archive, "manifest.json", json.dumps(manifest).encode())
    try:
        with archive_path.open("rb") as data:
            client.images.load(data)
    finally:
        archive_path.unlink(missing_ok=True)
