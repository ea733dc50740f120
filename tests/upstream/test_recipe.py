"""The public-base recipe (images/upstream/Dockerfile) keeps the final layout of upstream's
docker/Dockerfile.backend: these facts of the final stage must be the same in both."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from imagetest.core.constants import REPO_ROOT
from imagetest.images.upstream import RECIPE_DIR, build_frontend, load_recipe, split_requirements

SAME = ("ENV", "WORKDIR", "USER", "ENTRYPOINT", "CMD", "EXPOSE")


def final_stage(text: str) -> list[tuple[str, str]]:
    """(instruction, argument) of the last stage, continuation lines joined."""
    joined = text.replace("\\\n", " ")
    stages: list[list[tuple[str, str]]] = []
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stages.append([])
        elif stages:
            stages[-1].append((word.upper(), " ".join(rest.split())))
    return stages[-1]


def facts(text: str) -> dict[str, object]:
    stage = final_stage(text)
    env: dict[str, str] = {}
    copies: set[str] = set()
    labels: set[str] = set()
    single: dict[str, list[str]] = {k: [] for k in SAME if k != "ENV"}
    for word, arg in stage:
        if word == "ENV":
            for pair in shlex.split(arg):
                key, _, value = pair.partition("=")
                env[key] = value
        elif word == "COPY":
            copies.add(arg.split()[-1])
        elif word == "LABEL":
            labels |= {p.partition("=")[0] for p in shlex.split(arg)}
        elif word in single:
            single[word].append(arg)
    # the USER that counts is the last one; the rest are the same in order
    return {"env": env, "copies": copies, "labels": labels, **single}


@pytest.fixture(scope="module")
def both(upstream_checkout: Path) -> tuple[dict[str, object], dict[str, object]]:
    theirs = facts((upstream_checkout / "docker" / "Dockerfile.backend").read_text())
    ours = facts((RECIPE_DIR / "Dockerfile").read_text())
    return theirs, ours


def test_environment_workdir_user_entrypoint_cmd_port(both: tuple[dict, dict]) -> None:
    theirs, ours = both
    assert ours["env"] == theirs["env"]
    for key in ("WORKDIR", "ENTRYPOINT", "CMD", "EXPOSE"):
        assert ours[key] == theirs[key], key
    assert ours["USER"][-1] == theirs["USER"][-1] == "awx"
    assert json.loads(ours["ENTRYPOINT"][-1]) == ["/venv/bin/dumb-init", "--"]


def test_every_file_lands_where_upstream_puts_it(both: tuple[dict, dict]) -> None:
    theirs, ours = both
    # upstream installs its wheels from /tmp/wheels in the final stage, the recipe copies the
    # finished /venv; everything else (sources, configs, frontend, licenses) is at one path
    missing = theirs["copies"] - ours["copies"]
    assert missing == {"/tmp/wheels"}, missing
    assert "/venv" in ours["copies"]


def test_upstream_labels_are_kept(both: tuple[dict, dict]) -> None:
    theirs, ours = both
    assert theirs["labels"] - {"cpe"} <= ours["labels"]
    assert {"io.imagetest.python", "io.imagetest.frontend", "io.imagetest.base"} <= ours["labels"]


def test_recipe_copies_what_the_dockerfile_needs(upstream_checkout: Path) -> None:
    recipe = load_recipe()
    for rel in recipe.checkout_files:
        assert (upstream_checkout / rel).exists(), rel


def test_requirements_split_keeps_hashes_and_separates_sdists(upstream_checkout: Path) -> None:
    text = (upstream_checkout / "requirements-build.txt").read_text()
    wheels, sdists = split_requirements(text, ("uwsgi",))
    assert sdists.startswith("uwsgi==") and "--hash=sha256:" in sdists
    assert "uwsgi==" not in wheels and "django==" in wheels.lower()
    count = sum(1 for ln in text.splitlines() if ln[:1].isalnum())
    assert sum(1 for ln in (wheels + sdists).splitlines() if ln[:1].isalnum()) == count


def test_frontend_is_skipped_without_npm(
    upstream_checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    lines: list[str] = []
    assert build_frontend(upstream_checkout, load_recipe(), lines.append, enabled=True) is None
    assert lines == ["[upstream] frontend: skipped (npm is not installed on this host)"]
    lines.clear()
    assert build_frontend(upstream_checkout, load_recipe(), lines.append, enabled=False) is None
    assert lines == ["[upstream] frontend: skipped (--no-frontend)"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--public-base"], "--public-base and --ref need --context"),
        (["--ref", "main", "--public-base"], "--public-base and --ref need --context"),
        (["--context", ".", "--ref", "main"], "--ref goes with --public-base"),
        (["--context", ".", "--ref", "no-such-ref", "--public-base"], "--ref no-such-ref: no such"),
        (["--context", "/proc/self", "--ref", "main", "--public-base"], "is not a git repository"),
        (["--context", "/etc/hostname", "--ref", "main", "--public-base"], "nor a bundle"),
        (["--context", "/nonexistent-checkout", "--public-base"], "no such file or directory"),
        (["--context", ".", "--public-base"], "is not an automation-reports checkout"),
        (["--context", ".", "--no-frontend"], "--no-frontend goes with --public-base"),
    ],
)
def test_build_option_mistakes_are_one_line(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "build", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr
