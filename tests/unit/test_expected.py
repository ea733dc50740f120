from __future__ import annotations

from pathlib import Path

import pytest

from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import HarnessError
from imagetest.model.expected import check_against_profile, load_expected
from imagetest.model.profile import load_profile
from tests.data_model import DATA_MODEL


@pytest.mark.parametrize("version", ["2.4", "2.5", "2.6"])
def test_shipped_files_hold_the_data_model(version: str) -> None:
    expected = load_expected(REPO_ROOT / "expected" / f"aap-{version}.yaml")
    assert expected.aap_version == version
    plain = {e.entity: e.count for e in expected.entries if not e.filter}
    assert plain == DATA_MODEL
    assert expected.count_for("SyncJob", type="sync") == 2
    assert expected.count_for("SyncJob", type="parse") == 4
    assert all(e.source for e in expected.entries)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "expected.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("entities: [", "not valid YAML"),
        ("counts: {}", "entities:"),
        ("entities: []", "empty"),
        ("entities: [{count: 1}]", "no entity name"),
        ("entities: [{entity: Job, count: -1}]", "whole number"),
        ("entities: [{entity: Job, count: four}]", "whole number"),
        ("entities: [{entity: Job, count: true}]", "whole number"),
        ("entities: [{entity: Job, count: 1, filter: [a]}]", "filter"),
        ("entities: [{entity: Job, count: 1, colour: red}]", "unknown key"),
        ("entities: [{entity: Job, count: 1}, {entity: Job, count: 2}]", "duplicate"),
    ],
)
def test_malformed(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(HarnessError, match="malformed expected file") as info:
        load_expected(path)
    assert problem in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="not found"):
        load_expected(tmp_path / "nope.yaml")


def test_filter_label(tmp_path: Path) -> None:
    path = write(tmp_path, "entities: [{entity: SyncJob, count: 2, filter: {type: sync}}]")
    (entry,) = load_expected(path).entries
    assert entry.label == "SyncJob[type=sync]"
    assert entry.id == entry.label


def test_yaml_errors_keep_line_and_column(tmp_path) -> None:
    path = write(tmp_path, "entities:\n  - entity: Job\n    count: 4\n   bad: [\n")
    with pytest.raises(HarnessError, match=r"not valid YAML at line \d+, column \d+: "):
        load_expected(path)


def test_preflight_checks_entities_filters_and_version(tmp_path) -> None:
    profile = load_profile("reference")
    ok = load_expected(REPO_ROOT / "expected" / "aap-2.6.yaml")
    check_against_profile(ok, profile, "2.6")
    with pytest.raises(HarnessError, match=r"is for AAP 2\.6, the run is for AAP 2\.4"):
        check_against_profile(ok, profile, "2.4")
    typo = load_expected(write(tmp_path, "entities:\n  - {entity: Jobz, count: 4}\n"))
    with pytest.raises(HarnessError, match="unknown entity 'Jobz'; profile reference knows"):
        check_against_profile(typo, profile, "2.6")
    column = load_expected(
        write(tmp_path, "entities:\n  - {entity: Job, count: 4, filter: {status: ok}}\n")
    )
    with pytest.raises(HarnessError, match=r"cannot filter Job on 'status'.*maps .*: none"):
        check_against_profile(column, profile, "2.6")
    sync_ok = load_expected(
        write(tmp_path, "entities:\n  - {entity: SyncJob, count: 2, filter: {type: sync}}\n")
    )
    check_against_profile(sync_ok, profile, "2.6")  # no aap_version: any run
