"""The task list as a user sees it (no Docker: only --list and --help)."""

from __future__ import annotations

import subprocess
import sys

from imagetest.core.constants import REPO_ROOT

TASKS = (
    "doctor",
    "images",
    "build",
    "up",
    "seed",
    "sync",
    "wait",
    "validate",
    "logs",
    "teardown",
    "test-image",
    "matrix",
)


def invoke(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "invoke", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def test_every_task_listed_with_a_description() -> None:
    lines = {
        line.split()[0]: line.split(None, 1)[1:]
        for line in invoke("--list").splitlines()
        if line.startswith("  ") and line.strip() and not line.startswith("   ")
    }
    for name in TASKS:
        assert name in lines, f"{name} missing from invoke --list"
        assert lines[name], f"{name} has no description"


def test_options_have_help() -> None:
    text = invoke("--help", "test-image")
    for option in (
        "--aap-version",
        "--keep",
        "--timeout",
        "--poll-interval",
        "--expected",
        "--artifacts",
        "--profile",
        "--aap-url",
        "--skip-seed",
        "--image",
    ):
        assert option in text
    assert "[test-image]" not in text.split("Options:")[1].split("--aap-version")[0]
