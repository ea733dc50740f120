"""Options of a run and where they come from: the only reader of flags, env and invoke.yaml.

Precedence, highest first: command-line flag, environment (``IMAGETEST_*``), the
``imagetest:`` section of invoke's configuration (``invoke.yaml``), then the default. Every
source goes through the same parser of the field's type, and ``Config.sources`` records
which source each value came from. Single stages add one more layer below those:
:meth:`Config.with_stack` fills the options not given from the running stack and refuses a
given one that conflicts with it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import errno
import math
import os
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from imagetest.core.constants import (
    AAP_AWX,
    AAP_EMULATOR,
    AAP_KINDS,
    AAP_VERSIONS,
    AWX_AAP_VERSION,
    PLATFORMS,
    REPO_ROOT,
    expected_path,
    foreign_platform,
    profile_path,
)
from imagetest.core.errors import OptionError

ENV_PREFIX = "IMAGETEST_"
# Extra environment names accepted for a field, after IMAGETEST_<FIELD>.
ENV_ALIASES: dict[str, tuple[str, ...]] = {
    "aap_password": ("AAP_PASSWORD",),
    "registry_username": ("REGISTRY_USERNAME",),
    "registry_password": ("REGISTRY_PASSWORD",),
}
DEFAULT, FLAG, FILE = "default", "flag", "invoke.yaml"  # sources (env: "env NAME")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})
# How much longer a stage may take on an emulated platform (measured: docs/platforms.md).
EMULATION_SLOWDOWN = 4.0
MAX_SECONDS = 86400.0  # a day: any longer wait is a typo, and sleep() overflows on huge values


# The tasks that take an option as a flag; options no task takes come from IMAGETEST_* or
# invoke.yaml only.
CONFIG_TASKS = (
    "doctor", "images", "build", "up", "seed", "sync", "wait", "validate", "test-image",
    "matrix", "scenarios", "history", "bisect", "upgrade",
)  # fmt: skip
RUN_TASKS = "test-image matrix scenarios"


def option(
    default: Any,
    help: str,
    tasks: str = "",
    *,
    inherit: bool = True,
    parse: str | None = None,
    secret: bool = False,
) -> Any:
    """A Config field and its row of the options table: its help, the tasks that take it as
    a flag (space-separated), whether the runs a matrix or a scenario set starts inherit it,
    its parser (default: by type) and whether it is a secret (never shown)."""
    meta = {"help": help, "tasks": tuple(tasks.split()), "inherit": inherit, "secret": secret}
    if parse:
        meta["parse"] = parse
    return field(default=default, metadata=meta, repr=not secret)


@dataclass(frozen=True)
class Config:
    """Everything a run needs to know; built by :func:`resolve_config`. Each field is one row
    of the options table (:func:`option`): tasks.py builds its flags' help from it."""

    image: str | None = option(
        None,
        "dashboard image under test (default: the reference dashboard built locally); for "
        "build, the tag the --context build gets; for upgrade, the image upgraded to (B)",
        f"build up {RUN_TASKS} upgrade",
    )
    aap_version: str = option(
        "2.6",
        "AAP version to emulate or expect: 2.4, 2.5 or 2.6 (default 2.6)",
        "up wait validate test-image scenarios history bisect upgrade",
        inherit=False,  # a matrix gives each run its own
    )
    keep: bool = option(False, "keep the stack running after the run (for debugging)", "test-image")
    timeout: float = option(
        300.0,
        "timeout per stage in seconds (default 300)",
        f"up seed sync wait validate {RUN_TASKS} history bisect upgrade",
    )
    up_timeout: float | None = option(None, "bring-up only (default: timeout)")
    poll_interval: float = option(
        1.0,
        "longest pause between SyncJob polls (default 1; the first come sooner)",
        "sync wait test-image",
    )
    expected: str | None = option(
        None,
        "expected counts YAML (default expected/aap-<version>.yaml)",
        "wait validate test-image",
        inherit=False,  # an expected file is for one AAP version
    )
    artifacts: str | None = option(
        None,
        "artifacts directory (default .artifacts/<run-id>/; matrix and scenarios: the "
        "combined summary here, each run below it)",
        f"{RUN_TASKS} history bisect upgrade",
        inherit=False,  # each child run writes below its parent's
    )
    profile: str = option(
        "reference",
        "schema profile of the image: reference, upstream or a YAML path",
        f"up sync wait validate {RUN_TASKS} upgrade",
    )
    aap: str = option(
        AAP_EMULATOR,
        "the stack's AAP: aapsim (the emulator, default) or awx (the real AWX 24.6.1 "
        "controller, standing in for AAP 2.4; images/awx)",
        "up test-image build",
    )
    awx_sources: str | None = option(
        None,
        "directory with AWX 24.6.1's sources for images/awx (default "
        "../shared/aap-reference/real-awx beside the repository)",
        "up test-image build",
    )
    aap_url: str | None = option(
        None, "use this AAP instead of the emulator (http(s)://host:port)", "up test-image"
    )
    aap_username: str = option("admin", "AAP admin user (default admin)", "test-image")
    aap_password: str | None = option(
        None,
        "AAP admin password; prefer env IMAGETEST_AAP_PASSWORD or AAP_PASSWORD",
        "seed test-image",
        secret=True,
    )
    aap_insecure: bool = option(False, "do not verify the AAP's TLS certificate", "up test-image")
    skip_seed: bool = option(
        False, "the AAP already holds the test data: reuse its access file", "seed test-image"
    )
    aap_access: str | None = option(
        None, "access file to reuse with --skip-seed (default ./aap_access.json)", "seed test-image"
    )
    context: str | None = option(
        None,
        "build a dashboard image from this directory instead of the reference (history, "
        "bisect, upgrade: a clone of automation-reports or a bundle of it); scenarios: where "
        "a scenario's upgrade_from ref is built",
        "build history bisect upgrade scenarios",
    )
    dockerfile: str | None = option(
        None, "Dockerfile for --context (default <context>/Dockerfile)", "build"
    )
    public_base: bool = option(
        False,
        "build an automation-reports checkout with images/upstream (Debian bases, no Red Hat "
        "registry) instead of its own Dockerfile",
        "build",
    )
    no_frontend: bool = option(
        False, "with --public-base: skip the npm frontend build", "build history bisect upgrade"
    )
    ref: str | None = option(
        None,
        "with --public-base: build this commit, branch or tag of --context (a clone or a "
        "bundle), never touching its working tree; the tag defaults to ...:git-<commit>; "
        "upgrade: the ref upgraded to (B)",
        "build upgrade",
    )
    from_image: str | None = option(
        None, "upgrade: the image the stack starts on (A), upgraded to --image (B)", "upgrade"
    )
    from_ref: str | None = option(
        None, "upgrade: build this ref of --context as A (with --ref as B)", "upgrade"
    )
    chain: str | None = option(
        None,
        "upgrade: comma-separated refs of --context, each upgraded to the next, and the first "
        "straight to the last (a skip upgrade); one table",
        "upgrade",
    )
    upgrade_to: str | None = option(
        None, "the image a scenario's `upgrade` step switches to (invoke upgrade sets it)"
    )
    platform: str | None = option(
        None,
        "linux/amd64 or linux/arm64: build and run every image for it (default: this "
        "host's; another runs under qemu emulation, its stage timeouts x"
        f"{EMULATION_SLOWDOWN:g} unless --timeout is given)",
        f"doctor images build up {RUN_TASKS}",
    )
    offline: bool = option(
        False,
        "never pull images; build what is missing locally",
        f"images build up {RUN_TASKS} upgrade",
    )
    web_command: str | None = option(None, "replace the profile's web command (a shell line)")
    task_command: str | None = option(None, "replace the profile's task command (a shell line)")
    default_intervals: bool = option(
        False,
        "keep the image's own scheduler intervals (the upstream profile otherwise shortens "
        "them to 1 s; timing bugs may only show with the defaults)",
        "up test-image matrix",
    )
    only: str | None = option(
        None,
        "comma-separated scenario names (default: every scenarios/*.yaml); matrix: with "
        "--scenarios",
        "scenarios matrix",
    )
    since: str = option("2026-01-01", "start of the syncdata window (default 2026-01-01)", "sync")
    until: str = option("2036-01-01", "end of the syncdata window (default 2036-01-01)", "sync")
    verbose: bool = option(False, "debug logging", " ".join(CONFIG_TASKS))
    runs_dir: str | None = option(None, "where run states live (default .runs in the repository)")
    run: str | None = option(None, "the run single stages act on (default: .runs/current)")
    db_port: int | None = option(None, "host port of PostgreSQL (default: free)", parse="port")
    aap_port: int | None = option(None, "host port of the emulator (default: free)", parse="port")
    web_port: int | None = option(None, "host port of web (default: free)", parse="port")
    build_jobs: int = option(2, "images that do not depend on each other build side by side")
    pull_timeout: float = option(600.0, "seconds for a whole pull (large images take minutes)")
    registry_username: str | None = option(None, "pull credentials (anonymous after them)")
    registry_password: str | None = option(None, "pull credentials", secret=True)
    # option -> where its value came from: default, flag, env NAME, invoke.yaml, stack RUN
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def bring_up_timeout(self) -> float:
        return self.up_timeout or self.timeout

    @property
    def external_aap(self) -> bool:
        """True when a real AAP (or an emulator outside the stack) is used."""
        return bool(self.aap_url)

    @property
    def real_awx(self) -> bool:
        """True when the stack's AAP is the real AWX controller (--aap awx)."""
        return self.aap == AAP_AWX

    def expected_path(self) -> Path:
        if self.expected:
            return Path(self.expected)
        return expected_path(AAP_AWX if self.real_awx else self.aap_version)

    def artifacts_dir(self, name: str) -> Path:
        """--artifacts, or the default for a run id (``matrix-<id>``, ``scenarios-<id>``)."""
        if self.artifacts:
            return Path(self.artifacts)
        return REPO_ROOT / ".artifacts" / name

    def runs_root(self) -> Path:
        if self.runs_dir:
            return Path(self.runs_dir).expanduser().absolute()
        return REPO_ROOT / ".runs"

    def ports(self) -> dict[str, int]:
        """The host ports pinned by options (the rest are chosen free at `up`)."""
        pinned = {"db": self.db_port, "aap": self.aap_port, "web": self.web_port}
        return {name: port for name, port in pinned.items() if port is not None}

    def source(self, name: str) -> str:
        return self.sources.get(name, DEFAULT)

    def given(self, name: str) -> bool:
        """Whether a flag, the environment or invoke.yaml set ``name``."""
        return self.source(name) not in (DEFAULT,) and not self.source(name).startswith("stack")

    def public_dict(self) -> dict[str, Any]:
        """The options without secrets, for logs and summary.json."""
        data = {f.name: getattr(self, f.name) for f in option_fields()}
        for f in option_fields():
            if f.metadata["secret"] and data.get(f.name):
                data[f.name] = "********"
        return data

    def with_stack(self, stack: Mapping[str, Any], run_id: str) -> Config:
        """The running stack as a layer under the given options.

        Options not given take the stack's value; a given one that differs from it is
        refused (a silent override would test something else than what was asked).
        """
        changes: dict[str, Any] = {}
        sources = dict(self.sources)
        for name, value in stack.items():
            if value in (None, ""):
                continue
            if not self.given(name):
                changes[name] = value
                sources[name] = f"stack {run_id}"
            elif not _same(name, getattr(self, name), value):
                raise OptionError(
                    f"{option_label(name, self.source(name))} {getattr(self, name)!r} conflicts "
                    f"with the running stack {run_id} ({value!r}); drop the option, or "
                    "`invoke teardown` and `invoke up` with it"
                )
        return dataclasses.replace(self, **changes, sources=sources)

    def child_options(self, **own: Any) -> dict[str, str]:
        """The one way options reach a child run (a matrix's runs, a scenario set's
        workers): every inherited option, plus ``own`` (what the parent gives each child),
        as IMAGETEST_* variables. The child resolves the same Config: the environment
        outranks invoke.yaml, and a boolean can say false."""
        env: dict[str, str] = {}
        for f in option_fields():
            value = own[f.name] if f.name in own else getattr(self, f.name)
            if value is not None and (f.metadata["inherit"] or f.name in own):
                env[env_names(f.name)[0]] = _to_text(value)
        return env


