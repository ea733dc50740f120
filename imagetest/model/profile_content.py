"""The ``content:`` part of a schema profile: columns and joins behind logical field names.

Scenario checks say "the Job with AAP id 5 has template 'JT1'"; this part says where that
lives in one image's database (which column holds the AAP id, which foreign key leads to
the template, which link table holds a job's labels). Validated when the profile loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imagetest.core.errors import HarnessError

IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
ENTITY_KEYS = ("aap_id", "fields", "refs", "sets")
REF_KEYS = ("column", "entity")
SET_KEYS = ("table", "column", "ref", "entity")


@dataclass(frozen=True)
class Ref:
    """A foreign key to another entity, shown by that entity's ``name`` field."""

    column: str
    entity: str


@dataclass(frozen=True)
class LinkSet:
    """Rows of a link table: ``column`` points at the owner, ``ref`` at the member entity."""

    table: str
    column: str
    ref: str
    entity: str


@dataclass(frozen=True)
class EntityContent:
    aap_id: str
    fields: dict[str, str] = field(default_factory=dict)
    refs: dict[str, Ref] = field(default_factory=dict)
    sets: dict[str, LinkSet] = field(default_factory=dict)

    def kind_of(self, name: str) -> str:
        """field, ref or set; '' when the entity has no such logical name."""
        if name in self.fields or name == "aap_id":
            return "field"
        if name in self.refs:
            return "ref"
        if name in self.sets:
            return "set"
        return ""

    def names(self) -> list[str]:
        return sorted({"aap_id", *self.fields, *self.refs, *self.sets})


@dataclass(frozen=True)
class ContentSchema:
    cluster: str  # the column that ties a row to its AAP (cluster)
    entities: dict[str, EntityContent]

    def entity(self, name: str, profile: str) -> EntityContent:
        try:
            return self.entities[name]
        except KeyError:
            known = ", ".join(sorted(self.entities))
            raise HarnessError(
                f"profile {profile}: no content mapping for {name!r} (known: {known}); "
                "add it under content.entities"
            ) from None


def _fail(path: Path, key: str, problem: str) -> HarnessError:
    return HarnessError(f"profile {path.name}: content.{key} {problem}")


def _ident(value: Any, path: Path, key: str) -> str:
    if not isinstance(value, str) or not IDENT.match(value):
        raise _fail(path, key, f"must be a column or table name, got {value!r}")
    return value


def _dict(value: Any, path: Path, key: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, key, "must be a mapping")
    return value


def _keys(data: dict[str, Any], allowed: tuple[str, ...], path: Path, key: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise _fail(path, key, f"has unknown key {unknown[0]!r}; known: {', '.join(allowed)}")
    missing = [k for k in allowed if k in REF_KEYS + SET_KEYS and k not in data]
    if allowed != ENTITY_KEYS and missing:
        raise _fail(path, key, f"lacks {missing[0]!r}")


def _entity(raw: Any, path: Path, key: str) -> EntityContent:
    data = _dict(raw, path, key)
    _keys(data, ENTITY_KEYS, path, key)
    if "aap_id" not in data:
        raise _fail(path, key, "lacks 'aap_id' (the column holding the AAP id)")
    fields_ = {
        str(k): _ident(v, path, f"{key}.fields.{k}")
        for k, v in _dict(data.get("fields"), path, f"{key}.fields").items()
    }
    refs = {}
    for name, ref in _dict(data.get("refs"), path, f"{key}.refs").items():
        where = f"{key}.refs.{name}"
        ref = _dict(ref, path, where)
        _keys(ref, REF_KEYS, path, where)
        refs[str(name)] = Ref(_ident(ref["column"], path, where), str(ref["entity"]))
    sets = {}
    for name, link in _dict(data.get("sets"), path, f"{key}.sets").items():
        where = f"{key}.sets.{name}"
        link = _dict(link, path, where)
        _keys(link, SET_KEYS, path, where)
        sets[str(name)] = LinkSet(
            _ident(link["table"], path, where),
            _ident(link["column"], path, where),
            _ident(link["ref"], path, where),
            str(link["entity"]),
        )
    return EntityContent(_ident(data["aap_id"], path, f"{key}.aap_id"), fields_, refs, sets)


def parse_content(raw: Any, path: Path, tables: dict[str, str]) -> ContentSchema | None:
    """The content mapping, checked against the profile's entity tables."""
    if raw is None:
        return None
    data = _dict(raw, path, "")
    _keys(data, ("cluster", "entities"), path, "(top)")
    cluster = _ident(data.get("cluster", "cluster_id"), path, "cluster")
    entities = {
        str(name): _entity(spec, path, f"entities.{name}")
        for name, spec in _dict(data.get("entities"), path, "entities").items()
    }
    for name, spec in entities.items():
        if name not in tables:
            raise _fail(path, f"entities.{name}", "has no table under entities:")
        targets = [r.entity for r in spec.refs.values()] + [s.entity for s in spec.sets.values()]
        for target in targets:
            if target not in entities:
                raise _fail(path, f"entities.{name}", f"refers to {target!r}, not mapped")
            if "name" not in entities[target].fields:
                raise _fail(path, f"entities.{target}", "needs a 'name' field to be referred to")
    return ContentSchema(cluster, entities)
