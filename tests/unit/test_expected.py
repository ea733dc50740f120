from __future__ import annotations

from pathlib import Path

import pytest

from imagetest.config import REPO_ROOT
from imagetest.errors import HarnessError
from imagetest.expected import load_expected
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