def option_fields() -> tuple[dataclasses.Field[Any], ...]:
    return tuple(f for f in dataclasses.fields(Config) if f.name != "sources")


def task_options(task: str) -> tuple[str, ...]:
    """The options ``task`` takes as flags, in table order."""
    return tuple(f.name for f in option_fields() if task in f.metadata["tasks"])


def task_help(task: str, **own: str) -> dict[str, str]:
    """Invoke's help for ``task``: its options' rows of the table, plus its own flags."""
    rows = {f.name: f.metadata["help"] for f in option_fields() if task in f.metadata["tasks"]}
    return {name.replace("_", "-"): text for name, text in {**rows, **own}.items()}


def option_label(name: str, source: str) -> str:
    """How the user spelled the option: --flag, IMAGETEST_X or invoke.yaml's key."""
    if source.startswith("env "):
        return source.removeprefix("env ")
    if source == FILE:
        return f"invoke.yaml imagetest.{name}"
    return "--" + name.replace("_", "-")


def _parse_label(name: str, source: str) -> str:
    """The start of a parse error: which option, from which source."""
    if source in (FLAG, DEFAULT):
        return "option " + name.replace("_", "-")
    return option_label(name, source)


def _same(name: str, given: Any, stack: Any) -> bool:
    if name == "profile":
        return profile_path(str(given)).resolve() == profile_path(str(stack)).resolve()
    if name == "aap_url":
        return str(given).rstrip("/") == str(stack).rstrip("/")
    return bool(given == stack)


