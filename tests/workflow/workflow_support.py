"""Shared by the workflow and action tests: YAML loading, actionlint, a stand-in harness."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "integration-test.yml"
ACTION = REPO_ROOT / "action.yml"
ACTION_SCRIPT = REPO_ROOT / "scripts" / "ci_action.sh"
SUMMARY_SCRIPT = REPO_ROOT / "scripts" / "ci_summary.py"
GITHUB_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]  # how Actions runs `run`
BASE_PATH = "/usr/bin:/bin"


def load_yaml(path: Path, text: str | None = None) -> dict[str, Any]:
    data = yaml.safe_load(text if text is not None else path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def actionlint_bin() -> Path:
    found = Path(sys.executable).parent / "actionlint"
    if not found.is_file():
        pytest.fail("actionlint is missing: run bash scripts/setup.sh (pyproject's dev extra)")
    return found


def require_shellcheck() -> str:
    found = shutil.which("shellcheck")
    if not found:
        pytest.fail("shellcheck is missing: run bash scripts/setup.sh (it installs shellcheck)")
    return found


def actionlint(project: Path, *files: str) -> subprocess.CompletedProcess[str]:
    """actionlint in a project directory, with shellcheck on the run steps."""
    argv = [str(actionlint_bin()), "-no-color", "-oneline", "-shellcheck", require_shellcheck()]
    return subprocess.run(
        [*argv, *files],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def lint_project(tmp: Path, workflow_text: str, *, with_action: bool = True) -> Path:
    """A git repository holding one workflow (and this repo's action.yml, for `uses: ./`).

    actionlint resolves a local action only inside a repository, so the inputs a workflow
    passes to `./` are checked against action.yml's.
    """
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / ".github" / "workflows").mkdir(parents=True)
    (tmp / ".github" / "workflows" / "example.yml").write_text(workflow_text, encoding="utf-8")
    if with_action:
        shutil.copy(ACTION, tmp / "action.yml")
    subprocess.run(["git", "init", "-q", str(tmp)], check=True)
    return tmp


STANDIN_INVOKE = """#!/bin/bash
# Stand-in for .venv/bin/invoke: record the call, optionally leave a summary, exit as told.
{
  echo "call:$1"
  echo "cwd:$PWD"
  echo "registry:${REGISTRY_USERNAME:-}/${REGISTRY_PASSWORD:+set}"
  for a in "$@"; do echo "arg:$a"; done
} >> "$LOG"
artifacts=""
prev=""
for a in "$@"; do
  if [ "$prev" = "--artifacts" ]; then artifacts=$a; fi
  prev=$a
done
if [ -n "${STANDIN_SUMMARY:-}" ] && [ -n "$artifacts" ]; then
  mkdir -p "$artifacts" && cp "$STANDIN_SUMMARY" "$artifacts/summary.json"
fi
case "$1" in
  build) exit "${EXIT_BUILD:-0}" ;;
  *) exit "${EXIT_TEST:-0}" ;;
esac
"""


def standin_harness(root: Path) -> Path:
    """A copy of the action's scripts with stand-ins for setup.sh and invoke."""
    scripts = root / "scripts"
    scripts.mkdir(parents=True)
    shutil.copy(ACTION_SCRIPT, scripts / ACTION_SCRIPT.name)
    shutil.copy(SUMMARY_SCRIPT, scripts / SUMMARY_SCRIPT.name)
    (scripts / "setup.sh").write_text('echo setup >> "$LOG"\nexit "${EXIT_SETUP:-0}"\n')
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    invoke = bin_dir / "invoke"
    invoke.write_text(STANDIN_INVOKE)
    invoke.chmod(0o755)
    # a wrapper, not a symlink: through a symlink here Python would not find its venv
    # (pyvenv.cfg) and so not the harness package the summary script imports
    python = bin_dir / "python"
    python.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
    python.chmod(0o755)
    return root


def parse_calls(log: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """The stand-ins' log: lines before the first invoke call, then each call."""
    before: list[str] = []
    calls: list[dict[str, Any]] = []
    if not log.exists():
        return before, calls
    for line in log.read_text().splitlines():
        key, _, value = line.partition(":")
        if key == "call":
            calls.append({"argv": [], "cwd": "", "registry": ""})
        elif calls and key == "arg":
            calls[-1]["argv"].append(value)
        elif calls and key in ("cwd", "registry"):
            calls[-1][key] = value
        else:
            before.append(line)
    return before, calls


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def clean_env(**extra: str) -> dict[str, str]:
    """No inherited ACTION_*, REGISTRY_* or GITHUB_* variables leak into a run."""
    keep = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "TMPDIR")}
    return {**keep, "PATH": BASE_PATH, **extra}
