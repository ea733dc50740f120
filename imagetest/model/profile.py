"""Schema profiles: what the harness knows about an image's database and commands.

A profile is data (``expected/profiles/<name>.yaml``, its templates beside it in
``expected/profiles/<name>/``); no code branches on its name. Loading checks every key, so a
typo is one line at preflight rather than a KeyError in the middle of a sync.

One placeholder syntax everywhere: ``${name}`` (``$$`` is a literal ``$``), in commands, env
values, the schedule's rule and the file templates. Each place has its known names, and
loading checks every placeholder against them: an unknown one names the file, the key and
the names it could have been.
"""

from __future__ import annotations

import re
import string
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from imagetest.core.constants import PROFILES_DIR, profile_path
from imagetest.core.errors import HarnessError
from imagetest.model.profile_content import ContentSchema, parse_content

SYNCJOB_COLUMNS = ("type", "status", "started", "finished", "error")
SYNCJOB_STATUSES = ("active", "success", "failure")
SYNCJOB_TYPES = ("sync", "parse")
# What a sync step may be; "setclusters:no_schedule" registers the cluster without schedules.
SYNC_STEPS = (
    "setclusters",
    "setclusters:no_schedule",
    "syncdata",
    "await_first_sync",
    "fresh_tokens",
)
TOP_KEYS = ("name", "description", "entities", "syncjob", "schedule", "image", "content")
# What the harness fills in, per place. Env values and file templates: the run's values
# (stages/stack.image_values gives exactly these). Commands that run in a container:
# `${manage}` stands for the whole manage argv and must be a whole element.
IMAGE_VALUES = (
    "db_host", "db_port", "db_user", "db_password", "db_name", "redis_host", "redis_port",
    "secret_key", "database_key", "auth_client_secret", "sync_since", "fast_schedule",
    "schedule_seconds",
)  # fmt: skip
COMMAND_VALUES = ("manage", "clusters_file", "since", "until")
SCHEDULE_VALUES = ("dtstart",)
ROLE_COMMANDS = ("web_command", "task_command", "web_healthcheck", "task_healthcheck")
MANAGE = "${manage}"


class Text(string.Template):
    """``${name}`` placeholders only (a bare ``$name`` is malformed); ``$$`` is ``$``."""

    pattern = (
        r"\$(?:(?P<escaped>\$)|\{(?P<braced>[a-z_][a-z0-9_]*)\}|(?P<named>(?!x)x)|(?P<invalid>))"
    )
    flags = re.NOFLAG