def _to_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _to_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise OptionError(f"{name}: {value!r} is not a boolean; use true or false")


def _to_float(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise OptionError(f"{name}: {value!r} is not a number of seconds") from None
    if not math.isfinite(number) or not 0 < number <= MAX_SECONDS:
        raise OptionError(
            f"{name}: {value!r} is out of range; use a number of seconds above 0 "
            f"and at most {MAX_SECONDS:.0f}"
        )
    return number


def _to_int(value: Any, name: str) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) < 1:
        raise OptionError(f"{name}: {value!r} is not a whole number above 0")
    return int(text)


def _to_port(value: Any, name: str) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not 0 < int(text) < 65536:
        raise OptionError(f"{name}: {value!r} is not a port; use 1 to 65535")
    return int(text)


def parse_count(value: Any, name: str) -> int:
    """A whole number above 0 given on the command line (a task's own --jobs, --tail): one
    OptionError naming the option, never the parser's exception."""
    return _to_int(value, f"option {name}")


def _to_str(value: Any, name: str) -> str:
    return str(value)


PARSERS: dict[str, Callable[[Any, str], Any]] = {
    "bool": _to_bool,
    "float": _to_float,
    "int": _to_int,
    "port": _to_port,
    "str": _to_str,
}


def _converter(f: dataclasses.Field[Any]) -> Callable[[Any, str], Any]:
    """The one parser of a field, whichever source its value comes from."""
    if "parse" in f.metadata:
        return PARSERS[f.metadata["parse"]]
    kind = str(f.type)
    return next((PARSERS[k] for k in ("bool", "float", "int") if k in kind), _to_str)


