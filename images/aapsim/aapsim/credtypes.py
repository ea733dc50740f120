"""Credential types: AWX's managed ones and custom ones a user adds. A type says which
inputs a credential of it takes and which of them are secret.

credential_types.json holds the 30 managed types of AWX 24.6.1 with their ids on a fresh
install (as the real controller numbers them, tests/awx): 1-21 from its
ManagedCredentialType definitions (awx/main/models/credential/__init__.py), in that order,
then 22-30 the credential lookup plugins', alphabetically by namespace. Per field only its
id, label, type, secret flag and choices are kept."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("credential_types.json")
# What a user may create: AWX refuses custom types of the other kinds.
CUSTOM_KINDS = (("net", "Network"), ("cloud", "Cloud"))


@dataclass(slots=True)
class CredentialType:
    id: int
    name: str
    kind: str
    namespace: str | None
    inputs: dict[str, Any]  # {"fields": [...], "required": [...]}
    created: datetime
    description: str = ""
    managed: bool = True
    injectors: dict[str, Any] = field(default_factory=dict)
    created_by: int | None = None

    @property
    def field_ids(self) -> list[str]:
        return [f["id"] for f in self.inputs.get("fields", [])]

    @property
    def secrets(self) -> set[str]:
        return {f["id"] for f in self.inputs.get("fields", []) if f.get("secret")}


def managed_types(created: datetime) -> dict[int, CredentialType]:
    out = {}
    for row in json.loads(DATA.read_text()):
        inputs = {"fields": row["fields"]}
        if row.get("required"):
            inputs["required"] = row["required"]
        out[row["id"]] = CredentialType(
            id=row["id"],
            name=row["name"],
            kind=row["kind"],
            namespace=row["namespace"],
            inputs=inputs,
            created=created,
        )
    return out


def input_errors(ctype: CredentialType, inputs: Any) -> list[str] | dict[str, list[str]]:
    """AWX's check of a credential's inputs against its type's schema (jsonschema draft 4,
    no other properties): [] when they pass."""
    if not isinstance(inputs, dict):
        return [f"{json.dumps(inputs)} is not of type 'object'"]
    unknown = [k for k in inputs if k not in ctype.field_ids]
    if unknown:
        listed = ", ".join(repr(k) for k in unknown)
        verb = "was" if len(unknown) == 1 else "were"
        return [f"Additional properties are not allowed ({listed} {verb} unexpected)"]
    kinds = {f["id"]: f.get("type", "string") for f in ctype.inputs.get("fields", [])}
    wrong = {
        k: [f"{json.dumps(v)} is not of type '{kinds[k]}'"]
        for k, v in inputs.items()
        if (kinds[k] == "string" and not isinstance(v, str))
        or (kinds[k] == "boolean" and not isinstance(v, bool))
    }
    return wrong
