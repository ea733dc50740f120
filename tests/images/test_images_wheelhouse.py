"""Unit tests: when the wheelhouse downloads and when it is left alone."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from imagetest.core.errors import HarnessError
from imagetest.images import wheelhouse
from imagetest.images.imagespec import WheelPlatform
from imagetest.images.wheelhouse import ensure_wheelhouse, is_current, wheelhouse_key

PLATFORM = WheelPlatform("3.11", "cp", "cp311", ("manylinux2014_x86_64",))
REQS = "six==1.16.0 --hash=sha256:" + "0" * 64 + "\n"


class FakePip:
    """Stands in for `pip download`: records calls and writes the wheels it is told to."""

    def __init__(self, wheels: list[str], returncode: int = 0, stderr: str = "") -> None:
        self.wheels = wheels
        self.returncode = returncode
        self.stderr = stderr
        self.calls: list[list[str]] = []

    def __call__(self, cmd: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append(cmd)
        dest = Path(cmd[cmd.index("--dest") + 1])
        if self.returncode == 0:
            for name in self.wheels:
                (dest / name).write_bytes(b"wheel")
        return subprocess.CompletedProcess(cmd, self.returncode, "", self.stderr)


@pytest.fixture
def reqs(tmp_path: Path) -> Path:
    path = tmp_path / "requirements.txt"
    path.write_text(REQS)
    return path


def _install(monkeypatch: pytest.MonkeyPatch, pip: FakePip) -> FakePip:
    monkeypatch.setattr(wheelhouse.subprocess, "run", pip)
    return pip


@pytest.fixture
def wheels(monkeypatch: pytest.MonkeyPatch, reqs: Path, tmp_path: Path) -> Path:
    """A wheelhouse already downloaded for REQS (six 1.16.0)."""
    path = tmp_path / ".wheels"
    _install(monkeypatch, FakePip(["six-1.16.0-py2.py3-none-any.whl"]))
    ensure_wheelhouse(reqs, path, PLATFORM)
    return path


def test_first_call_downloads_second_call_does_not(
    monkeypatch: pytest.MonkeyPatch, reqs: Path, tmp_path: Path
) -> None:
    pip = _install(monkeypatch, FakePip(["six-1.16.0-py2.py3-none-any.whl"]))
    wheels = tmp_path / ".wheels"
    first = ensure_wheelhouse(reqs, wheels, PLATFORM)
    assert first.downloaded
    assert (wheels / "six-1.16.0-py2.py3-none-any.whl").is_file()
    second = ensure_wheelhouse(reqs, wheels, PLATFORM)
    assert not second.downloaded
    assert len(pip.calls) == 1


def test_pip_is_asked_for_binary_hashed_platform_wheels(
    monkeypatch: pytest.MonkeyPatch, reqs: Path, tmp_path: Path
) -> None:
    pip = _install(monkeypatch, FakePip(["six-1.16.0-py2.py3-none-any.whl"]))
    ensure_wheelhouse(reqs, tmp_path / ".wheels", PLATFORM)
    cmd = pip.calls[0]
    assert cmd[1:3] == ["-m", "pip"]
    assert "download" in cmd
    assert "--only-binary=:all:" in cmd
    assert "--require-hashes" in cmd
    assert cmd[cmd.index("--platform") + 1] == "manylinux2014_x86_64"
    assert cmd[cmd.index("--abi") + 1] == "cp311"
    assert cmd[cmd.index("-r") + 1] == str(reqs)


def test_changed_requirements_download_again_and_drop_old_wheels(
    monkeypatch: pytest.MonkeyPatch, reqs: Path, wheels: Path
) -> None:
    reqs.write_text("six==1.17.0 --hash=sha256:" + "1" * 64 + "\n")
    pip = _install(monkeypatch, FakePip(["six-1.17.0-py2.py3-none-any.whl"]))
    assert ensure_wheelhouse(reqs, wheels, PLATFORM).downloaded
    assert len(pip.calls) == 1
    names = sorted(p.name for p in wheels.iterdir() if p.suffix == ".whl")
    assert names == ["six-1.17.0-py2.py3-none-any.whl"]


def test_a_deleted_wheel_makes_the_wheelhouse_stale(
    monkeypatch: pytest.MonkeyPatch, reqs: Path, wheels: Path
) -> None:
    key = wheelhouse_key(reqs, PLATFORM)
    assert is_current(wheels, key)
    (wheels / "six-1.16.0-py2.py3-none-any.whl").unlink()
    assert not is_current(wheels, key)


def test_other_platform_means_other_key(reqs: Path) -> None:
    arm = WheelPlatform("3.11", "cp", "cp311", ("manylinux2014_aarch64",))
    assert wheelhouse_key(reqs, PLATFORM) != wheelhouse_key(reqs, arm)


def test_offline_with_a_stale_wheelhouse_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, reqs: Path, tmp_path: Path
) -> None:
    pip = _install(monkeypatch, FakePip([]))
    with pytest.raises(HarnessError, match="out of date and --offline forbids pip download"):
        ensure_wheelhouse(reqs, tmp_path / ".wheels", PLATFORM, offline=True)
    assert pip.calls == []


def test_pip_failure_names_the_last_line_and_keeps_the_old_wheelhouse(
    monkeypatch: pytest.MonkeyPatch, reqs: Path, wheels: Path
) -> None:
    reqs.write_text("six==9.9 --hash=sha256:" + "2" * 64 + "\n")
    error = "ERROR: No matching distribution found for six==9.9"
    _install(monkeypatch, FakePip([], returncode=1, stderr=f"Looking in indexes\n{error}\n"))
    with pytest.raises(HarnessError) as exc_info:
        ensure_wheelhouse(reqs, wheels, PLATFORM)
    message = str(exc_info.value)
    assert error in message
    assert "\n" not in message
    assert (wheels / "six-1.16.0-py2.py3-none-any.whl").is_file()
    assert not (wheels.parent / ".wheels.partial").exists()


def test_missing_requirements_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match=r"requirements.txt is missing; add the pinned"):
        ensure_wheelhouse(tmp_path / "requirements.txt", tmp_path / ".wheels", PLATFORM)


def test_parallel_callers_download_once(
    monkeypatch: pytest.MonkeyPatch, reqs: Path, tmp_path: Path
) -> None:
    class SlowPip(FakePip):
        def __call__(self, cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
            time.sleep(0.3)
            return super().__call__(cmd, **kw)

    pip = _install(monkeypatch, SlowPip(["six-1.16.0-py2.py3-none-any.whl"]))
    wheels = tmp_path / ".wheels"
    results: list[bool] = []

    def call() -> None:
        results.append(ensure_wheelhouse(reqs, wheels, PLATFORM).downloaded)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, True]
    assert len(pip.calls) == 1
