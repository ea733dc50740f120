"""The composite action: its metadata, and its main script's inputs -> `invoke` arguments.

The script runs for real (bash, as Actions runs it) against stand-ins for setup.sh and
invoke that record every call; tests/workflow/test_action_e2e.py runs it for real.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from invoke import Collection
from invoke.parser import ParseError, Parser
from workflow_support import (
    ACTION,
    ACTION_SCRIPT,
    GITHUB_BASH,
    clean_env,
    load_yaml,
    parse_calls,
    require_shellcheck,
    standin_harness,
    write_json,
)

import tasks
from imagetest.core.constants import AAP_VERSIONS

CONTEXT_TAG = "localhost/imagetest/dashboard:context"
IMAGE = "quay.io/org/automation-dashboard:1.2"


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    return load_yaml(ACTION)


def run_step(action: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in action["runs"]["steps"] if s.get("id") == "run")


class Run:
    """One run of the action's main script in a stand-in harness."""

    def __init__(self, tmp: Path) -> None:
        self.harness = standin_harness(tmp / "harness")
        self.workspace = tmp / "workspace"
        (self.workspace / "src" / "docker").mkdir(parents=True)
        (self.workspace / "src" / "Dockerfile").write_text("FROM scratch\n")
        (self.workspace / "src" / "docker" / "Dockerfile.backend").write_text("FROM scratch\n")
        (self.workspace / "counts.yaml").write_text("entities: []\n")
        (self.workspace / "profile.yaml").write_text("name: mine\n")
        self.log = tmp / "calls.log"
        self.step_summary = tmp / "step-summary.md"
        self.outputs = tmp / "outputs"
        self.artifacts = tmp / "artifacts"

    def __call__(
        self, inputs: dict[str, str], script: str | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        full_env = clean_env(
            LOG=str(self.log),
            GITHUB_WORKSPACE=str(self.workspace),
            GITHUB_STEP_SUMMARY=str(self.step_summary),
            GITHUB_OUTPUT=str(self.outputs),
            ACTION_ARTIFACTS=str(self.artifacts),
            **{f"ACTION_{k}": v for k, v in inputs.items()},
            **env,
        )
        command = script or f"bash {self.harness / 'scripts' / ACTION_SCRIPT.name}"
        return subprocess.run(
            [*GITHUB_BASH, "-c", command],
            cwd=self.workspace,
            env=full_env,
            capture_output=True,
            text=True,
            check=False,
        )

    def calls(self) -> tuple[list[str], list[dict[str, Any]]]:
        return parse_calls(self.log)

    def outputs_dict(self) -> dict[str, str]:
        lines = self.outputs.read_text().splitlines() if self.outputs.exists() else []
        return dict(line.split("=", 1) for line in lines)


@pytest.fixture
def run(tmp_path: Path) -> Run:
    return Run(tmp_path)


# -- metadata -------------------------------------------------------------------------


def test_is_a_composite_action_with_the_issue_inputs(action: dict[str, Any]) -> None:
    assert action["runs"]["using"] == "composite"
    wanted = {"image", "context", "public-base", "profile", "aap-version", "expected", "timeout"}
    assert wanted <= set(action["inputs"])
    for name, spec in action["inputs"].items():
        assert spec.get("description"), name
        assert spec.get("required", False) is False, name  # every input has a default
    assert action["inputs"]["profile"]["default"] == ""  # chosen by the script from context
    assert action["inputs"]["public-base"]["default"] == "false"
    assert action["inputs"]["aap-version"]["default"] in AAP_VERSIONS
    assert set(action["outputs"]) == {"exit-code", "artifacts"}


def env_name(input_name: str) -> str:
    return "ACTION_" + input_name.upper().replace("-", "_")


def test_every_input_reaches_the_script_through_the_environment(action: dict[str, Any]) -> None:
    step = run_step(action)
    assert step["shell"] == "bash"
    assert "${{" not in step["run"]  # inputs never pasted into script text
    script = ACTION_SCRIPT.read_text()
    for name in action["inputs"]:
        if name == "artifact-name":
            continue  # used by the upload steps only
        assert step["env"][env_name(name)] == f"${{{{ inputs.{name} }}}}", name
        assert env_name(name) in script, name


def test_artifacts_are_uploaded_on_success_and_failure(action: dict[str, Any]) -> None:
    artifacts = run_step(action)["env"]["ACTION_ARTIFACTS"]
    uploads = [
        s
        for s in action["runs"]["steps"]
        if s.get("uses", "").startswith("actions/upload-artifact@")
    ]
    keep = {s["if"]: s["with"]["retention-days"] for s in uploads}
    assert set(keep) == {"success()", "failure() || cancelled()"}
    assert keep["failure() || cancelled()"] > keep["success()"]
    for upload in uploads:
        assert upload["with"]["path"] == artifacts
        assert "inputs.artifact-name" in upload["with"]["name"]
        assert "inputs.aap-version" in upload["with"]["name"]  # one name per version


def test_actions_are_node24_majors(action: dict[str, Any]) -> None:
    """actionlint does not read composite actions' steps, so the major is checked here."""
    for step in action["runs"]["steps"]:
        if "uses" in step:
            name, _, ref = step["uses"].partition("@")
            assert name == "actions/upload-artifact"
            assert re.fullmatch(r"v\d+", ref) and int(ref[1:]) >= 6, step["uses"]
    assert "commit" in ACTION.read_text()  # the file says why there is no commit pin


def test_the_scripts_pass_shellcheck() -> None:
    shellcheck = require_shellcheck()
    scripts = [ACTION_SCRIPT, ACTION_SCRIPT.parent / "setup.sh"]
    result = subprocess.run([shellcheck, *map(str, scripts)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_script_versions_match_the_harness() -> None:
    match = re.search(r"^AAP_VERSIONS=\(([^)]*)\)", ACTION_SCRIPT.read_text(), re.M)
    assert match
    assert tuple(match.group(1).split()) == AAP_VERSIONS


# -- inputs -> invoke arguments -------------------------------------------------------


def expected_calls(run: Run, case: dict[str, Any]) -> list[list[str]]:
    """Fill {ws} and {art} placeholders of a case's expected argv lists."""
    fill = {"ws": str(run.workspace), "art": str(run.artifacts)}
    return [[a.format(**fill) for a in argv] for argv in case["calls"]]


CASES: dict[str, dict[str, Any]] = {
    "defaults: one reference run": {
        "inputs": {},
        "calls": [
            ["test-image", "--aap-version", "2.6", "--artifacts", "{art}", "--profile", "reference"]
        ],
    },
    "an image and one version": {
        "inputs": {"IMAGE": IMAGE, "AAP_VERSION": "2.4"},
        "calls": [
            [
                *("test-image", "--aap-version", "2.4", "--artifacts", "{art}"),
                *("--profile", "reference", "--image", IMAGE),
            ]
        ],
    },
    "all versions run the matrix": {
        "inputs": {"IMAGE": IMAGE, "AAP_VERSION": "all", "TIMEOUT": "120"},
        "calls": [
            [
                *("matrix", "--aap-versions", ",".join(AAP_VERSIONS), "--artifacts", "{art}"),
                *("--profile", "reference", "--image", IMAGE, "--timeout", "120"),
            ]
        ],
    },
    "a context builds, then tests it with the upstream profile": {
        "inputs": {"CONTEXT": "src"},
        "calls": [
            ["build", "--context", "{ws}/src", "--image", CONTEXT_TAG],
            [
                *("test-image", "--aap-version", "2.6", "--artifacts", "{art}"),
                *("--profile", "upstream", "--image", CONTEXT_TAG),
            ],
        ],
    },
    "a context on public bases, its Dockerfile and tag, all versions": {
        "inputs": {
            "CONTEXT": "src",
            "PUBLIC_BASE": "true",
            "DOCKERFILE": "docker/Dockerfile.backend",
            "IMAGE": "localhost/automation-dashboard:ci",
            "AAP_VERSION": "all",
        },
        "calls": [
            [
                *("build", "--context", "{ws}/src", "--image", "localhost/automation-dashboard:ci"),
                *("--dockerfile", "{ws}/src/docker/Dockerfile.backend", "--public-base"),
            ],
            [
                *("matrix", "--aap-versions", ",".join(AAP_VERSIONS), "--artifacts", "{art}"),
                *("--profile", "upstream", "--image", "localhost/automation-dashboard:ci"),
            ],
        ],
    },
    "an explicit profile wins over the context default": {
        "inputs": {"CONTEXT": "{ws}/src", "PROFILE": "reference", "PUBLIC_BASE": "false"},
        "calls": [
            ["build", "--context", "{ws}/src", "--image", CONTEXT_TAG],
            [
                *("test-image", "--aap-version", "2.6", "--artifacts", "{art}"),
                *("--profile", "reference", "--image", CONTEXT_TAG),
            ],
        ],
    },
    "profile and expected files from the workspace": {
        "inputs": {"PROFILE": "profile.yaml", "EXPECTED": "counts.yaml", "AAP_VERSION": "2.5"},
        "calls": [
            [
                *("test-image", "--aap-version", "2.5", "--artifacts", "{art}"),
                *("--profile", "{ws}/profile.yaml", "--expected", "{ws}/counts.yaml"),
            ]
        ],
    },
    "scenarios on one version": {
        "inputs": {"IMAGE": IMAGE, "SCENARIOS": "true", "TIMEOUT": "90"},
        "calls": [
            [
                *("scenarios", "--aap-version", "2.6", "--artifacts", "{art}"),
                *("--profile", "reference", "--image", IMAGE, "--timeout", "90"),
            ]
        ],
    },
    "scenarios on every version run the matrix with --scenarios": {
        "inputs": {"SCENARIOS": "true", "AAP_VERSION": "all"},
        "calls": [
            [
                *("matrix", "--aap-versions", ",".join(AAP_VERSIONS), "--scenarios"),
                *("--artifacts", "{art}", "--profile", "reference"),
            ]
        ],
    },
    "a ref of the context, on public bases": {
        "inputs": {"CONTEXT": "src", "PUBLIC_BASE": "true", "REF": "release-0.3"},
        "calls": [
            [
                *("build", "--context", "{ws}/src", "--image", CONTEXT_TAG, "--public-base"),
                *("--ref", "release-0.3"),
            ],
            [
                *("test-image", "--aap-version", "2.6", "--artifacts", "{art}"),
                *("--profile", "upstream", "--image", CONTEXT_TAG),
            ],
        ],
    },
    "a bisect for the commit that fixed a scenario runs no test": {
        "inputs": {
            "CONTEXT": "src",
            "BISECT": "main..release-0.3",
            "BISECT_SCENARIO": "rename-recreate-249",
            "BISECT_FIXED": "true",
        },
        "calls": [
            [
                *("bisect", "--context", "{ws}/src", "--good", "main", "--bad", "release-0.3"),
                *("--scenario", "rename-recreate-249", "--artifacts", "{art}", "--fixed"),
            ],
        ],
    },
    "an image name with a space stays one argument": {
        "inputs": {"IMAGE": "my image:1"},
        "calls": [
            [
                *("test-image", "--aap-version", "2.6", "--artifacts", "{art}"),
                *("--profile", "reference", "--image", "my image:1"),
            ]
        ],
    },
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_inputs_map_to_invoke_arguments(run: Run, case: dict[str, Any]) -> None:
    inputs = {k: v.format(ws=run.workspace) for k, v in case["inputs"].items()}
    result = run(inputs)
    assert result.returncode == 0, result.stderr
    before, calls = run.calls()
    assert before == ["setup"]  # setup.sh first, once
    assert [c["argv"] for c in calls] == expected_calls(run, case)
    assert all(c["cwd"] == str(run.harness) for c in calls)  # invoke finds tasks.py there
    assert run.outputs_dict() == {"exit-code": "0", "artifacts": str(run.artifacts)}


def task_parser() -> Parser:
    return Parser(contexts=Collection.from_module(tasks).to_contexts())


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_the_real_tasks_accept_the_arguments(run: Run, case: dict[str, Any]) -> None:
    """Each mapped call parses against tasks.py: no misspelt or missing option."""
    parser = task_parser()
    for argv in expected_calls(run, case):
        parsed = parser.parse_argv(argv)
        assert [c.name for c in parsed] == [argv[0]]


def test_the_task_parse_can_fail() -> None:
    with pytest.raises(ParseError):
        task_parser().parse_argv(["test-image", "--aap-versoin", "2.6"])


BAD_INPUTS = {
    "unknown version": ({"AAP_VERSION": "2.7"}, "unknown aap-version '2.7'"),
    "public-base not a boolean": ({"PUBLIC_BASE": "yes"}, "public-base must be true or false"),
    "scenarios not a boolean": ({"SCENARIOS": "all"}, "scenarios must be true or false"),
    "expected with scenarios": (
        {"SCENARIOS": "true", "EXPECTED": "counts.yaml"},
        "expected applies to the single test, not to the scenarios",
    ),
    "timeout not seconds": ({"TIMEOUT": "5m"}, "timeout must be a number of seconds"),
    "public-base without context": ({"PUBLIC_BASE": "true"}, "set context too"),
    "dockerfile without context": ({"DOCKERFILE": "Dockerfile"}, "set context too"),
    "missing context": ({"CONTEXT": "nowhere"}, "context {ws}/nowhere is not a directory"),
    "missing dockerfile": (
        {"CONTEXT": "src", "DOCKERFILE": "nope/Dockerfile"},
        "dockerfile {ws}/src/nope/Dockerfile does not exist",
    ),
    "unknown profile": ({"PROFILE": "downstream"}, "profile {ws}/downstream is neither"),
    "expected with all": ({"AAP_VERSION": "all", "EXPECTED": "counts.yaml"}, "one AAP version"),
    "missing expected": ({"EXPECTED": "gone.yaml"}, "expected file {ws}/gone.yaml does not exist"),
    "ref without context": ({"REF": "main"}, "ref and bisect work on a context's history"),
    "ref without public-base": ({"CONTEXT": "src", "REF": "main"}, "set public-base to true"),
    "bisect not a range": ({"CONTEXT": "src", "BISECT": "main"}, "bisect must be GOOD..BAD"),
    "bisect-fixed not a boolean": ({"BISECT_FIXED": "yes"}, "bisect-fixed must be true or false"),
}


@pytest.mark.parametrize(("inputs", "message"), BAD_INPUTS.values(), ids=list(BAD_INPUTS))
def test_bad_input_is_one_line_and_runs_nothing(
    run: Run, inputs: dict[str, str], message: str
) -> None:
    result = run(inputs)
    assert result.returncode == 2
    errors = result.stderr.splitlines()
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("::error title=imagetest::")
    assert message.format(ws=run.workspace) in errors[0]
    assert run.calls() == ([], [])  # neither setup nor invoke ran
    assert message.format(ws=run.workspace) in run.step_summary.read_text()
    assert run.outputs_dict()["exit-code"] == "2"


def test_a_failed_count_fails_the_step_with_exit_1_and_a_summary(run: Run, tmp_path: Path) -> None:
    summary = write_json(
        tmp_path / "fake-summary.json",
        {
            "verdict": "fail",
            "exit_code": 1,
            "failed_stage": "validate",
            "error": "Expected 4 Job objects, got 5",
            "image": IMAGE,
            "aap_version": "2.6",
            "phases": [{"name": "validate", "status": "failed", "seconds": 0.4, "reason": "x"}],
            "seconds": 30.0,
            "counts": {"Job": 5},
        },
    )
    result = run({"IMAGE": IMAGE}, STANDIN_SUMMARY=str(summary), EXIT_TEST="1")
    assert result.returncode == 1
    text = run.step_summary.read_text()
    assert "FAIL (AAP 2.6, exit 1)" in text
    assert "Expected 4 Job objects, got 5" in text
    assert run.outputs_dict()["exit-code"] == "1"


def test_a_failed_build_stops_before_the_test(run: Run) -> None:
    result = run({"CONTEXT": "src"}, EXIT_BUILD="2")
    assert result.returncode == 2
    _, calls = run.calls()
    assert [c["argv"][0] for c in calls] == ["build"]
    assert "no result from the build step" in run.step_summary.read_text()


def test_a_failed_setup_is_exit_2_and_runs_no_invoke(run: Run) -> None:
    result = run({}, EXIT_SETUP="1")
    assert result.returncode == 2
    assert "scripts/setup.sh failed" in result.stderr
    assert run.calls() == (["setup"], [])


def test_a_stale_summary_is_not_reported_as_this_runs(run: Run) -> None:
    run.artifacts.mkdir()
    write_json(run.artifacts / "summary.json", {"verdict": "pass", "aap_version": "2.6"})
    result = run({}, EXIT_TEST="2")  # the stand-in writes no summary this time
    assert result.returncode == 2
    text = run.step_summary.read_text()
    assert "PASS" not in text
    assert "no result from the test step" in text


def test_registry_credentials_only_when_given(run: Run) -> None:
    run({"REGISTRY_USERNAME": "robot", "REGISTRY_PASSWORD": "s3cret-token"})
    run({}, REGISTRY_USERNAME="from-job", REGISTRY_PASSWORD="job-token")
    result = run({"REGISTRY_USERNAME": "", "REGISTRY_PASSWORD": ""})
    _, calls = run.calls()
    assert [c["registry"] for c in calls] == ["robot/set", "from-job/set", "/"]
    assert "s3cret-token" not in result.stdout + result.stderr


def test_the_action_run_step_with_its_defaults(action: dict[str, Any], run: Run) -> None:
    """The step as written in action.yml: its env, with every input at its default."""
    step = run_step(action)
    defaults = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    env: dict[str, str] = {}
    for key, value in step["env"].items():
        value = value.replace("${{ runner.temp }}", str(run.artifacts.parent / "runner-temp"))
        env[key] = re.sub(r"\$\{\{ inputs\.([a-z-]+) \}\}", lambda m: defaults[m.group(1)], value)
    result = subprocess.run(
        [*GITHUB_BASH, "-c", step["run"]],
        cwd=run.workspace,
        env=clean_env(LOG=str(run.log), GITHUB_ACTION_PATH=str(run.harness), **env),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    _, calls = run.calls()
    artifacts = str(run.artifacts.parent / "runner-temp" / "imagetest-artifacts")
    assert [c["argv"] for c in calls] == [
        ["test-image", "--aap-version", "2.6", "--artifacts", artifacts, "--profile", "reference"]
    ]
