"""The manual CI workflow: schema, inputs, version matrix, the run command and artifacts."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from imagetest.config import AAP_VERSIONS

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "integration-test.yml"
SCHEMA = Path(__file__).with_name("workflow.schema.json")
README_COMMAND = "bash scripts/setup.sh && .venv/bin/invoke test-image"
GITHUB_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]  # how Actions runs `run`
MATRIX_VERSION = "${{ matrix.aap_version }}"
IMAGE = "quay.io/org/automation-dashboard:1.2"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean True.
    if True in data:
        data["on"] = data.pop(True)
    return data


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
    broken = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8").replace('- "2.4"', "- 2.4"))
    broken["on"] = broken.pop(True)
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


def test_dispatch_inputs(workflow: dict[str, Any]) -> None:
    inputs = workflow["on"]["workflow_dispatch"]["inputs"]
    assert inputs["image_tag"]["type"] == "string"
    assert inputs["image_tag"]["default"] == ""
    assert inputs["image_tag"].get("required", False) is False
    choice = inputs["aap_version"]
    assert choice["type"] == "choice"
    assert choice["options"] == [*AAP_VERSIONS, "all"]
    assert choice["default"] in choice["options"]


def pick(workflow: dict[str, Any], choice: str, tmp_path: Path) -> tuple[int, str]:
    """Run the versions job's script as Actions would; return exit code and its output."""
    script = step(job(workflow, "versions"), lambda s: s.get("id") == "pick")["run"]
    output = tmp_path / f"output-{choice}"
    output.write_text("")
    proc = subprocess.run(
        [*GITHUB_BASH, "-c", script],
        env={"CHOICE": choice, "GITHUB_OUTPUT": str(output), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode, output.read_text()


@pytest.mark.parametrize(
    ("choice", "expected"),
    [("all", list(AAP_VERSIONS)), *[(v, [v]) for v in AAP_VERSIONS]],
)
def test_version_choice_becomes_the_matrix(
    workflow: dict[str, Any], tmp_path: Path, choice: str, expected: list[str]
) -> None:
    code, output = pick(workflow, choice, tmp_path)
    assert code == 0
    match = re.fullmatch(r"versions=(.*)\n", output)
    assert match, output
    assert json.loads(match.group(1)) == expected


def test_unknown_version_choice_fails(workflow: dict[str, Any], tmp_path: Path) -> None:
    code, output = pick(workflow, "2.7", tmp_path)
    assert code != 0
    assert output == ""


def test_matrix_job_takes_the_versions_and_does_not_fail_fast(workflow: dict[str, Any]) -> None:
    versions = job(workflow, "versions")
    assert versions["outputs"]["versions"] == "${{ steps.pick.outputs.versions }}"
    assert "workflow_dispatch" in versions["if"]
    integration = job(workflow, "integration")
    assert integration["needs"] in ("versions", ["versions"])
    strategy = integration["strategy"]
    assert strategy["fail-fast"] is False
    assert strategy["matrix"]["aap_version"] == "${{ fromJSON(needs.versions.outputs.versions) }}"
    assert integration["timeout-minutes"] <= 60


def test_registry_credentials_come_from_secrets(workflow: dict[str, Any]) -> None:
    env = job(workflow, "integration")["env"]
    assert env["REGISTRY_USERNAME"] == "${{ secrets.REGISTRY_USERNAME }}"
    assert env["REGISTRY_PASSWORD"] == "${{ secrets.REGISTRY_PASSWORD }}"
    assert env["IMAGE_TAG"] == "${{ inputs.image_tag }}"


def run_step(workflow: dict[str, Any]) -> dict[str, Any]:
    return step(job(workflow, "integration"), lambda s: "invoke test-image" in s.get("run", ""))


def test_run_step_uses_the_readme_command(workflow: dict[str, Any]) -> None:
    script = run_step(workflow)["run"]
    assert README_COMMAND in script
    assert f"--aap-version {MATRIX_VERSION}" in script
    assert f"--artifacts .artifacts/{MATRIX_VERSION}" in script
    assert "${{ inputs" not in script  # inputs reach the script through env only
    readme = REPO_ROOT / "README.md"
    if readme.exists():
        assert README_COMMAND in readme.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("image_tag", "image_args"),
    [("", []), (IMAGE, ["--image", IMAGE]), ("my image:1", ["--image", "my image:1"])],
)
def test_run_step_passes_the_image_only_when_given(
    workflow: dict[str, Any], tmp_path: Path, image_tag: str, image_args: list[str]
) -> None:
    """Run the step's script against stand-ins for setup.sh and invoke; check the argv."""
    script = run_step(workflow)["run"].replace(MATRIX_VERSION, "2.5")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "setup.sh").write_text('echo setup >> "$LOG"\n')
    invoke = tmp_path / ".venv" / "bin" / "invoke"
    invoke.parent.mkdir(parents=True)
    invoke.write_text('#!/bin/sh\nfor a in "$@"; do echo "arg:$a" >> "$LOG"; done\n')
    invoke.chmod(0o755)
    log = tmp_path / "log"
    subprocess.run(
        [*GITHUB_BASH, "-c", script],
        cwd=tmp_path,
        env={"IMAGE_TAG": image_tag, "LOG": str(log), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    lines = log.read_text().splitlines()
    assert lines[0] == "setup"
    args = [line.removeprefix("arg:") for line in lines[1:]]
    expected = ["test-image", "--aap-version", "2.5", *image_args, "--artifacts", ".artifacts/2.5"]
    assert args == expected


def test_artifacts_are_uploaded_on_success_and_failure(workflow: dict[str, Any]) -> None:
    uploads = [
        s
        for s in job(workflow, "integration")["steps"]
        if s.get("uses", "").startswith("actions/upload-artifact@")
    ]
    conditions = {s.get("if", "") for s in uploads}
    always = any("always()" in c for c in conditions)
    both = any("success()" in c for c in conditions) and any("failure()" in c for c in conditions)
    assert always or both, conditions
    for upload in uploads:
        assert upload["with"]["path"] == f".artifacts/{MATRIX_VERSION}"
        assert MATRIX_VERSION in upload["with"]["name"]  # one artifact per version
    if both:
        keep = {("failure()" in s["if"]): s["with"]["retention-days"] for s in uploads}
        assert keep[True] > keep[False]


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