def placeholders(text: str, where: str, known: tuple[str, ...]) -> list[str]:
    """The names ``text`` uses; a malformed or unknown one is a HarnessError naming ``where``."""
    template = Text(text)
    if not template.is_valid():
        raise HarnessError(
            f"{where}: a '$' that is not a ${{name}} placeholder; write $$ for a literal $"
        )
    names = template.get_identifiers()
    for name in names:
        if name not in known:
            choices = ", ".join(known) if known else "none (this value is used as it is)"
            raise HarnessError(f"{where}: unknown placeholder ${{{name}}}; known here: {choices}")
    return names


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with its placeholders filled in (checked at load: every name is known)."""
    return Text(text).substitute(values)


@dataclass(frozen=True)
class SyncJobSchema:
    table: str
    columns: dict[str, str]
    types: dict[str, str]
    statuses: dict[str, list[str]]

    def logical_type(self, value: str) -> str:
        """Map a stored type value back to its logical name (sync, parse)."""
        for logical, stored in self.types.items():
            if stored == value:
                return logical
        return value


@dataclass(frozen=True)
class Schedule:
    """The schedule registered with the cluster; ``${dtstart}`` in the rule is filled in at
    registration (UTC, a few seconds ahead), for images that need a DTSTART."""

    name: str = "imagetest"
    rrule: str = "FREQ=DAILY"
    enabled: bool = True
    # where the image keeps schedules and their next run: with a ${dtstart} rule the harness
    # checks that registration happened before DTSTART
    table: str = ""
    next_run: str = ""

    @property
    def timed(self) -> bool:
        return "dtstart" in Text(self.rrule).get_identifiers()

    def rule(self, dtstart: str) -> str:
        return fill(self.rrule, {"dtstart": dtstart})


@dataclass(frozen=True)
class ImageSchema:
    """How the image is run: commands, checks, and what the harness provides to it."""

    workdir: str
    manage: list[str]
    # argv lists, run without a shell (a role that needs one says `bash -c ...` itself)
    web_command: list[str]
    task_command: list[str]
    web_healthcheck: list[str]
    task_healthcheck: list[str]
    clusters_file: str
    setclusters: list[str]
    syncdata: list[str]
    sync_steps: list[str]
    env: dict[str, str] = field(default_factory=dict)
    web_port: int = 8000  # the container port the web role serves on
    migrate: list[str] = field(default_factory=list)  # one-shot service before web and task
    # container path -> template file under the profile's folder, rendered into the run
    # directory and mounted read-only in every dashboard container
    files: dict[str, str] = field(default_factory=dict)
    tmpfs: list[str] = field(default_factory=list)  # writable run dirs the image expects


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    entities: dict[str, str]
    syncjob: SyncJobSchema
    image: ImageSchema
    schedule: Schedule | None
    path: Path
    # columns and joins behind the logical names of content checks (scenarios)
    content: ContentSchema | None = None

    def need_content(self) -> ContentSchema:
        if self.content is None:
            raise HarnessError(
                f"profile {self.name} has no content: mapping; content checks need one "
                f"(see expected/profiles/reference.yaml)"
            )
        return self.content

    @property
    def files_dir(self) -> Path:
        """Where the profile's templates live: a folder named like the profile."""
        return self.path.with_suffix("")

    def table(self, entity: str) -> str:
        try:
            return self.entities[entity]
        except KeyError:
            raise HarnessError(
                f"profile {self.name}: no table for entity {entity!r}; "
                f"add it under entities: in {self.path.name}"
            ) from None

    def command(self, key: str, since: str = "", until: str = "") -> list[str]:
        """A command of the image as argv (migrate, setclusters, syncdata), filled in."""
        values = {"clusters_file": self.image.clusters_file, "since": since, "until": until}
        argv: list[str] = []
        for part in getattr(self.image, key):
            if part == MANAGE:
                argv.extend(self.image.manage)
            else:
                argv.append(fill(part, values))
        return argv

    def render_env(self, values: dict[str, str]) -> dict[str, str]:
        """The image's variables, filled in with the run's values (IMAGE_VALUES)."""
        return {name: fill(text, values) for name, text in self.image.env.items()}

    def render_files(self, values: dict[str, str]) -> dict[str, str]:
        """container path -> text of each file the image gets, filled in (IMAGE_VALUES)."""
        missing = sorted(set(IMAGE_VALUES) - set(values))
        if missing:
            raise HarnessError(f"profile {self.name}: no value for {', '.join(missing)}")
        return {
            target: fill((self.files_dir / source).read_text(), values)
            for target, source in self.image.files.items()
        }


def _where(path: Path, key: str) -> str:
    return f"profile {path.name}: {key}"


def _mapping(data: Any, key: str, path: Path) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise HarnessError(f"{_where(path, key)} must be a mapping")
    return data


def _known(data: dict[str, Any], allowed: tuple[str, ...], key: str, path: Path) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise HarnessError(
            f"{_where(path, key)} has unknown key {unknown[0]!r}; known: {', '.join(allowed)}"
        )


def _require(data: dict[str, Any], names: tuple[str, ...], key: str, path: Path) -> None:
    for name in names:
        if data.get(name) in (None, "", [], {}):
            raise HarnessError(f"{_where(path, key)} lacks {name!r}")


def _str_map(data: Any, key: str, path: Path) -> dict[str, str]:
    return {str(k): str(v) for k, v in _mapping(data, key, path).items()}


def _argv(value: Any, key: str, path: Path) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise HarnessError(f"{_where(path, key)} must be a list of strings")
    return [str(v) for v in value]


def _command(data: dict[str, Any], key: str, path: Path, known: tuple[str, ...]) -> list[str]:
    """An argv list whose every element's placeholders are known here."""
    where = f"{_where(path, 'image.' + key)}"
    value = data.get(key)
    if value in (None, []):
        return []
    if not isinstance(value, list):
        raise HarnessError(f"{where} must be an argv list, e.g. [bash, -c, 'a command']")
    argv = _argv(value, "image." + key, path)
    for part in argv:
        names = placeholders(part, where, known)
        if "manage" in names and part != MANAGE:
            raise HarnessError(f"{where}: {MANAGE} must be a whole element of the list")
    # Nothing to fill in later (the roles' commands and checks): $$ is $ now.
    return argv if known else [fill(part, {}) for part in argv]


def _checked_env(data: dict[str, Any], path: Path) -> dict[str, str]:
    env = _str_map(data.get("env") or {}, "image.env", path)
    for name, text in env.items():
        placeholders(text, f"{_where(path, 'image.env.' + name)}", IMAGE_VALUES)
    return env


