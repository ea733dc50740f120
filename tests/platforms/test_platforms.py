"""--platform: which images, tags, wheels and timeouts another platform gets, and an image
loaded for another architecture that reports it (real engine).

The whole pipeline under emulation is a benchmark (minutes, not seconds):
benchmarks/bench_platform.py, figures in docs/platforms.md.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import docker
import pytest

from imagetest.core.config import EMULATION_SLOWDOWN, resolve_config
from imagetest.core.constants import PLATFORMS, REPO_ROOT, host_platform
from imagetest.core.errors import HarnessError, OptionError
from imagetest.images.archive import load_rootfs
from imagetest.images.imagespec import load_image_list
from imagetest.images.upstream import load_recipe
from imagetest.model.runstate import RunState, StackSpec
from imagetest.stages.stack import health_timing, image_values

FOREIGN = next(name for name in PLATFORMS if name != host_platform())
ARCH = FOREIGN.rsplit("/", 1)[-1]
WHEEL_ARCH = PLATFORMS[FOREIGN][2]


def test_another_platform_gets_tags_wheels_and_a_build_of_its_own() -> None:
    host = load_image_list()
    other = load_image_list(platform=FOREIGN)
    for name, spec in host.images.items():
        assert other[name].tag == f"{spec.tag}-{ARCH}"
        assert other[name].registry is None  # a registry image is the host's architecture
        assert other[name].platform is not None and other[name].platform.name == FOREIGN
        assert spec.platform is None
    assert other["dashboard"].wheel_dir.name == f".wheels-{ARCH}"
    assert all(tag.endswith(WHEEL_ARCH) for tag in other.wheel_platform.platforms)
    assert host.wheel_platform.platforms != other.wheel_platform.platforms
    assert load_image_list(platform=host_platform()).images == host.images


def test_the_upstream_recipe_downloads_the_platforms_wheels() -> None:
    tags = load_recipe(platform=FOREIGN).wheel_platform.platforms
    assert tags and all(tag.endswith(WHEEL_ARCH) for tag in tags)


def test_emulation_scales_the_stage_timeout_unless_given() -> None:
    assert resolve_config({"platform": FOREIGN}).timeout == 300 * EMULATION_SLOWDOWN
    assert resolve_config({"platform": FOREIGN, "timeout": "90"}).timeout == 90
    assert resolve_config({"platform": host_platform()}).timeout == 300


def test_emulation_paces_the_health_checks_and_the_periodic_tasks(tmp_path: Path) -> None:
    """Under emulation a check's Python start outlasts the 5 s timeout and, each second,
    keeps the cores busy: the checks are spaced out and given time; natively unchanged."""
    state = RunState(run_id="r", project="p", ports={}, root=tmp_path,
                     stack=StackSpec(aap_version="2.6", profile="reference"))  # fmt: skip
    native = health_timing(state, resolve_config({"platform": host_platform()}))
    assert native == {"HEALTH_SETTLE": "3"}
    emulated = health_timing(state, resolve_config({"platform": FOREIGN}))
    assert emulated == {"HEALTH_INTERVAL": "5s", "HEALTH_TIMEOUT": "60s", "HEALTH_SETTLE": "30"}
    # the image's periodic tasks: every second natively, every 10 s under emulation
    state.db.update(user="u", password="p", name="n")
    native_values = image_values(state, resolve_config({"platform": host_platform()}))
    assert native_values["schedule_seconds"] == "1"
    assert image_values(state, resolve_config({"platform": FOREIGN}))["schedule_seconds"] == "10"
    compose = (REPO_ROOT / "compose" / "compose.yml").read_text()
    assert "interval: ${HEALTH_INTERVAL:-1s}" in compose
    assert "timeout: ${HEALTH_TIMEOUT:-5s}" in compose


def test_an_unknown_platform_is_refused_with_the_known_ones() -> None:
    with pytest.raises(OptionError, match="linux/amd64, linux/arm64"):
        resolve_config({"platform": "linux/s390x"})
    with pytest.raises(HarnessError, match="unknown platform 'linux/riscv64'"):
        load_image_list(platform="linux/riscv64")


def one_file_rootfs(path: Path) -> Path:
    with tarfile.open(path, "w") as archive:
        data = b"imagetest\n"
        info = tarfile.TarInfo("etc/hostname")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.docker
def test_a_rootfs_loaded_for_another_platform_reports_its_architecture(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    tag = f"localhost/imagetest/platform-probe:{ARCH}-{tmp_path.name.lower()[-12:]}"
    rootfs = one_file_rootfs(tmp_path / "rootfs.tar")
    load_rootfs(docker_client, rootfs, tag, ARCH, {"LANG": "C.UTF-8"}, {"io.imagetest.image": "x"})
    try:
        attrs = docker_client.images.get(tag).attrs
        assert attrs["Architecture"] == ARCH
        assert attrs["Os"] == "linux"
        assert attrs["Config"]["Labels"] == {"io.imagetest.image": "x"}
        assert "LANG=C.UTF-8" in attrs["Config"]["Env"]
    finally:
        docker_client.images.remove(tag, force=True)
