"""Host-side wheelhouse: pip downloads an image's pinned wheels into images/<name>/.wheels/.

Containers cannot reach PyPI here, so the host (which can) downloads exactly the wheels
the image's platform needs and `docker build` installs them with `--no-index`.
A stamp file records what the wheelhouse was made from; an unchanged requirements
file means no pip run at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from imagetest.core.errors import HarnessError
from imagetest.images.imagespec import WheelPlatform

STAMP = ".imagetest-stamp.json"


@dataclass(frozen=True)
class WheelhouseResult:
    wheel_dir: Path
    key: str
    downloaded: bool


def wheelhouse_key(requirements: Path, platform: WheelPlatform | None) -> str:
    """What the wheelhouse depends on: the requirements text and the target platform."""
    digest = hashlib.sha256()
    digest.update(requirements.read_bytes())
    digest.update("\0".join(_binary_args(platform)).encode())
    return digest.hexdigest()


def is_current(wheel_dir: Path, key: str) -> bool:
    """True when the stamp matches `key` and every wheel it lists is still there."""
    stamp = wheel_dir / STAMP
    try:
        data = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return False
    if data.get("key") != key:
        return False
    files = data.get("files")
    if not isinstance(files, list):
        return False
    return all((wheel_dir / name).is_file() for name in files)


def _binary_args(platform: WheelPlatform | None) -> list[str]:
    """Wheels for `platform`; without one, source distributions (compiled in the image).

    The files are hashed, complete locks: nothing to resolve, and an image's pins may be
    split between a wheel file and a source file.
    """
    if platform is None:
        return ["--no-deps"]
    return ["--only-binary=:all:", "--no-deps", *platform.pip_args()]


def pip_download_command(
    requirements: Path, dest: Path, platform: WheelPlatform | None, python: str = sys.executable
) -> list[str]:
    return [
        python,
        "-m",
        "pip",
        "download",
        "--disable-pip-version-check",
        "--no-input",
        "--require-hashes",
        *_binary_args(platform),
        *_source_only(requirements, platform),
        "--dest",
        str(dest),
        "-r",
        str(requirements),
    ]


def _source_only(requirements: Path, platform: WheelPlatform | None) -> list[str]:
    """Sources for the file's own pins only: their build tools (pip prepares each sdist's
    metadata in a fresh environment) may come as wheels, as some no longer build from source.
    """
    if platform is None:
        names = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", requirements.read_text(), re.M)
        if names:
            return ["--no-binary=" + ",".join(names)]
    return []


@contextlib.contextmanager
def locked(wheel_dir: Path) -> Iterator[None]:
    """One pip download per wheelhouse at a time, across processes (parallel runs)."""
    name = hashlib.sha256(str(wheel_dir.resolve()).encode()).hexdigest()[:16]
    lock = Path(tempfile.gettempdir()) / f"imagetest-wheelhouse-{name}.lock"
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_pip(cmd: list[str], what: str) -> None:
    """Run a pip download; a failure is one line with pip's last words."""
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
        last = lines[-1] if lines else f"exit {proc.returncode}"
        raise HarnessError(f"pip download for {what} failed: {last}")


def ensure_wheelhouse(
    requirements: Path, wheel_dir: Path, platform: WheelPlatform | None, *, offline: bool = False
) -> WheelhouseResult:
    """Make `wheel_dir` hold the wheels of `requirements`; skip when already current."""
    if not requirements.is_file():
        raise HarnessError(
            f"{requirements} is missing; add the pinned, hashed requirements file "
            "(pip-compile --generate-hashes)",
        )
    key = wheelhouse_key(requirements, platform)
    if is_current(wheel_dir, key):
        return WheelhouseResult(wheel_dir, key, downloaded=False)
    with locked(wheel_dir):
        # Another process may have made it while we waited.
        if is_current(wheel_dir, key):
            return WheelhouseResult(wheel_dir, key, downloaded=False)
        return _download(requirements, wheel_dir, platform, key, offline=offline)


def _download(
    requirements: Path,
    wheel_dir: Path,
    platform: WheelPlatform | None,
    key: str,
    *,
    offline: bool,
) -> WheelhouseResult:
    if offline:
        raise HarnessError(
            f"wheelhouse {wheel_dir} is out of date and --offline forbids pip download; "
            "run once without --offline",
        )
    # Start clean so wheels of old pins never reach the image.
    tmp = wheel_dir.with_name(wheel_dir.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        run_pip(pip_download_command(requirements, tmp, platform), str(requirements))
    except HarnessError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    files = sorted(p.name for p in tmp.iterdir() if p.is_file())
    (tmp / STAMP).write_text(json.dumps({"key": key, "files": files}, indent=1) + "\n")
    shutil.rmtree(wheel_dir, ignore_errors=True)
    tmp.rename(wheel_dir)
    return WheelhouseResult(wheel_dir, key, downloaded=True)
