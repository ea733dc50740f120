"""Schema profiles: what the harness knows about an image's database and commands.

A profile is data (``expected/profiles/<name>.yaml``); no code branches on its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from imagetest.config import REPO_ROOT
from imagetest.errors import HarnessError

PROFILES_DIR = REPO_ROOT / "expected" / "profiles"
SYNCJOB_COLUMNS = ("type", "status", "started", "finished", "error")
SYNCJOB_STATUSES = ("active", "success", "failure")
IMAGE_KEYS = (
    "workdir",
    "manage",
    "web_command",
    "task_command",
    "web_healthcheck",
    "task_healthcheck",
    "clusters_file",
    "setclusters",
    "syncdata",
    "env",
)


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
class Profile:
    name: str
    description: str
    entities: dict[str, str]
    syncjob: SyncJobSchema
    image: dict[str, Any]
    schedule: dict[str, Any]
    path: Path

    def table(self, entity: str) -> str:
        try:
            return self.entities[entity]
        except KeyError:
            raise HarnessError(
                f"profile {self.name}: no table for entity {entity!r}; "
                f"add it under entities: in {self.path.name}"
            ) from None

    def command(self, key: str, **values: str) -> list[str]:
        """A command of the image as argv, with {placeholders} filled in."""
        values = {"clusters_file": self.image["clusters_file"], **values}
        argv: list[str] = []
        for part in self.image[key]:
            if part == "{manage}":
                argv.extend(self.image["manage"])
            else:
                argv.append(str(part).format(**values))
        return argv


def _require(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data or data[key] in (None, ""):
        raise HarnessError(f"profile {where}: missing key {key!r}")
    return data[key]


def load_profile(name_or_path: str) -> Profile:
    """Load a profile by name (``reference``) or by path to a YAML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILES_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.yaml")))
        raise HarnessError(f"unknown profile {name_or_path!r}; known profiles: {known}")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise HarnessError(f"profile {path.name} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise HarnessError(f"profile {path.name}: expected a mapping at the top")
    where = path.name
    entities = _require(data, "entities", where)
    sj = _require(data, "syncjob", where)
    columns = _require(sj, "columns", where)
    for col in SYNCJOB_COLUMNS:
        _require(columns, col, f"{where} syncjob.columns")
    statuses = _require(sj, "statuses", where)
    for status in SYNCJOB_STATUSES:
        _require(statuses, status, f"{where} syncjob.statuses")
    types = _require(sj, "types", where)
    for kind in ("sync", "parse"):
        _require(types, kind, f"{where} syncjob.types")
    image = _require(data, "image", where)
    for key in IMAGE_KEYS:
        _require(image, key, f"{where} image")
    return Profile(
        name=str(data.get("name", path.stem)),
        description=str(data.get("description", "")),
        entities={str(k): str(v) for k, v in entities.items()},
        syncjob=SyncJobSchema(
            table=str(_require(sj, "table", where)),
            columns={str(k): str(v) for k, v in columns.items()},
            types={str(k): str(v) for k, v in types.items()},
            statuses={str(k): [str(s) for s in v] for k, v in statuses.items()},
        ),
        image=dict(image),
        schedule=dict(data.get("schedule") or {}),
        path=path,
    )
