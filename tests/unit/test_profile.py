from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from imagetest.core.constants import PROFILES_DIR
from imagetest.core.errors import HarnessError
from imagetest.model.expected import Expectation
from imagetest.model.profile import load_profile
from imagetest.stages.counts import count_query


@pytest.mark.parametrize("name", ["reference", "upstream"])
def test_profiles_load(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert profile.table("Job")
    assert set(profile.syncjob.types) == {"sync", "parse"}
    argv = profile.command("syncdata", since="2026-01-01", until="2036-01-01")
    joined = " ".join(argv)
    assert "2026-01-01" in joined and "2036-01-01" in joined
    assert profile.command("setclusters")[-1] == profile.image.clusters_file


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
    with pytest.raises(HarnessError, match=r"syncjob\.columns lacks 'error'"):
        load_profile(str(path))


def _broken(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> str:
    data = yaml.safe_load((PROFILES_DIR / "upstream.yaml").read_text())
    edit(data)
    path = tmp_path / "upstream.yaml"
    path.write_text(yaml.safe_dump(data))
    shutil.copytree(PROFILES_DIR / "upstream", tmp_path / "upstream")
    return str(path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["image"].update(web_comand="x"), "image has unknown key 'web_comand'"),
        (lambda d: d.update(entites={}), "top level has unknown key 'entites'"),
        (
            lambda d: d["image"].update(sync_steps=["setclusters", "sync_data"]),
            "unknown step 'sync_data'; known: setclusters",
        ),
        (
            lambda d: d["image"]["files"].update({"/etc/x": "nope.tmpl"}),
            "template upstream/nope.tmpl does not exist",
        ),
        (lambda d: d["image"].update(web_port="http"), "image.web_port must be a port number"),
        (lambda d: d["image"].update(manage={"a": 1}), "image.manage must be a list of strings"),
        (lambda d: d["schedule"].update(rule="x"), "schedule has unknown key 'rule'"),
    ],
)
def test_typos_are_one_line_at_load(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(HarnessError, match=re.escape(message)):
        load_profile(_broken(tmp_path, edit))


def test_upstream_files_render_every_placeholder() -> None:
    profile = load_profile("upstream")
    values = {
        k: "v"
        for k in [
            "db_host",
            "db_port",
            "db_user",
            "db_password",
            "db_name",
            "redis_host",
            "redis_port",
            "secret_key",
            "database_key",
            "auth_client_secret",
            "sync_since",
            "schedule_seconds",
        ]
    } | {"fast_schedule": "True", "schedule_seconds": "1"}
    files = profile.render_files(values)
    settings = files["/etc/dashboard/conf.d/imagetest.py"]
    compile(settings, "imagetest.py", "exec")  # valid Python once rendered
    assert "= v" not in settings and '"v"' in settings  # placeholders filled, in strings
    assert files["/etc/dashboard/SECRET_KEY"] == "v"
    with pytest.raises(HarnessError, match="unknown or malformed placeholder"):
        profile.render_files({k: v for k, v in values.items() if k != "db_name"})
