from __future__ import annotations

from pathlib import Path

import pytest

from imagetest.core.config import Config, github_step_summary, make_artifacts_dir, resolve_config
from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import HarnessError, OptionError


def test_defaults() -> None:
    config = resolve_config({}, env={}, file_config={})
    assert config == Config()
    assert config.aap_version == "2.6"
    assert config.poll_interval == 1.0
    assert config.expected_path().name == "aap-2.6.yaml"
    assert config.artifacts_dir("r1").parts[-2:] == (".artifacts", "r1")


def test_flag_beats_env_beats_file() -> None:
    file_config = {"aap-version": "2.4", "timeout": 50, "profile": "upstream"}
    env = {"IMAGETEST_AAP_VERSION": "2.5", "IMAGETEST_TIMEOUT": "40"}
    config = resolve_config({"aap_version": "2.6"}, env=env, file_config=file_config)
    assert config.aap_version == "2.6"  # flag
    assert config.timeout == 40.0  # env over file
    assert config.profile == "upstream"  # file over default


def test_none_flag_means_not_given() -> None:
    config = resolve_config({"timeout": None}, env={"IMAGETEST_TIMEOUT": "7"})
    assert config.timeout == 7.0


def test_booleans_from_env_and_file() -> None:
    assert resolve_config({}, env={"IMAGETEST_KEEP": "yes"}).keep is True
    assert resolve_config({}, env={}, file_config={"keep": True}).keep is True
    with pytest.raises(HarnessError, match="not a boolean"):
        resolve_config({}, env={"IMAGETEST_KEEP": "maybe"})


def test_password_aliases_and_masking() -> None:
    config = resolve_config({}, env={"AAP_PASSWORD": "s3cret-pw"})
    assert config.aap_password == "s3cret-pw"
    assert "s3cret-pw" not in repr(config)
    assert config.public_dict()["aap_password"] == "********"
    preferred = resolve_config({}, env={"AAP_PASSWORD": "a", "IMAGETEST_AAP_PASSWORD": "b"})
    assert preferred.aap_password == "b"


@pytest.mark.parametrize("version", ["2.3", "26", "latest"])
def test_unknown_aap_version(version: str) -> None:
    with pytest.raises(HarnessError, match="unknown AAP version"):
        resolve_config({"aap_version": version}, env={})


def test_bad_numbers_and_keys() -> None:
    with pytest.raises(HarnessError, match="timeout"):
        resolve_config({"timeout": "soon"}, env={})
    with pytest.raises(HarnessError, match="above 0"):
        resolve_config({"poll_interval": "0"}, env={})
    with pytest.raises(HarnessError, match="unknown option"):
        resolve_config({}, env={}, file_config={"colour": "red"})


def test_skip_seed_needs_url() -> None:
    with pytest.raises(HarnessError, match="--skip-seed needs --aap-url"):
        resolve_config({"skip_seed": True}, env={})
    config = resolve_config({"skip_seed": True, "aap_url": "https://aap.example:443"}, env={})
    assert config.external_aap


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("timeout", "nan"),
        ("timeout", "inf"),
        ("timeout", "-inf"),
        ("timeout", "1e400"),
        ("poll_interval", "nan"),
        ("poll_interval", "1e400"),
        ("poll_interval", "86401"),
        ("up_timeout", "NaN"),
    ],
)
def test_seconds_must_be_finite_and_in_range(name: str, value: str) -> None:
    option = name.replace("_", "-")
    with pytest.raises(OptionError, match=rf"^option {option}: '{value}' is out of range"):
        resolve_config({name: value}, env={})


def test_seconds_from_the_environment_are_checked_too() -> None:
    # the message names the variable the value came from
    with pytest.raises(OptionError, match=r"^IMAGETEST_POLL_INTERVAL: 'inf' is out of range"):
        resolve_config({}, env={"IMAGETEST_POLL_INTERVAL": "inf"})


def test_artifacts_that_cannot_be_a_directory(tmp_path: Path) -> None:
    a_file = tmp_path / "summary"
    a_file.write_text("x")
    with pytest.raises(OptionError, match=r"--artifacts .*summary: a file is in the way"):
        resolve_config({"artifacts": str(a_file)}, env={})
    with pytest.raises(OptionError, match="cannot create a directory under"):
        resolve_config({"artifacts": str(a_file / "below")}, env={})
    ok = tmp_path / "new" / "dir"
    assert resolve_config({"artifacts": str(ok)}, env={}).artifacts == str(ok)
    assert not ok.exists()  # checked, not created, by option parsing


