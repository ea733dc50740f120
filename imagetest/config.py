"""Options of a run and where they come from.

Precedence, highest first: command-line flag, environment (``IMAGETEST_*``), the
``imagetest:`` section of invoke's configuration (``invoke.yaml``), then the default.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imagetest.errors import OptionError

REPO_ROOT = Path(__file__).resolve().parent.parent
AAP_VERSIONS = ("2.4", "2.5", "2.6")
ENV_PREFIX = "IMAGETEST_"
# Extra environment names accepted for a field, after IMAGETEST_<FIELD>.
ENV_ALIASES: dict[str, tuple[str, ...]] = {"aap_password": ("AAP_PASSWORD",)}
SECRET_FIELDS = frozenset({"aap_password"})
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})
MAX_SECONDS = 86400.0  # a day: any longer wait is a typo, and sleep() overflows on huge values


@dataclass(frozen=True)
class Config:
    """Everything a run needs to know; built by :func:`resolve_config`."""

    image: str | None = None
    aap_version: str = "2.6"
    keep: bool = False
    timeout: float = 300.0
    up_timeout: float | None = None  # bring-up only; default: timeout
    poll_interval: float = 1.0
    expected: str | None = None
    artifacts: str | None = None
    profile: str = "reference"
    aap_url: str | None = None
    aap_username: str = "admin"
    aap_password: str | None = field(default=None, repr=False)
    aap_insecure: bool = False
    skip_seed: bool = False
    aap_access: str | None = None
    context: str | None = None
    dockerfile: str | None = None
    public_base: bool = False  # build --context with images/upstream, not its own Dockerfile
    no_frontend: bool = False  # public-base: skip the npm frontend build
    offline: bool = False
    web_command: str | None = None
    task_command: str | None = None
    default_intervals: bool = False  # keep the image's own scheduler intervals (slower)
    since: str = "2026-01-01"
    until: str = "2036-01-01"
    verbose: bool = False

    @property
    def bring_up_timeout(self) -> float:
        return self.up_timeout or self.timeout

    @property
    def external_aap(self) -> bool:
        """True when a real AAP (or an emulator outside the stack) is used."""
        return bool(self.aap_url)

    def expected_path(self) -> Path:
        if self.expected:
            return Path(self.expected)
        return REPO_ROOT / "expected" / f"aap-{self.aap_version}.yaml"

    def artifacts_dir(self, run_id: str) -> Path:
        if self.artifacts:
            return Path(self.artifacts)
        return REPO_ROOT / ".artifacts" / run_id

    def public_dict(self) -> dict[str, Any]:
        """The options without secrets, for logs and summary.json."""
        data = dataclasses.asdict(self)
        for name in SECRET_FIELDS:
            if data.get(name):
                data[name] = "********"
        return data


def _to_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise OptionError(f"option {name}: {value!r} is not a boolean; use true or false")


def _to_float(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise OptionError(f"option {name}: {value!r} is not a number of seconds") from None
    if not math.isfinite(number) or not 0 < number <= MAX_SECONDS:
        raise OptionError(
            f"option {name}: {value!r} is out of range; use a number of seconds above 0 "
            f"and at most {MAX_SECONDS:.0f}"
        )
    return number


def _to_str(value: Any, name: str) -> str:
    return str(value)


def _converter(f: dataclasses.Field[Any]) -> Callable[[Any, str], Any]:
    kind = str(f.type)
    if "bool" in kind:
        return _to_bool
    if "float" in kind:
        return _to_float
    return _to_str


def env_names(name: str) -> tuple[str, ...]:
    return (ENV_PREFIX + name.upper(), *ENV_ALIASES.get(name, ()))


def _from_env(name: str, env: Mapping[str, str]) -> str | None:
    for key in env_names(name):
        if env.get(key) not in (None, ""):
            return env[key]
    return None


def resolve_config(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    file_config: Mapping[str, Any] | None = None,
) -> Config:
    """Merge the sources of options; ``None`` in ``flags`` means "not given"."""
    flags = flags or {}
    env = os.environ if env is None else env
    file_config = {str(k).replace("-", "_"): v for k, v in (file_config or {}).items()}
    known = {f.name: f for f in dataclasses.fields(Config)}
    unknown = sorted(set(file_config) - set(known))
    if unknown:
        raise OptionError(f"invoke.yaml imagetest: unknown option(s) {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, f in known.items():
        raw = flags.get(name)
        if raw is None:
            raw = _from_env(name, env)
        if raw is None:
            raw = file_config.get(name)
        if raw is not None:
            values[name] = _converter(f)(raw, name.replace("_", "-"))
    config = Config(**values)
    validate_config(config)
    return config


def validate_config(config: Config) -> None:
    if config.aap_version not in AAP_VERSIONS:
        raise OptionError(
            f"unknown AAP version {config.aap_version!r}; use one of {', '.join(AAP_VERSIONS)}"
        )
    if config.skip_seed and not config.external_aap:
        raise OptionError("--skip-seed needs --aap-url: the emulator starts empty every run")
    if config.external_aap and not str(config.aap_url).startswith(("http://", "https://")):
        raise OptionError(f"--aap-url {config.aap_url!r} must start with http:// or https://")
    if config.artifacts:
        check_artifacts_path(Path(config.artifacts))


def check_artifacts_path(path: Path) -> None:
    """--artifacts must be a directory or creatable as one (checked, not created, here)."""
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK):
            raise OptionError(f"--artifacts {path}: the directory is not writable; pick another")
        return
    if path.exists():
        raise OptionError(f"--artifacts {path}: a file is in the way; pass a directory path")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise OptionError(
            f"--artifacts {path}: cannot create a directory under {parent}; "
            "pass a writable directory path"
        )


def make_artifacts_dir(path: Path) -> Path:
    """Create the artifacts directory, or one OptionError naming it (e.g. under /proc)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OptionError(
            f"--artifacts {path}: cannot create the directory ({exc.strerror or 'refused'}); "
            "pass a writable directory path"
        ) from None
    return path
