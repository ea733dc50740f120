from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from imagetest.counts import count_query
from imagetest.errors import HarnessError
from imagetest.expected import Expectation
from imagetest.profile import PROFILES_DIR, load_profile


@pytest.mark.parametrize("name", ["reference", "upstream"])
def test_profiles_load(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert profile.table("Job")
    assert set(profile.syncjob.types) == {"sync", "parse"}
    argv = profile.command("syncdata", since="2026-01-01", until="2036-01-01")
    assert argv[-4:] == ["--since", "2026-01-01", "--until", "2036-01-01"]
    assert profile.command("setclusters")[-1] == profile.image["clusters_file"]


def test_vocabulary_differs_between_profiles() -> None:
    ref, up = load_profile("reference"), load_profile("upstream")
    assert ref.syncjob.types["sync"] == "sync_jobs"
    assert up.syncjob.types["sync"] == "Sync jobs"
    assert ref.syncjob.columns["error"] == "error_message"
    assert up.syncjob.columns["error"] == "explanation"
    assert "successful" in up.syncjob.statuses["success"]


def test_filter_goes_through_the_profile() -> None:
    entry = Expectation("SyncJob", 2, {"type": "sync"})
    for name, stored in (("reference", "sync_jobs"), ("upstream", "Sync jobs")):
        query, params = count_query(load_profile(name), entry)
        assert params == [stored]
        assert "scheduler_syncjob" in repr(query)


def test_unknown_profile_and_entity() -> None:
    with pytest.raises(HarnessError, match="unknown profile 'nope'; known profiles: reference"):
        load_profile("nope")
    with pytest.raises(HarnessError, match="no table for entity 'Widget'"):
        load_profile("reference").table("Widget")


def test_missing_key(tmp_path: Path) -> None:
    data = yaml.safe_load((PROFILES_DIR / "reference.yaml").read_text())
    del data["syncjob"]["columns"]["error"]
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(HarnessError, match="missing key 'error'"):
        load_profile(str(path))