def test_make_artifacts_dir_turns_os_errors_into_one_line() -> None:
    with pytest.raises(OptionError, match=r"--artifacts /proc/imagetest-x: cannot write there"):
        make_artifacts_dir(Path("/proc/imagetest-x"))


@pytest.mark.parametrize("word", ["false", "no", "off", "0", "FALSE"])
def test_offline_false_is_false_everywhere(word: str) -> None:
    """IMAGETEST_OFFLINE=false: one reading; the images stage takes Config, not the env."""
    import inspect

    from imagetest import images

    assert resolve_config({}, env={"IMAGETEST_OFFLINE": word}).offline is False
    assert "environ" not in inspect.getsource(images)


@pytest.mark.parametrize("name", ["keep", "offline", "aap_insecure", "verbose", "public_base"])
def test_booleans_can_say_false_from_env_and_file(name: str) -> None:
    on = {name: True}
    assert getattr(resolve_config({}, env={}, file_config=on), name) is True
    env = {"IMAGETEST_" + name.upper(): "false"}
    # the environment outranks invoke.yaml, also to switch a boolean off
    assert getattr(resolve_config({}, env=env, file_config=on), name) is False
    assert getattr(resolve_config({}, env={}, file_config={name: "no"}), name) is False
    assert getattr(resolve_config({}, env={}, file_config={name: False}), name) is False


def test_every_knob_has_one_parser_and_a_recorded_source() -> None:
    env = {"IMAGETEST_BUILD_JOBS": "4", "IMAGETEST_RUNS_DIR": "/tmp/r", "IMAGETEST_RUN": "x"}
    file_config = {"build-jobs": 1, "pull_timeout": "30", "web_command": "serve"}
    config = resolve_config({"timeout": "9"}, env=env, file_config=file_config)
    assert (config.build_jobs, config.pull_timeout, config.web_command) == (4, 30.0, "serve")
    assert (config.runs_dir, config.run) == ("/tmp/r", "x")
    assert config.sources["timeout"] == "flag"
    assert config.sources["build_jobs"] == "env IMAGETEST_BUILD_JOBS"
    assert config.sources["pull_timeout"] == "invoke.yaml"
    assert config.sources["aap_version"] == "default"
    with pytest.raises(OptionError, match=r"build_jobs: 'two' is not a whole"):
        resolve_config({}, env={}, file_config={"build_jobs": "two"})


def test_child_options_resolve_to_the_same_config() -> None:
    """What a matrix hands its runs: every option, false booleans and secrets included."""
    parent = resolve_config(
        {"verbose": True, "timeout": "77", "image": "img:1"},
        env={"IMAGETEST_AAP_PASSWORD": "pw-1"},
        file_config={"keep": True, "build_jobs": 3},
    )
    child = resolve_config({}, env=parent.child_options(), file_config={"keep": False})
    assert child == parent
    assert resolve_config({}, env=parent.child_options(), file_config={"keep": True}) == parent


def test_only_config_reads_the_environment() -> None:
    """Every knob is read by Config; proc.child_env is the one place that builds a child's."""
    readers = sorted(
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / "imagetest").rglob("*.py")
        if "os.environ" in path.read_text()
    )
    assert readers == ["imagetest/core/config.py", "imagetest/core/proc.py"]


def test_github_step_summary_is_the_runners_file(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    assert github_step_summary({"GITHUB_STEP_SUMMARY": str(target)}) == target
    assert github_step_summary({"GITHUB_STEP_SUMMARY": ""}) is None
    assert github_step_summary({}) is None


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        ({"aap": "tower"}, "unknown --aap 'tower'; use one of aapsim, awx"),
        ({"aap": "awx", "aap_url": "https://aap:443"}, "pick one"),
        ({"aap": "awx", "aap_version": "2.6"}, "stands in for AAP 2.4"),
    ],
)
def test_aap_choice_is_checked(flags: dict[str, str], needle: str) -> None:
    with pytest.raises(OptionError, match=needle):
        resolve_config(flags, env={})


def test_awx_stands_in_for_24_with_its_own_expected_counts() -> None:
    config = resolve_config({"aap": "awx"}, env={})
    assert config.aap_version == "2.4"
    assert config.expected_path().name == "aap-awx.yaml"
    assert config.expected_path().is_file()
