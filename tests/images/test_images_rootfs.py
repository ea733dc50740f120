"""The rootfs build (rootfs.sh, debootstrap) is bounded in time and leaves nothing running.

Real processes, no engine: these rootfs.sh scripts fail before `docker import`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, cast

import pytest

from imagetest.images import ImageBuildError
from imagetest.images.build import build_rootfs_image
from imagetest.images.imagespec import ImageSpec


def _spec(tmp_path: Path, script: str) -> ImageSpec:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "rootfs.sh").write_text(script)
    return ImageSpec("base-test", "localhost/imagetest/base-test:t", ctx, kind="rootfs")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in state  # a zombie has stopped running


def test_a_silent_rootfs_build_is_stopped_and_named(tmp_path: Path) -> None:
    """A mirror that stops answering: rootfs.sh prints nothing more; the build ends after the
    idle limit with one line, and its child (debootstrap's stand-in) is gone too."""
    pid_file = tmp_path / "child.pid"
    spec = _spec(
        tmp_path, f"echo 'I: Retrieving InRelease'\nsleep 60 &\necho $! > {pid_file}\nwait\n"
    )
    seen: list[str] = []
    started = time.monotonic()
    with pytest.raises(ImageBuildError) as info:
        build_rootfs_image(
            cast(Any, None), spec, "inputs", seen.append, cache=tmp_path, idle_timeout=1.0
        )
    assert time.monotonic() - started < 10
    message = str(info.value)
    assert message.startswith("image base-test: rootfs.sh made no progress for 1 s")
    assert "check the host's apt sources" in message
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child)


def test_a_rootfs_build_over_its_total_limit_is_stopped(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "while true; do echo 'I: Extracting x'; sleep 0.1; done\n")
    with pytest.raises(ImageBuildError, match=r"rootfs.sh did not finish within 2 s"):
        build_rootfs_image(cast(Any, None), spec, "inputs", print, cache=tmp_path, timeout=2.0)


def test_a_failing_rootfs_build_shows_its_last_lines(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "echo 'I: Retrieving Release'\necho 'E: no such suite' >&2\nexit 1\n")
    seen: list[str] = []
    with pytest.raises(ImageBuildError, match=r"rootfs.sh failed: E: no such suite$"):
        build_rootfs_image(cast(Any, None), spec, "inputs", seen.append, cache=tmp_path)
    assert "[base-test] | E: no such suite" in seen
