"""A small real git repository for the tests of refs, history and bisect."""

from __future__ import annotations

import subprocess
from pathlib import Path

# Fixed identities and dates: the commits (and so their ids' order of dates) are the same on
# every machine.
ENV = {
    "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_AUTHOR_DATE": "2026-01-02T03:04:05Z", "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z",
    "PATH": "/usr/bin:/bin",
}  # fmt: skip


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=ENV)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def make_repo(path: Path) -> Path:
    """main with two commits (a.txt "one", then "two"); the first is tagged v1."""
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "a.txt").write_text("one\n")
    git(path, "add", "a.txt")
    git(path, "commit", "-q", "-m", "first")
    git(path, "tag", "v1")
    (path / "a.txt").write_text("two\n")
    git(path, "commit", "-q", "-am", "second")
    return path
