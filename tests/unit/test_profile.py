from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from imagetest.core.config import resolve_config
from imagetest.core.constants import PROFILES_DIR
from imagetest.core.errors import HarnessError, OptionError
from imagetest.model.expected import Expectation
from imagetest.model.profile import IMAGE_VALUES, load_profile
from imagetest.stages.counts import count_query
from imagetest.stages.stack import compose_text, image_values, role_commands, settled


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
        (lambda d: d["image"].update(manage={"a": 1}), "image.manage must be an argv list"),
        (lambda d: d["image"].update(web_command="bash -c x"), "image.web_command must be an argv"),
        (
            lambda d: d["image"].update(syncdata=["${manage}", "syncdata", "--since=${untill}"]),
            "upstream.yaml: image.syncdata: unknown placeholder ${untill}; known here: manage, "
            "clusters_file, since, until",
        ),
        (
            lambda d: d["image"].update(syncdata=["{manage}", "syncdata", "--since=$since"]),
            "image.syncdata: a '$' that is not a ${name} placeholder; write $$ for a literal $",
        ),
        (
            lambda d: d["image"].update(migrate=["x${manage}", "migrate"]),
            "image.migrate: ${manage} must be a whole element of the list",
        ),
        (
            lambda d: d["image"].update(task_command=["run", "${since}"]),
            "image.task_command: unknown placeholder ${since}; known here: none",
        ),
        (
            lambda d: d["image"].update(env={"DB": "${db_hots}"}),
            "image.env.DB: unknown placeholder ${db_hots}; known here: db_host,",
        ),
        (
            lambda d: d["schedule"].update(rrule="DTSTART:${dtsart} FREQ=DAILY"),
            "schedule.rrule: unknown placeholder ${dtsart}; known here: dtstart",
        ),
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
    values = dict.fromkeys(IMAGE_VALUES, "v") | {"fast_schedule": "True", "schedule_seconds": "1"}
    files = profile.render_files(values)
    settings = files["/etc/dashboard/conf.d/imagetest.py"]
    compile(settings, "imagetest.py", "exec")  # valid Python once rendered
    assert "= v" not in settings and '"v"' in settings  # placeholders filled, in strings
    assert files["/etc/dashboard/SECRET_KEY"] == "v"
    with pytest.raises(HarnessError, match="no value for db_name"):
        profile.render_files({k: v for k, v in values.items() if k != "db_name"})


def test_a_template_typo_fails_at_load(tmp_path: Path) -> None:
    path = _broken(tmp_path, lambda d: None)
    settings = tmp_path / "upstream" / "settings.py.tmpl"
    settings.write_text(settings.read_text().replace("${db_name}", "${db_nmae}"))
    with pytest.raises(
        HarnessError, match=re.escape("settings.py.tmpl: unknown placeholder ${db_nmae}")
    ):
        load_profile(path)


def test_the_stack_gives_every_image_value(tmp_path: Path) -> None:
    """The names a profile may use are the names the stack fills in: no more, no fewer."""
    state = SimpleNamespace(db={"user": "u", "password": "p", "name": "n"})
    assert sorted(image_values(state, resolve_config({}, env={}))) == sorted(IMAGE_VALUES)


def test_commands_are_argv_and_role_options_split_as_a_shell_would() -> None:
    profile = load_profile("upstream")
    assert profile.image.web_command[:2] == ["bash", "-c"]
    assert profile.command("migrate") == ["/venv/bin/python", "manage.py", "migrate", "--noinput"]
    config = resolve_config({"web_command": "sh -c 'echo a; exit 3'"}, env={})
    assert role_commands(config, profile)["web"] == ["sh", "-c", "echo a; exit 3"]
    assert compose_text(["echo", "$HOME"]) == ["echo", "$$HOME"]
    with pytest.raises(OptionError, match=r"--web-command .*No closing quotation; quote it"):
        resolve_config({"web_command": "sh -c 'echo"}, env={})


def test_role_health_checks_settle_after_a_pass() -> None:
    """On engines before 25 a role's check waits after a pass (compose.yml's settle)."""
    test = settled(["python", "-S", "-c", "print('ok')"], 3)
    assert test[0] == "CMD-SHELL"
    assert test[1].startswith("python -S -c 'print('\"'\"'ok'\"'\"')' && ")
    assert "sleep 3; touch /tmp/.imagetest-up; true; }" in test[1]
    compose = Path(__file__).resolve().parents[2] / "compose" / "compose.yml"
    # compose.yml's own checks end with the same settle
    assert compose.read_text().count("sleep ${HEALTH_SETTLE:-0}; touch /tmp/.imagetest-up") == 3
