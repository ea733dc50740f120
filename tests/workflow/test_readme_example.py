"""The README's example workflow for automation-reports: extracted and linted with actionlint.

The example calls `OWNER/imagetest@v1`; here it calls `./` with this repository's action.yml
beside it, so actionlint also checks the inputs it passes against the action's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from workflow_support import REPO_ROOT, actionlint, lint_project, load_yaml

MARKER = "<!-- action-example:"
REMOTE_USES = re.compile(r"uses: ([A-Za-z0-9_.-]+/imagetest)@(\S+)")


def readme_example(text: str | None = None) -> str:
    """The ```yaml block right after the marker comment."""
    lines = (text or (REPO_ROOT / "README.md").read_text(encoding="utf-8")).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(MARKER))
    assert lines[start + 1] == "```yaml", "the marker must sit right above a ```yaml block"
    end = lines.index("```", start + 2)
    return "\n".join(lines[start + 2 : end]) + "\n"


def as_local(example: str) -> str:
    assert len(REMOTE_USES.findall(example)) == 1, "the example calls the action once"
    return REMOTE_USES.sub("uses: ./", example)


@pytest.fixture(scope="module")
def example() -> str:
    return readme_example()


def test_example_is_clean(tmp_path: Path, example: str) -> None:
    project = lint_project(tmp_path, as_local(example))
    result = actionlint(project)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("old", "new", "finding"),
    [
        ("aap-version: all", "aap-versions: all", 'input "aap-versions" is not defined'),
        ("actions/checkout@v7", "actions/checkout@v4", 'runtime "node20" is deprecated'),
        ('--username "$RH_USERNAME"', "--username $RH_USERNAME", "SC2086"),
    ],
    ids=["unknown action input", "node20 action", "shellcheck finding"],
)
def test_the_lint_of_the_example_can_fail(
    tmp_path: Path, example: str, old: str, new: str, finding: str
) -> None:
    assert old in example
    project = lint_project(tmp_path, as_local(example.replace(old, new)))
    result = actionlint(project)
    assert result.returncode == 1
    assert finding in result.stdout


def test_example_builds_the_image_and_tests_that_image(example: str) -> None:
    workflow: dict[str, Any] = load_yaml(Path("example.yml"), example)
    (steps,) = [j["steps"] for j in workflow["jobs"].values()]
    build = next(s for s in steps if "docker build" in s.get("run", ""))
    tag = re.search(r"--tag (\S+)", build["run"])
    assert tag
    action = next(s for s in steps if REMOTE_USES.match(f"uses: {s.get('uses', '')}"))
    assert steps.index(build) < steps.index(action)
    assert action["with"]["image"] == tag.group(1)
    assert action["with"]["profile"] == "upstream"
    assert action["with"]["aap-version"] == "all"


def test_extraction_finds_the_block_after_the_marker() -> None:
    text = "intro\n```yaml\nnot: this\n```\n" + MARKER + " x -->\n```yaml\na: 1\n```\nafter\n"
    assert readme_example(text) == "a: 1\n"
