"""Facts every layer shares: where the repository's files live, the AAP versions, labels."""

from __future__ import annotations

import platform
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
EXPECTED_DIR = REPO_ROOT / "expected"
PROFILES_DIR = EXPECTED_DIR / "profiles"
SCENARIOS_DIR = REPO_ROOT / "scenarios"
SCRIPTS_DIR = REPO_ROOT / "scripts"
COMPOSE_DIR = REPO_ROOT / "compose"
# The AAP versions the harness emulates and has expectations for; defined here only.
AAP_VERSIONS = ("2.4", "2.5", "2.6")
# What the stack's AAP is (--aap): the emulator, or the real AWX controller standing in for
# the AAP version its API is (AWX 24.x is AAP 2.4's controller).
AAP_EMULATOR = "aapsim"
AAP_AWX = "awx"
AAP_KINDS = (AAP_EMULATOR, AAP_AWX)
AWX_AAP_VERSION = "2.4"
# What images may be built and run for (--platform; default: this host's, by `uname -m`):
# name -> (uname -m inside it, Debian's architecture, the arch in wheel platform tags).
# Another than the host's runs under emulation (qemu-user-static and binfmt_misc: `invoke
# doctor --platform P` says what is missing); its images get tags of their own ("-arm64").
PLATFORMS: dict[str, tuple[str, str, str]] = {
    "linux/amd64": ("x86_64", "amd64", "x86_64"),
    "linux/arm64": ("aarch64", "arm64", "aarch64"),
}


def host_platform() -> str:
    machine = platform.machine()
    for name, (uname, _, _) in PLATFORMS.items():
        if uname == machine:
            return name
    return f"linux/{machine}"


def foreign_platform(name: str | None) -> bool:
    """A platform other than the host's (its binaries run under emulation)."""
    return bool(name) and name != host_platform()


# Every container, network and volume of a run carries it; its compose project is PREFIX+id.
RUN_LABEL = "io.imagetest.run"
# ... and the id of the clone (runs directory) that started it, and its owner process.
CLONE_LABEL = "io.imagetest.clone"
OWNER_LABEL = "io.imagetest.owner"
PROJECT_PREFIX = "imagetest-"


def expected_path(aap_version: str) -> Path:
    return EXPECTED_DIR / f"aap-{aap_version}.yaml"


def profile_path(name_or_path: str) -> Path:
    """A profile by name (``reference``: expected/profiles/reference.yaml) or by path."""
    path = Path(name_or_path)
    return PROFILES_DIR / f"{name_or_path}.yaml" if not path.suffix else path
