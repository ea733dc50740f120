"""`invoke doctor` checks every host tool the images stage needs; setup.sh installs them."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from imagetest.core.constants import PLATFORMS, REPO_ROOT, host_platform
from imagetest.core.errors import HarnessError
from imagetest.stages import doctor

SETUP = REPO_ROOT / "scripts" / "setup.sh"


def tools_file(tmp_path: Path) -> Path:
    path = tmp_path / "scripts" / "host-tools.txt"
    path.parent.mkdir()
    path.write_text(
        "# comment\n"
        "bash                     bash\n"
        "imagetest-no-such-tool   pkg-a\n"
        "/nonexistent/keyring.gpg pkg-b\n"
    )
    return path


def test_the_list_names_debootstrap_and_the_archive_keyring() -> None:
    names = [what for what, _ in doctor.host_tools()]
    assert "debootstrap" in names
    assert "/usr/share/keyrings/debian-archive-keyring.gpg" in names


def test_doctor_fails_naming_the_missing_tools_and_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(doctor, "HOST_TOOLS_FILE", tools_file(tmp_path))
    monkeypatch.setattr(doctor, "CHECKS", (("tools", doctor.check_host_tools),))
    lines: list[str] = []
    assert doctor.run_checks(out=lines.append) is False
    (line,) = [ln for ln in lines if ln.startswith("FAIL")]
    assert line.startswith("FAIL  tools")
    assert "imagetest-no-such-tool, /nonexistent/keyring.gpg" in line
    assert "apt-get install pkg-a pkg-b" in line


def test_setup_reads_the_same_list(tmp_path: Path) -> None:
    tools_file(tmp_path)
    script = f'eval "$(sed -n "/^missing_host_packages()/,/^}}/p" {SETUP})"; missing_host_packages'
    out = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["pkg-a", "pkg-b"]


def test_ci_runs_doctor_before_the_tests() -> None:
    steps = [
        line.split()[1]
        for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines()
        if line.startswith("run_step ")
    ]
    assert steps.index("doctor") < steps.index("pytest")


def binfmt_dir(tmp_path: Path, handler: str | None) -> Path:
    """A binfmt_misc folder as the kernel shows it (status, and one handler's file)."""
    (tmp_path / "status").write_text("enabled\n")
    if handler is not None:
        (tmp_path / f"qemu-{MACHINE}").write_text(handler)
    return tmp_path


# the other platform than this host's, and its uname -m
FOREIGN = next(name for name in PLATFORMS if name != host_platform())
MACHINE = PLATFORMS[FOREIGN][0]


@pytest.mark.parametrize(
    ("handler", "words"),
    [
        (None, f"no qemu-{MACHINE} handler: apt-get install qemu-user-static"),
        ("disabled\ninterpreter /x\nflags: PF\n", f"update-binfmts --enable qemu-{MACHINE}"),
        ("enabled\ninterpreter /x\nflags: P\n", "lacks the fix-binary flag (F)"),
    ],
)
def test_a_foreign_platform_without_emulation_names_the_fix(
    tmp_path: Path, handler: str | None, words: str
) -> None:
    with pytest.raises(HarnessError, match=re.escape(words)):
        doctor.check_platform(FOREIGN, binfmt_dir(tmp_path, handler))


def test_a_foreign_platform_with_qemu_registered_passes(tmp_path: Path) -> None:
    found = doctor.check_platform(FOREIGN, binfmt_dir(tmp_path, "enabled\nflags: PF\n"))
    assert found == f"{FOREIGN} under emulation (qemu-{MACHINE}, flags PF)"
    assert doctor.check_platform(None) == f"{host_platform()} (this host's)"


def test_a_tool_in_sbin_is_found_off_a_users_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Debian puts debootstrap in /usr/sbin, which a user's PATH lacks."""
    tool = tmp_path / "imagetest-sbin-tool"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(doctor, "SBIN", (str(tmp_path),))
    assert doctor.tool_present("imagetest-sbin-tool")
    assert not doctor.tool_present("imagetest-no-such-tool")