def env_names(name: str) -> tuple[str, ...]:
    return (ENV_PREFIX + name.upper(), *ENV_ALIASES.get(name, ()))


def _from_env(name: str, env: Mapping[str, str]) -> tuple[str, str] | None:
    for key in env_names(name):
        if env.get(key) not in (None, ""):
            return env[key], f"env {key}"
    return None


def _raw_value(
    name: str, flags: Mapping[str, Any], env: Mapping[str, str], file_config: Mapping[str, Any]
) -> tuple[Any, str]:
    """The highest-ranked value given for ``name`` and its source (None: not given)."""
    if flags.get(name) is not None:
        return flags[name], FLAG
    from_env = _from_env(name, env)
    if from_env is not None:
        return from_env
    if file_config.get(name) is not None:
        return file_config[name], FILE
    return None, DEFAULT


def resolve_config(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    file_config: Mapping[str, Any] | None = None,
) -> Config:
    """Merge the sources of options; ``None`` in ``flags`` means "not given"."""
    flags = flags or {}
    env = os.environ if env is None else env
    file_config = {str(k).replace("-", "_"): v for k, v in (file_config or {}).items()}
    known = {f.name: f for f in option_fields()}
    unknown = sorted(set(file_config) - set(known))
    if unknown:
        raise OptionError(f"invoke.yaml imagetest: unknown option(s) {', '.join(unknown)}")
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, f in known.items():
        raw, source = _raw_value(name, flags, env, file_config)
        sources[name] = source
        if raw is not None:
            values[name] = _converter(f)(raw, _parse_label(name, source))
    if values.get("aap") == AAP_AWX and "aap_version" not in values:
        values["aap_version"] = AWX_AAP_VERSION  # what AWX stands in for
    if foreign_platform(values.get("platform")) and "timeout" not in values:
        values["timeout"] = known["timeout"].default * EMULATION_SLOWDOWN
    config = Config(**values, sources=sources)
    validate_config(config)
    return config


