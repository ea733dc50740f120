"""`invoke doctor`: check the host before a run, one line per check.

Every check raises HarnessError with the fix; `.ci/run` fails when one does.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from imagetest.core.config import Config
from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import HarnessError
from imagetest.engine import compose, dockerutil, podman
from imagetest.images.imagespec import choose_platform, load_image_list
from imagetest.stages.stack import START_INTERVAL_API

MIN_FREE_GB = 3.0
HOST_TOOLS_FILE = REPO_ROOT / "scripts" / "host-tools.txt"
Check = Callable[[], str]


def host_tools(path: Path | None = None) -> list[tuple[str, str]]:
    """(command or file path, Debian package) for each tool the images stage needs."""
    tools: list[tuple[str, str]] = []
    for line in (path or HOST_TOOLS_FILE).read_text().splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            tools.append((words[0], words[1] if len(words) > 1 else words[0]))
    return tools


# A user's PATH on Debian lacks the sbin directories, where debootstrap lives.
SBIN = ("/usr/sbin", "/sbin")


def tool_present(what: str) -> bool:
    if what.startswith("/"):
        return Path(what).exists()
    return shutil.which(what) is not None or any(os.access(Path(d) / what, os.X_OK) for d in SBIN)


def check_host_tools() -> str:
    """Every program the base image build runs (debootstrap, ...), from scripts/host-tools.txt."""
    tools = host_tools()
    missing = [(what, package) for what, package in tools if not tool_present(what)]
    if missing:
        names = ", ".join(what for what, _ in missing)
        packages = " ".join(sorted({package for _, package in missing}))
        raise HarnessError(
            f"missing {names} (the images stage builds the base image with them); "
            f"run scripts/setup.sh or apt-get install {packages}"
        )
    present = f"{len(tools)} tools present ({', '.join(Path(w).name for w, _ in tools)})"
    if os.geteuid() != 0:
        base = load_image_list()["base"].tag
        if not dockerutil.client().images.list(name=base):
            raise HarnessError(
                f"the base image {base} is not in the engine's store and debootstrap needs "
                "root: run `invoke images` as root once, with this DOCKER_HOST"
            )
        return f"{present}; not root: {base} is present (rebuilding it needs root)"
    return present


def check_python() -> str:
    return f"Python {sys.version.split()[0]}"


def check_engine() -> str:
    c = dockerutil.client()
    info = c.version()
    api = str(info.get("ApiVersion"))
    note = (
        "start_interval on"
        if dockerutil.version_at_least(api, START_INTERVAL_API)
        else ("1 s health interval (engine < 25)")
    )
    if podman.is_podman(c):
        note += "; health checks run by the harness"
    return f"{podman.engine_name(c)} {info.get('Version')} (API {api}; {note})"


def check_podman() -> str:
    """On Podman: container names resolve, and a container starts as the stack's do (with
    the base image, once there is one)."""
    c = dockerutil.client()
    if not podman.is_podman(c):
        return "not Podman: nothing to check"
    found = [podman.check_dns(c)]
    base = load_image_list()["base"].tag
    if not dockerutil.image_exists(c, base):
        found.append("container start not probed (no image yet: run invoke images)")
    else:
        found.append(podman.check_runs(c, base))
    return "; ".join(found)


def check_compose() -> str:
    return f"Docker Compose {compose.compose_version()}"


def check_disk() -> str:
    free = shutil.disk_usage(REPO_ROOT).free / 1e9
    if free < MIN_FREE_GB:
        raise HarnessError(f"only {free:.1f} GB free; the images need {MIN_FREE_GB:.0f} GB+")
    return f"{free:.1f} GB free"


CHECKS: tuple[tuple[str, Check], ...] = (
    ("python", check_python),
    ("engine", check_engine),
    ("compose", check_compose),
    ("podman", check_podman),
    ("disk", check_disk),
    ("tools", check_host_tools),
)


BINFMT = Path("/proc/sys/fs/binfmt_misc")


def binfmt_fix(machine: str) -> str:
    return (
        "apt-get install qemu-user-static binfmt-support; mount -t binfmt_misc binfmt_misc "
        f"{BINFMT}; update-binfmts --enable qemu-{machine}"
    )


def check_platform(name: str | None, binfmt: Path = BINFMT) -> str:
    """A foreign --platform needs the kernel to hand its binaries to qemu, with the
    interpreter opened up front (flag F) so it works inside containers."""
    platform = choose_platform(name)
    if not platform.foreign:
        return f"{platform.name} (this host's)"
    handler = binfmt / f"qemu-{platform.machine}"
    if not (binfmt / "status").exists():
        raise HarnessError(
            f"{platform.name} runs under emulation, and binfmt_misc is not mounted: "
            + binfmt_fix(platform.machine)
        )
    if not handler.is_file():
        raise HarnessError(
            f"{platform.name} runs under emulation, and binfmt_misc has no qemu-"
            f"{platform.machine} handler: {binfmt_fix(platform.machine)}"
        )
    text = handler.read_text()
    flags = next(
        (ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("flags:")), ""
    )
    if not text.startswith("enabled"):
        raise HarnessError(
            f"the qemu-{platform.machine} handler is disabled: update-binfmts --enable "
            f"qemu-{platform.machine}"
        )
    if "F" not in flags:
        raise HarnessError(
            f"the qemu-{platform.machine} handler lacks the fix-binary flag (F), so containers "
            "cannot find qemu: install Debian's qemu-user-static (it registers with F)"
        )
    return f"{platform.name} under emulation (qemu-{platform.machine}, flags {flags})"


def run_checks(config: Config | None = None, out: Callable[[str], None] = print) -> bool:
    ok = True
    platform = config.platform if config else None
    for name, check in (*CHECKS, ("platform", lambda: check_platform(platform))):
        try:
            out(f"ok    {name:<8} {check()}")
        except HarnessError as exc:
            ok = False
            out(f"FAIL  {name:<8} {exc}")
    return ok
