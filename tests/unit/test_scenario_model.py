"""Scenario files and the profile's content mapping: loaded, checked, judged (no Docker)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from imagetest.core.config import resolve_config
from imagetest.core.constants import PROFILES_DIR
from imagetest.core.errors import EXIT_MISMATCH, EXIT_STAGE, HarnessError, OptionError
from imagetest.model.profile import load_profile
from imagetest.model.results import Problem
from imagetest.model.scenario import load_all, load_scenario
from imagetest.run.stepsummary import render_scenarios as markdown
from imagetest.scenarios.report import FAILED, FIXED, KNOWN, PASSED, judge
from imagetest.scenarios.worker import file_claims


def write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_every_shipped_scenario_loads_and_names_its_fix() -> None:
    scenarios = load_all()
    assert "plain-test-image" in {s.name for s in scenarios}
    assert len(scenarios) >= 11
    for scenario in scenarios:
        assert scenario.guards, scenario.name
        assert scenario.steps[0].kind == "seed", scenario.name


def test_only_unknown_name_is_one_line() -> None:
    with pytest.raises(
        OptionError, match=r"no scenario 'nope' in scenarios/; known: .*plain-test-image"
    ):
        load_all(only=["nope"])


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"name": "other", "steps": ["seed"]}, "must equal the file name"),
        ({"name": "s", "steps": []}, "non-empty list"),
        ({"name": "s", "steps": ["launch"]}, "is unknown ('launch')"),
        ({"name": "s", "steps": [{"seed": 1}]}, "takes no argument"),
        ({"name": "s", "steps": [{"aap": {"explode": 1}}]}, "exactly one of"),
        ({"name": "s", "steps": [{"wait": {"sync": 2}}]}, "unknown key 'sync'"),
        ({"name": "s", "steps": [{"check": [{"rows": 1}]}]}, "must be one of"),
        ({"name": "s", "steps": [{"check": [{"when": "later", "counts": {}}]}]}, "when must"),
        ({"name": "s", "steps": ["seed"], "colour": 1}, "unknown key 'colour'"),
        (
            {"name": "s", "steps": ["seed"], "known_failures": {"upstream": {"step": "check"}}},
            "lacks 'reason'",
        ),
        (
            {"name": "s", "steps": ["seed"], "known_failures": {"upstream": {"match": "x"}}},
            "names its failure by text ('match'); name it by its facts",
        ),
        (
            {
                "name": "s",
                "steps": ["seed"],
                "known_failures": {
                    "upstream": {
                        "step": "check",
                        "problem": {"text": "x"},
                        "reason": "r",
                        "evidence": "e",
                    },
                },
            },
            "known_failures.upstream.problem must map some of check, entity",
        ),
        ({"name": "s", "steps": ["seed"], "upgrade_from": "abc1234"}, "needs an `upgrade` step"),
        ({"name": "s", "steps": [{"hold": ["Job"]}]}, "(hold) needs a name"),
        (
            {"name": "s", "steps": [{"hold": "Job"}, "resync", {"kill": {"service": "task"}}]},
            "step 1 (hold) needs a later kill, stop or restart with when:",
        ),
        (
            {"name": "s", "steps": ["seed", {"upgrade": {}}], "upgrade_from": "--all"},
            "upgrade_from must be a commit, branch or tag",
        ),
    ],
)
def test_bad_scenarios_named(tmp_path: Path, data: dict, words: str) -> None:
    with pytest.raises(OptionError) as caught:
        load_scenario(write(tmp_path, "s", data))
    assert words in str(caught.value)
    assert "scenario s.yaml" in str(caught.value)


def scenario_with_known(tmp_path: Path) -> object:
    problem = {"check": "counts", "entity": "Job", "expected": 4, "found": 0}
    known = {"upstream": {"step": "check", "problem": problem, "reason": "r", "evidence": "e"}}
    data = {"name": "s", "steps": ["seed"], "known_failures": known}
    return load_scenario(write(tmp_path, "s", data))


def test_judge_known_failures_by_their_facts(tmp_path: Path) -> None:
    s = scenario_with_known(tmp_path)
    recorded = Problem("Job: expected 4 rows, found 0", "counts", "Job", expected=4, found=0)
    other = Problem("Job: expected 4 rows, found 3", "counts", "Job", expected=4, found=3)
    assert judge(s, "reference", 0) == (PASSED, 0)
    assert judge(s, "reference", EXIT_MISMATCH, "05-check", [recorded]) == (FAILED, 1)
    assert judge(s, "upstream", EXIT_MISMATCH, "05-check", [other, recorded]) == (KNOWN, 0)
    # the same words elsewhere, or another failure of that image, are not excused
    assert judge(s, "upstream", EXIT_MISMATCH, "05-check", [other]) == (FAILED, 1)
    assert judge(s, "upstream", EXIT_MISMATCH, "07-validate", [recorded]) == (FAILED, 1)
    assert judge(s, "upstream", EXIT_STAGE, "up", []) == (FAILED, EXIT_STAGE)
    assert judge(s, "upstream", 0) == (FIXED, 0)


def test_the_recorded_known_failures_load() -> None:
    known = {s.name: s.known_failure("upstream") for s in load_all()}
    assert known["refresh-refused-mid-sync"].problem == {
        "check": "kept", "entity": "JobTemplate", "found": [7],
    }  # fmt: skip
    assert known["transient-faults-jobs-list"].step == "check"


def test_markdown_lists_findings() -> None:
    summary = {
        "verdict": "pass",
        "image": "img",
        "profile": "upstream",
        "aap_version": "2.6",
        "seconds": 80.0,
        "scenarios": [
            {"scenario": "a", "guards": "#1: x", "status": PASSED, "seconds": 20.0},
            {
                "scenario": "b",
                "guards": "#2: y",
                "status": KNOWN,
                "seconds": 30.0,
                "known_failure": {"reason": "deletes a template"},
            },
        ],
    }
    text = markdown(summary)
    assert "| a | #1 | ✅ | 20 |" in text
    assert "- `b` (known-failure): deletes a template" in text


def test_profiles_map_content() -> None:
    for name in ("reference", "upstream"):
        content = load_profile(name).need_content()
        job = content.entity("Job", name)
        assert {"template", "labels", "launched_by", "started"} <= set(job.names())


def profile_with_content(tmp_path: Path, change) -> Path:
    data = yaml.safe_load((PROFILES_DIR / "reference.yaml").read_text())
    change(data["content"])
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda c: c["entities"]["Job"].pop("aap_id"), "lacks 'aap_id'"),
        (lambda c: c["entities"]["Job"]["fields"].update(name="a b"), "column or table name"),
        (lambda c: c["entities"].pop("Label"), "refers to 'Label', not mapped"),
        (lambda c: c["entities"].update(Widget={"aap_id": "x"}), "no table under entities"),
        (lambda c: c["entities"]["Job"]["refs"]["template"].pop("entity"), "lacks 'entity'"),
    ],
)
def test_bad_content_mapping_named(tmp_path: Path, change, words: str) -> None:
    with pytest.raises(HarnessError) as caught:
        load_profile(str(profile_with_content(tmp_path, change)))
    assert words in str(caught.value)
    assert "profile p.yaml: content." in str(caught.value)


def test_child_runs_get_the_options() -> None:
    """A set's workers get its options as a matrix's runs do: Config.child_options."""
    flags = {"image": "img:1", "profile": "upstream", "aap_version": "2.5", "offline": True}
    config = resolve_config({**flags, "artifacts": "/tmp/set"}, env={})
    env = config.child_options(aap_version=config.aap_version)
    assert env["IMAGETEST_IMAGE"] == "img:1"
    assert env["IMAGETEST_PROFILE"] == "upstream"
    assert (env["IMAGETEST_AAP_VERSION"], env["IMAGETEST_OFFLINE"]) == ("2.5", "true")
    assert "IMAGETEST_ARTIFACTS" not in env  # each worker writes below the set's root
    assert "IMAGETEST_AAP_VERSION" not in config.child_options()  # a matrix gives its own


def test_file_claims_hand_each_scenario_to_one_claimer(tmp_path: Path) -> None:
    scenarios = load_all()
    claimers = [file_claims(scenarios, tmp_path) for _ in range(4)]

    def drain(claim: Any) -> list[str]:
        names = []
        while (scenario := claim()) is not None:
            names.append(scenario.name)
        return names

    with ThreadPoolExecutor(max_workers=len(claimers)) as pool:
        taken = [name for names in pool.map(drain, claimers) for name in names]
    assert sorted(taken) == sorted(s.name for s in scenarios)


def test_a_scenario_that_guards_an_upstream_pull_request_names_its_fix_or_says_why_not() -> None:
    import re

    for scenario in load_all():
        if re.search(r"automation-reports#\d+", scenario.guards) and not scenario.fixed_in:
            assert re.search(r"\(.*(no fix|not provable).*\)", scenario.guards), scenario.name


def test_fixed_in_must_be_a_commit_id(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nguards: g\nfixed_in: main\nsteps: [seed]\n")
    with pytest.raises(OptionError, match="fixed_in must be a commit id"):
        load_scenario(path)


def test_a_scenario_starting_on_an_upstream_ref_needs_the_context(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Without --context, the whole set leaves it out (and says so); named, it is an error."""
    from imagetest.scenarios.cli import startable

    chosen = load_all()
    starts = [s for s in chosen if s.upgrade_from]
    assert starts, "a shipped scenario starts on an upstream ref"
    config = resolve_config(env={})
    left = startable(chosen, config, named=False)
    assert {s.name for s in left} == {s.name for s in chosen} - {s.name for s in starts}
    assert f"left out: {starts[0].name}" in capsys.readouterr().out
    with pytest.raises(OptionError, match="give --context"):
        startable(starts, config, named=True)
    with_context = resolve_config({"context": str(tmp_path)}, env={})
    assert startable(chosen, with_context, named=True) == chosen
