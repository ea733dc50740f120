"""The expected-counts file: entity -> exact row count, with optional filter."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from imagetest.core.errors import HarnessError
from imagetest.model.profile import Profile


@dataclass(frozen=True)
class Expectation:
    """One exact count, e.g. ``Job`` 4 or ``SyncJob`` with ``type: sync`` 2."""

    entity: str
    count: int
    filter: dict[str, str] = field(default_factory=dict)
    id: str = ""
    source: str = ""

    @property
    def label(self) -> str:
        """The name used in messages: the entity, plus the filter if any."""
        if not self.filter:
            return self.entity
        return f"{self.entity}[{','.join(f'{k}={v}' for k, v in self.filter.items())}]"


@dataclass(frozen=True)
class ExpectedCounts:
    aap_version: str | None
    entries: list[Expectation]
    path: Path

    def count_for(self, entity: str, **filters: str) -> int | None:
        for entry in self.entries:
            if entry.entity == entity and entry.filter == filters:
                return entry.count
        return None


def _bad(path: Path, problem: str) -> HarnessError:
    return HarnessError(f"malformed expected file {path}: {problem}")


def _entry(path: Path, index: int, raw: Any) -> Expectation:
    if not isinstance(raw, dict):
        raise _bad(path, f"entry {index} is not a mapping")
    entity = raw.get("entity")
    if not isinstance(entity, str) or not entity:
        raise _bad(path, f"entry {index} has no entity name")
    count = raw.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise _bad(path, f"{entity}: count must be a whole number >= 0, got {count!r}")
    flt = raw.get("filter") or {}
    if not isinstance(flt, dict) or not all(isinstance(v, str | int) for v in flt.values()):
        raise _bad(path, f"{entity}: filter must map column to value")
    unknown = set(raw) - {"entity", "count", "filter", "id", "source"}
    if unknown:
        raise _bad(path, f"{entity}: unknown key(s) {', '.join(sorted(unknown))}")
    entry = Expectation(
        entity=entity,
        count=count,
        filter={str(k): str(v) for k, v in flt.items()},
        source=str(raw.get("source", "")),
    )
    return Expectation(**{**entry.__dict__, "id": str(raw.get("id") or entry.label)})


def load_expected(path: str | Path) -> ExpectedCounts:
    path = Path(path)
    if not path.is_file():
        raise HarnessError(f"expected file {path} not found; pass --expected FILE")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise _bad(path, yaml_problem(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise HarnessError(f"expected file {path} cannot be read: {reason}") from None
    if not isinstance(data, dict) or not isinstance(data.get("entities"), list):
        raise _bad(path, "needs a top-level 'entities:' list")
    entries = [_entry(path, i, raw) for i, raw in enumerate(data["entities"], 1)]
    if not entries:
        raise _bad(path, "'entities:' is empty")
    ids = [e.id for e in entries]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise _bad(path, f"duplicate entries {', '.join(dupes)}")
    version = data.get("aap_version")
    return ExpectedCounts(str(version) if version is not None else None, entries, path)


def yaml_problem(exc: yaml.YAMLError) -> str:
    """The YAML error with its line and column (1-based), as an editor shows them."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or "parse error"
    if mark is None:
        return f"not valid YAML ({problem})"
    return f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}"


def check_against_profile(expected: ExpectedCounts, profile: Profile, aap_version: str) -> None:
    """Preflight: every entity has a table, every filter key a column, the version matches."""
    path = expected.path
    if expected.aap_version is not None and expected.aap_version != aap_version:
        raise HarnessError(
            f"expected file {path} is for AAP {expected.aap_version}, the run is for AAP "
            f"{aap_version}; pass --expected expected/aap-{aap_version}.yaml or "
            f"--aap-version {expected.aap_version}"
        )
    known = ", ".join(sorted(profile.entities))
    for entry in expected.entries:
        if entry.entity not in profile.entities:
            raise _bad(
                path,
                f"{entry.id}: unknown entity {entry.entity!r}; profile {profile.name} knows "
                f"{known} (a typo in the expected file, or a table missing in the profile)",
            )
        columns = filter_columns(profile, entry.entity)
        for key in entry.filter:
            if key not in columns:
                allowed = ", ".join(sorted(columns)) or "none"
                raise _bad(
                    path,
                    f"{entry.id}: cannot filter {entry.entity} on {key!r}; profile "
                    f"{profile.name} maps these filter keys: {allowed}",
                )


def filter_columns(profile: Profile, entity: str) -> dict[str, str]:
    """Filter key -> column the profile maps for ``entity`` (only SyncJob has them)."""
    if profile.entities.get(entity) == profile.syncjob.table:
        return dict(profile.syncjob.columns)
    return {}