def validate_config(config: Config) -> None:
    if config.platform is not None and config.platform not in PLATFORMS:
        raise OptionError(
            f"{option_label('platform', config.source('platform'))} {config.platform!r} is "
            f"not a platform the images are made for; use one of {', '.join(PLATFORMS)}"
        )
    if config.aap_version not in AAP_VERSIONS:
        raise OptionError(
            f"unknown AAP version {config.aap_version!r}; use one of {', '.join(AAP_VERSIONS)}"
        )
    if config.aap not in AAP_KINDS:
        raise OptionError(f"unknown --aap {config.aap!r}; use one of {', '.join(AAP_KINDS)}")
    if config.real_awx and config.external_aap:
        raise OptionError(
            "--aap awx runs AWX in the stack and --aap-url names an AAP outside it; pick one"
        )
    if config.real_awx and config.aap_version != AWX_AAP_VERSION:
        raise OptionError(
            f"--aap awx stands in for AAP {AWX_AAP_VERSION}; drop --aap-version "
            f"{config.aap_version} (or use the emulator for it)"
        )
    if config.skip_seed and not config.external_aap:
        raise OptionError("--skip-seed needs --aap-url: the emulator starts empty every run")
    if config.external_aap and not str(config.aap_url).startswith(("http://", "https://")):
        raise OptionError(f"--aap-url {config.aap_url!r} must start with http:// or https://")
    if config.external_aap and not urlsplit(str(config.aap_url)).hostname:
        raise OptionError(f"--aap-url {config.aap_url!r} names no host; e.g. https://aap:443")
    if config.artifacts:
        check_artifacts_path(Path(config.artifacts))
    for name in ("web_command", "task_command"):
        check_command(name, getattr(config, name), config.source(name))
    for name in ("image", "from_image", "upgrade_to"):
        value = getattr(config, name)
        if value is not None:
            check_image_reference(option_label(name, config.source(name)), value)
    check_paths(config)
    for name in ("since", "until"):
        check_date(option_label(name, config.source(name)), getattr(config, name))
    if config.run is not None and not RUN_ID.fullmatch(config.run):
        raise OptionError(
            f"{option_label('run', config.source('run'))} {config.run!r} is not a run id; "
            "the ids are the folders of the runs directory (.runs)"
        )


