"""run_matrix with real subprocesses of a stand-in for `invoke test-image`."""

from __future__ import annotations

import io
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from imagetest.core.config import env_names, option_fields, resolve_config
from imagetest.core.errors import HarnessError
from imagetest.run.matrix import run_matrix

FAKE = [sys.executable, str(Path(__file__).with_name("fake_run.py"))]


def test_parallel_runs_pass_and_combine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_SLEEP", "1.0")
    out = io.StringIO()
    config = resolve_config({"image": "img:7"}, env={})
    code = run_matrix(["2.4", "2.5", "2.6"], 3, tmp_path, command=FAKE, out=out, config=config)
    assert code == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["verdict"] == "pass"
    assert [r["aap_version"] for r in summary["runs"]] == ["2.4", "2.5", "2.6"]
    assert {r["image"] for r in summary["runs"]} == {"img:7"}
    # Each run got its own version and artifacts directory as flags; the rest (the image)
    # reached it only as the variables of Config.child_options.
    for version in ("2.4", "2.5", "2.6"):
        run = json.loads((tmp_path / f"aap-{version}" / "summary.json").read_text())
        assert run["argv"] == [
            "--aap-version",
            version,
            "--artifacts",
            str(tmp_path / f"aap-{version}"),
        ]
    # The runs overlapped in time: all started before any finished.
    windows = [
        json.loads((tmp_path / f"aap-{v}" / "summary.json").read_text())["window"]
        for v in ("2.4", "2.5", "2.6")
    ]
    assert max(start for start, _ in windows) < min(end for _, end in windows)
    lines = out.getvalue().splitlines()
    assert "[aap-2.5] [PHASE] validate passed" in lines
    assert all(line.startswith(("[aap-2.4] ", "[aap-2.5] ", "[aap-2.6] ")) for line in lines)
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    assert junit.get("tests") == "6"


def test_jobs_one_runs_in_sequence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_SLEEP", "0.2")
    assert run_matrix(["2.4", "2.6"], 1, tmp_path, command=FAKE, out=io.StringIO()) == 0
    first, second = (
        json.loads((tmp_path / f"aap-{v}" / "summary.json").read_text())["window"]
        for v in ("2.4", "2.6")
    )
    assert first[1] <= second[0] or second[1] <= first[0]


def test_a_failing_and_a_crashing_version_fail_the_matrix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SLEEP", "0.1")
    monkeypatch.setenv("FAKE_FAIL", "2.5")
    monkeypatch.setenv("FAKE_CRASH", "2.6")
    out = io.StringIO()
    code = run_matrix(["2.4", "2.5", "2.6"], 2, tmp_path, command=FAKE, out=out)
    assert code == 2  # a run that could not run outweighs a wrong count
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["verdict"] == "fail"
    assert [r["verdict"] for r in summary["runs"]] == ["pass", "fail", "error"]
    assert summary["runs"][2]["exit_code"] == 3
    assert "[aap-2.6] boom" in out.getvalue().splitlines()
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    names = [s.get("name") for s in junit.findall("testsuite")]
    assert names == ["aap-2.4/pytest", "aap-2.5/pytest", "aap-2.6/pipeline"]
    assert (junit.get("failures"), junit.get("errors")) == ("1", "1")


def test_duplicate_versions_run_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_SLEEP", "0")
    assert run_matrix(["2.4", " 2.4", ""], 2, tmp_path, command=FAKE, out=io.StringIO()) == 0
    assert json.loads((tmp_path / "summary.json").read_text())["aap_versions"] == ["2.4"]


@pytest.mark.parametrize(
    ("versions", "jobs", "needle"),
    [
        (["2.3"], 1, "unknown AAP version 2.3"),
        ([], 1, "no AAP version given"),
        (["2.4"], 0, "--jobs must be 1 or more"),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, versions: list[str], jobs: int, needle: str) -> None:
    with pytest.raises(HarnessError, match=needle) as info:
        run_matrix(versions, jobs, tmp_path, command=FAKE, out=io.StringIO())
    assert "\n" not in str(info.value)


def test_prepare_runs_once_before_the_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SLEEP", "0")
    out = io.StringIO()
    prepare = [sys.executable, "-c", "print('images ready')"]
    code = run_matrix(["2.4", "2.6"], 2, tmp_path, command=FAKE, prepare=prepare, out=out)
    assert code == 0
    lines = out.getvalue().splitlines()
    ready = lines.index("[images] images ready")
    first_run = min(i for i, line in enumerate(lines) if line.startswith("[aap-"))
    assert ready < first_run
    assert sum(line.startswith("[images] $ ") for line in lines) == 1


def test_failed_prepare_stops_before_any_run(tmp_path: Path) -> None:
    out = io.StringIO()
    prepare = [sys.executable, "-c", "raise SystemExit(4)"]
    with pytest.raises(HarnessError, match=r"preparing the images failed \(exit 4\)"):
        run_matrix(["2.4"], 1, tmp_path, command=FAKE, prepare=prepare, out=out)
    assert "[aap-" not in out.getvalue()
    assert not (tmp_path / "aap-2.4").exists()


def test_wrong_counts_alone_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_SLEEP", "0.1")
    monkeypatch.setenv("FAKE_FAIL", "2.5")
    code = run_matrix(["2.4", "2.5"], 2, tmp_path, command=FAKE, out=io.StringIO())
    assert code == 1


@pytest.mark.parametrize(
    ("codes", "verdicts", "expected"),
    [
        ([0, 0], ["pass", "pass"], 0),
        ([0, 1], ["pass", "fail"], 1),
        ([1, 2], ["fail", "fail"], 2),
        ([2, 130], ["fail", "fail"], 130),
        ([0, 0], ["pass", "error"], 2),
        ([0, -9], ["pass", "error"], 2),
    ],
)
def test_matrix_exit_code_is_the_worst_outcome(
    tmp_path: Path, codes: list[int], verdicts: list[str], expected: int
) -> None:
    from imagetest.run.matrix import RunResult, matrix_exit_code

    results = [
        RunResult(str(i), code, 1.0, tmp_path, None if v == "error" else {"verdict": v})
        for i, (code, v) in enumerate(zip(codes, verdicts, strict=True))
    ]
    assert matrix_exit_code(results) == expected


def test_every_option_reaches_every_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The resolved Config goes to each run (not a hand-picked few flags): --verbose too."""

    monkeypatch.setenv("FAKE_SLEEP", "0")
    for field in option_fields():  # the runs resolve their environment: only ours reaches them
        for name in env_names(field.name):
            monkeypatch.delenv(name, raising=False)
    parent = resolve_config(
        {"verbose": True, "timeout": "77", "image": "img:7", "default_intervals": True},
        env={"IMAGETEST_BUILD_JOBS": "3"},
        file_config={"profile": "upstream"},
    )
    code = run_matrix(["2.4", "2.6"], 2, tmp_path, command=FAKE, out=io.StringIO(), config=parent)
    assert code == 0
    for version in ("2.4", "2.6"):
        run = json.loads((tmp_path / f"aap-{version}" / "summary.json").read_text())
        child = run["config"]  # the run's own resolution of its flags and environment
        assert child["aap_version"] == version
        assert child["artifacts"] == str(tmp_path / f"aap-{version}")
        for name, value in parent.public_dict().items():
            if name not in ("aap_version", "artifacts"):
                assert child[name] == value, name