def _checked_files(data: dict[str, Any], path: Path) -> dict[str, str]:
    files = _str_map(data.get("files") or {}, "image.files", path)
    folder = path.with_suffix("")
    for source in files.values():
        template = folder / source
        if not template.is_file():
            raise HarnessError(
                f"{_where(path, 'image.files')}: template {folder.name}/{source} does not exist"
            )
        where = f"{_where(path, 'image.files')}: template {folder.name}/{source}"
        placeholders(template.read_text(), where, IMAGE_VALUES)
    return files


def _image(raw: Any, path: Path) -> ImageSchema:
    data = _mapping(raw, "image", path)
    names = tuple(f.name for f in fields(ImageSchema))
    _known(data, names, "image", path)
    required = tuple(
        f.name for f in fields(ImageSchema) if f.default is MISSING and f.default_factory is MISSING
    )
    _require(data, required, "image", path)
    steps = _argv(data["sync_steps"], "image.sync_steps", path)
    for step in steps:
        if step not in SYNC_STEPS:
            raise HarnessError(
                f"{_where(path, 'image.sync_steps')} has unknown step {step!r}; "
                f"known: {', '.join(SYNC_STEPS)}"
            )
    try:
        port = int(data.get("web_port", 8000))
    except (TypeError, ValueError):
        raise HarnessError(f"{_where(path, 'image.web_port')} must be a port number") from None
    return ImageSchema(
        workdir=str(data["workdir"]),
        manage=_command(data, "manage", path, ()),
        **{key: _command(data, key, path, ()) for key in ROLE_COMMANDS},
        clusters_file=str(data["clusters_file"]),
        setclusters=_command(data, "setclusters", path, COMMAND_VALUES),
        syncdata=_command(data, "syncdata", path, COMMAND_VALUES),
        sync_steps=steps,
        env=_checked_env(data, path),
        web_port=port,
        migrate=_command(data, "migrate", path, COMMAND_VALUES),
        files=_checked_files(data, path),
        tmpfs=_argv(data.get("tmpfs") or [], "image.tmpfs", path),
    )


def _syncjob(raw: Any, path: Path) -> SyncJobSchema:
    sj = _mapping(raw, "syncjob", path)
    _known(sj, ("table", "columns", "types", "statuses"), "syncjob", path)
    _require(sj, ("table", "columns", "types", "statuses"), "syncjob", path)
    columns = _str_map(sj["columns"], "syncjob.columns", path)
    _require(columns, SYNCJOB_COLUMNS, "syncjob.columns", path)
    types = _str_map(sj["types"], "syncjob.types", path)
    _require(types, SYNCJOB_TYPES, "syncjob.types", path)
    statuses = _mapping(sj["statuses"], "syncjob.statuses", path)
    _require(statuses, SYNCJOB_STATUSES, "syncjob.statuses", path)
    return SyncJobSchema(
        table=str(sj["table"]),
        columns=columns,
        types=types,
        statuses={
            str(k): [str(s) for s in _argv(v, f"syncjob.statuses.{k}", path)]
            for k, v in statuses.items()
        },
    )


def _schedule(raw: Any, path: Path) -> Schedule | None:
    if not raw:
        return None
    data = _mapping(raw, "schedule", path)
    _known(data, ("name", "rrule", "enabled", "table", "next_run"), "schedule", path)
    schedule = Schedule(
        name=str(data.get("name", "imagetest")),
        rrule=str(data.get("rrule", "FREQ=DAILY")),
        enabled=bool(data.get("enabled", True)),
        table=str(data.get("table") or ""),
        next_run=str(data.get("next_run") or ""),
    )
    placeholders(schedule.rrule, _where(path, "schedule.rrule"), SCHEDULE_VALUES)
    if schedule.timed:
        _require(data, ("table", "next_run"), "schedule (a ${dtstart} rule)", path)
    return schedule


def load_profile(name_or_path: str) -> Profile:
    """Load a profile by name (``reference``) or by path to a YAML file."""
    path = profile_path(name_or_path)
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.yaml")))
        raise HarnessError(f"unknown profile {name_or_path!r}; known profiles: {known}")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise HarnessError(f"profile {path.name} is not valid YAML: {exc}") from None
    data = _mapping(data, "the top level", path)
    _known(data, TOP_KEYS, "the top level", path)
    _require(data, ("entities", "syncjob", "image"), "the top level", path)
    entities = _str_map(data["entities"], "entities", path)
    return Profile(
        name=str(data.get("name", path.stem)),
        description=str(data.get("description", "")),
        entities=entities,
        syncjob=_syncjob(data["syncjob"], path),
        image=_image(data["image"], path),
        schedule=_schedule(data.get("schedule"), path),
        path=path,
        content=parse_content(data.get("content"), path, entities),
    )