# A run id: letters, digits, '.', '_' and '-' (new_run_id makes 20261206-031854-c028a0).
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
# Docker's reference grammar, in short: [host[:port]/]path[:tag][@digest]; the path is
# lowercase components separated by '/', the tag up to 128 word characters.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9-]+)*(?::[0-9]+)?/)?"
IMAGE_REFERENCE = re.compile(
    rf"{_DOMAIN}{_COMPONENT}(?:/{_COMPONENT})*(?::[\w][\w.-]{{0,127}})?(?:@sha256:[a-f0-9]{{64}})?"
)


def check_image_reference(label: str, value: str) -> None:
    if len(value) > 255 or not IMAGE_REFERENCE.fullmatch(value):
        raise OptionError(
            f"{label} {value[:80]!r} is not an image reference: [registry/]name[:tag], "
            "the name in lowercase (e.g. localhost/dashboard:dev)"
        )


def check_date(label: str, value: str) -> None:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise OptionError(f"{label} {value[:40]!r} is not a date; use YYYY-MM-DD") from None


def check_paths(config: Config) -> None:
    """Files and directories the options name exist, before anything starts."""
    profile = config.profile
    if not profile_path(profile).is_file():
        raise OptionError(
            f"{option_label('profile', config.source('profile'))} {profile[:80]!r}: no such "
            f"profile; use reference, upstream or the path of a YAML file"
        )
    wanted = {
        "expected": "file",
        "aap_access": "file",
        "context": "any",
        "dockerfile": "file",
        "awx_sources": "dir",
    }
    for name, kind in wanted.items():
        value = getattr(config, name)
        if value is None:
            continue
        path = Path(value)
        checks = {"file": path.is_file, "dir": path.is_dir, "any": path.exists}
        if not checks[kind]():
            what = f"not a {'file' if kind == 'file' else 'directory'}"
            what = what if path.exists() else "no such file or directory"
            raise OptionError(f"{option_label(name, config.source(name))} {value[:80]!r}: {what}")


def check_command(name: str, value: str | None, source: str) -> None:
    """A role command given as one string must split as a shell would split it."""
    if value is None:
        return
    try:
        argv = shlex.split(value)
    except ValueError as exc:
        raise OptionError(
            f"{option_label(name, source)} {value!r}: {exc}; quote it as a shell would"
        ) from None
    if not argv:
        raise OptionError(f"{option_label(name, source)} is empty; give a command or drop it")


def user_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """What any clone may reuse (a built frontend, pooled wheels): the user's cache, where
    pip's and npm's are (XDG_CACHE_HOME, else ~/.cache)."""
    base = (os.environ if env is None else env).get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "imagetest"


def github_step_summary(env: Mapping[str, str] | None = None) -> Path | None:
    """The job summary file a GitHub runner names (not an option: the runner sets it)."""
    value = (os.environ if env is None else env).get("GITHUB_STEP_SUMMARY")
    return Path(value) if value else None


def _not_writable(path: Path) -> str:
    """Why ``path`` refuses writes, as a user reads it."""
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return "Read-only file system"
    except OSError:
        pass
    return "no write permission"


def check_artifacts_path(path: Path) -> None:
    """--artifacts must be a directory or creatable as one (checked, not created, here)."""
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK):
            raise OptionError(
                f"--artifacts {path}: the directory is not writable ({_not_writable(path)}); "
                "pick another"
            )
        return
    if path.exists():
        raise OptionError(f"--artifacts {path}: a file is in the way; pass a directory path")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise OptionError(
            f"--artifacts {path}: cannot create a directory under {parent} "
            f"({_not_writable(parent)}); pass a writable directory path"
        )


def make_artifacts_dir(path: Path) -> Path:
    """Create the artifacts directory and write in it once, or one OptionError naming it (a
    path under /proc, a full or read-only disk): before a stack starts, not after."""
    probe = path / f".imagetest-probe.{os.getpid()}"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"0" * 4096)
    except OSError as exc:
        fix = "free space on that disk or " if exc.errno == errno.ENOSPC else ""
        raise OptionError(
            f"--artifacts {path}: cannot write there ({exc.strerror or 'refused'}); "
            f"{fix}pass a writable directory"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink(missing_ok=True)
    return path
