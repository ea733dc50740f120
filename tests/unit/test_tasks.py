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


# Flags of a task that are not options of a run (not Config fields): the task's own.
OWN_FLAGS = {
    "logs": {"service", "tail"},
    "teardown": {"run_id", "all"},
    "matrix": {"aap_versions", "jobs", "scenarios"},
    "scenarios": {"jobs", "worker_of"},
    "history": {"refs", "scenario", "jobs", "first_parent", "fixes", "runs", "record"},
    "bisect": {"good", "bad", "scenario", "fixed"},
    "upgrade": set(),
}


def test_every_task_takes_exactly_its_rows_of_the_options_table() -> None:
    """tasks.py's signatures and the options table (Config fields) agree, both ways."""
    import inspect

    import tasks
    from imagetest.core.config import CONFIG_TASKS, task_help, task_options

    found = {t.name: t for t in vars(tasks).values() if hasattr(t, "body") and hasattr(t, "name")}
    assert set(found) >= set(CONFIG_TASKS) | set(OWN_FLAGS)
    for name, task in found.items():
        params = set(inspect.signature(task.body).parameters) - {"c"}
        declared = set(task_options(name)) | OWN_FLAGS.get(name, set())
        assert params == declared, f"{name}: flags {sorted(params ^ declared)} differ"
        assert set(task.help) == {p.replace("_", "-") for p in params}, f"{name}: help differs"
        for flag, text in task_help(name).items():
            assert task.help[flag] == text, f"{name} --{flag}: help is not the table's"


def test_matrix_only_needs_scenarios() -> None:
    argv = [sys.executable, "-m", "invoke", "matrix", "--only", "plain-test-image"]
    proc = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "--only picks scenarios: give --scenarios too" in proc.stderr
