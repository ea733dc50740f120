"""This repository's CI workflow: schema, actionlint, inputs, the context step, the action."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from workflow_support import (
    GITHUB_BASH,
    REPO_ROOT,
    WORKFLOW,
    actionlint,
    clean_env,
    lint_project,
    load_yaml,
)

from imagetest.core.constants import AAP_VERSIONS

SCHEMA = Path(__file__).with_name("workflow.schema.json")
README_COMMAND = "bash scripts/setup.sh && .venv/bin/invoke test-image"
CONTEXT_DIR = "context"  # where the workflow checks the context out


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return load_yaml(WORKFLOW)


def job(workflow: dict[str, Any], name: str) -> dict[str, Any]:
    return workflow["jobs"][name]


def step(job_data: dict[str, Any], predicate: Any) -> dict[str, Any]:
    found = [s for s in job_data["steps"] if predicate(s)]
    assert len(found) == 1, found
    return found[0]


def test_matches_the_schema(workflow: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(workflow, schema, cls=jsonschema.Draft202012Validator)


def test_schema_rejects_what_github_would(workflow: dict[str, Any]) -> None:
    """The schema can fail: unquoted versions, a step with both uses and run, no runs-on."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = load_yaml(WORKFLOW, WORKFLOW.read_text(encoding="utf-8").replace('- "2.4"', "- 2.4"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
    no_runner = json.loads(json.dumps(workflow))
    del no_runner["jobs"]["integration"]["runs-on"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(no_runner, schema)
    both = json.loads(json.dumps(workflow))
    both["jobs"]["integration"]["steps"][0]["run"] = "true"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(both, schema)


def test_actionlint_is_clean_on_every_workflow() -> None:
    """What .ci/run's lint step runs, here with its findings shown on failure."""
    result = actionlint(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("old", "new", "finding"),
    [
        ("actions/checkout@v7", "actions/checkout@v4", 'runtime "node20" is deprecated'),
        ("aap-version: ${{", "aap-versions: ${{", 'input "aap-versions" is not defined'),
        ('>> "$GITHUB_OUTPUT"', ">> $GITHUB_OUTPUT", "SC2086"),
    ],
    ids=["node20 action", "unknown action input", "shellcheck finding"],
)
def test_actionlint_catches(tmp_path: Path, old: str, new: str, finding: str) -> None:
    """The lint can fail: an old runtime, an input action.yml lacks, a shell bug."""
    text = WORKFLOW.read_text(encoding="utf-8")
    assert old in text
    project = lint_project(tmp_path, text.replace(old, new))
    result = actionlint(project)
    assert result.returncode == 1
    assert finding in result.stdout


def test_dispatch_inputs(workflow: dict[str, Any]) -> None:
    inputs = workflow["on"]["workflow_dispatch"]["inputs"]
    for name in ("image_tag", "profile", "context"):
        assert inputs[name]["type"] == "string", name
        assert inputs[name]["default"] == "", name
        assert inputs[name].get("required", False) is False, name
    choice = inputs["aap_version"]
    assert choice["type"] == "choice"
    assert choice["options"] == [*AAP_VERSIONS, "all"]
    assert choice["default"] in choice["options"]
    assert inputs["public_base"]["type"] == "boolean"
    assert inputs["scenarios"]["type"] == "boolean"
    assert inputs["scenarios"]["default"] is False


def integration_steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return job(workflow, "integration")["steps"]


def test_integration_job_calls_this_repositorys_action(workflow: dict[str, Any]) -> None:
    integration = job(workflow, "integration")
    assert "workflow_dispatch" in integration["if"]
    assert integration["timeout-minutes"] <= 90
    action = step(integration, lambda s: s.get("uses") == "./")
    assert action["with"] == {
        "image": "${{ inputs.image_tag }}",
        "context": f"${{{{ inputs.context != '' && '{CONTEXT_DIR}' || '' }}}}",
        "public-base": "${{ inputs.context != '' && inputs.public_base }}",
        "profile": "${{ inputs.profile }}",
        "aap-version": "${{ inputs.aap_version }}",
        "scenarios": "${{ inputs.scenarios }}",
        "artifact-name": "imagetest-aap-${{ inputs.aap_version }}-${{ matrix.runner }}",
        "registry-username": "${{ secrets.REGISTRY_USERNAME }}",
        "registry-password": "${{ secrets.REGISTRY_PASSWORD }}",
    }
    # x86_64 and, when asked, GitHub's arm64 runner (native arm64: the default platform)
    runners = integration["strategy"]["matrix"]["runner"]
    assert "ubuntu-24.04-arm" in runners and "ubuntu-24.04" in runners
    assert integration["runs-on"] == "${{ matrix.runner }}"
    # The action's files come from this checkout: it must come first.
    steps = integration_steps(workflow)
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert "with" not in steps[0] or "path" not in steps[0]["with"]


def source_step(workflow: dict[str, Any]) -> dict[str, Any]:
    return step(job(workflow, "integration"), lambda s: s.get("id") == "source")


def parse_context(workflow: dict[str, Any], value: str, tmp_path: Path) -> tuple[int, str]:
    script = source_step(workflow)["run"]
    assert "${{" not in script  # the input reaches the script through env only
    output = tmp_path / "output"
    output.write_text("")
    proc = subprocess.run(
        [*GITHUB_BASH, "-c", script],
        env=clean_env(CONTEXT=value, GITHUB_OUTPUT=str(output)),
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode, output.read_text()


@pytest.mark.parametrize(
    ("value", "repository", "ref"),
    [
        ("ansible/automation-reports@main", "ansible/automation-reports", "main"),
        ("me/fork.of-reports@feature/x", "me/fork.of-reports", "feature/x"),
        ("ansible/automation-reports@0123abcd", "ansible/automation-reports", "0123abcd"),
    ],
)
def test_context_becomes_repository_and_ref(
    workflow: dict[str, Any], tmp_path: Path, value: str, repository: str, ref: str
) -> None:
    code, output = parse_context(workflow, value, tmp_path)
    assert code == 0
    assert output == f"repository={repository}\nref={ref}\n"


@pytest.mark.parametrize(
    "value", ["automation-reports", "ansible/automation-reports", "a/b@x y", "a/b@x;rm -rf /"]
)
def test_a_malformed_context_fails_the_step(
    workflow: dict[str, Any], tmp_path: Path, value: str
) -> None:
    code, output = parse_context(workflow, value, tmp_path)
    assert code != 0
    assert output == ""


def test_context_is_checked_out_where_the_action_looks(workflow: dict[str, Any]) -> None:
    checkout = step(
        job(workflow, "integration"),
        lambda s: (
            s.get("uses", "").startswith("actions/checkout@")
            and "with" in s
            and "repository" in s["with"]
        ),
    )
    assert checkout["if"] == source_step(workflow)["if"] == "inputs.context != ''"
    assert checkout["with"]["repository"] == "${{ steps.source.outputs.repository }}"
    assert checkout["with"]["ref"] == "${{ steps.source.outputs.ref }}"
    assert checkout["with"]["path"] == CONTEXT_DIR
    assert checkout["with"]["persist-credentials"] is False


def test_pull_requests_run_the_ci_script(workflow: dict[str, Any]) -> None:
    assert "pull_request" in workflow["on"]
    checks = job(workflow, "checks")
    assert "pull_request" in checks["if"]
    assert step(checks, lambda s: "run" in s)["run"].strip() == "bash .ci/run"
    assert (REPO_ROOT / ".ci" / "run").is_file()


def test_every_job_is_bounded_and_permissions_are_read_only(workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    for name, data in workflow["jobs"].items():
        assert data.get("timeout-minutes"), name


def test_readme_shows_the_command_the_action_runs() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert README_COMMAND in readme
