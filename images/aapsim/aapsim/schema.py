"""Field definitions per resource: the one source the body validator and OPTIONS both read.

A `Spec` describes a writable field the way AWX's serializer does (type, required, blank,
null, max_length, default, choices). `read_body` validates a request body against the specs
(DRF's messages, through `validate.Body`); `metadata.py` turns the same specs into the
`actions` of an OPTIONS answer. Read-only fields (shown under GET only) are declared per
resource as `name:type` pairs, in the order the renderer writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .validate import Body

NO_DEFAULT: Any = object()  # the field has no default (DRF omits "default" then)
WRITABLE_TYPES = {"string", "integer", "boolean", "choice", "id", "json"}


@dataclass(frozen=True)
class Spec:
    """One writable field as AWX's serializer declares it."""

    name: str
    type: str  # AWX metadata type: string, integer, boolean, choice, id, json
    required: bool = False
    max_length: int | None = None
    min_value: int | None = None
    default: Any = NO_DEFAULT
    choices: tuple[tuple[Any, str], ...] = ()
    blank: bool = True  # "" accepted (strings)
    nullable: bool = False  # None accepted
    table: str = ""  # for "id": the table the pk must exist in
    label: str = ""
    help_text: str = ""
    write_only: bool = False
    gateway_only: bool = False  # the field exists on 2.5/2.6 only

    def __post_init__(self) -> None:
        if self.type not in WRITABLE_TYPES:
            raise ValueError(f"{self.name}: unknown field type {self.type!r}")
        if self.type == "id" and not self.table:
            raise ValueError(f"{self.name}: an id field names its table")

    @property
    def choice_values(self) -> tuple[Any, ...]:
        return tuple(value for value, _ in self.choices)


@dataclass(frozen=True)
class Resource:
    """What OPTIONS and the filters know about one kind of object."""

    type: str  # the `type` every object of it carries ("job_template")
    model: str  # Django model class name, for AWX's error texts ("JobTemplate")
    verbose: str  # verbose name, for help texts ("job template")
    writable: tuple[Spec, ...] = ()
    read_only: str = ""  # "name:type name:type ..." in rendering order
    search_fields: tuple[str, ...] = ()
    related_search_fields: tuple[str, ...] = ()
    object_roles: tuple[str, ...] = ()
    polymorphic: bool = False  # a unified job/template: `type` is a real filter field
    # on 2.5/2.6 the controller refuses to create these (edit.py: and to delete them or
    # change their shared fields)
    gateway_managed: bool = False
    gateway_read_only: str = ""  # extra read-only fields on 2.5/2.6
    labels: Mapping[str, str] = field(default_factory=dict)  # label overrides

    def specs(self, gateway: bool) -> list[Spec]:
        return [s for s in self.writable if gateway or not s.gateway_only]

    def read_only_fields(self, gateway: bool) -> list[tuple[str, str]]:
        text = self.read_only + (" " + self.gateway_read_only if gateway else "")
        return [tuple(item.split(":", 1)) for item in text.split()]  # type: ignore[misc]

    def field_names(self, gateway: bool) -> set[str]:
        """Every key an object of this resource renders with."""
        names = {name for name, _ in self.read_only_fields(gateway)}
        return names | {s.name for s in self.specs(gateway) if not s.write_only}


def spec_by_name(resource: Resource, name: str) -> Spec:
    for spec in resource.writable:
        if spec.name == name:
            return spec
    raise KeyError(f"{resource.type} has no writable field {name!r}")


Tables = Callable[[str], Mapping[int, Any]]


def read_field(body: Body, spec: Spec, tables: Tables, current: Any = NO_DEFAULT) -> Any:
    """Validate one field; `current` (PATCH/PUT) wins over the spec's default."""
    default = current if current is not NO_DEFAULT else spec.default
    if default is NO_DEFAULT:
        default = None if spec.type == "id" else _empty(spec)
    if spec.type == "string":
        return body.string(
            spec.name,
            default=default,
            required=spec.required,
            blank=spec.blank,
            max_len=spec.max_length or 1 << 20,
            nullable=spec.nullable,
        )
    if spec.type == "integer":
        return body.integer(spec.name, default=default, minimum=spec.min_value)
    if spec.type == "boolean":
        return body.boolean(spec.name, default=default)
    if spec.type == "choice":
        return body.choice(spec.name, spec.choice_values, default, required=spec.required)
    if spec.type == "id":
        return body.fk(
            spec.name,
            tables(spec.table),
            required=spec.required,
            nullable=spec.nullable,
            default=default,
        )
    return _read_json(body, spec, default)


def read_body(
    body: Body,
    resource: Resource,
    tables: Tables,
    gateway: bool,
    current: Mapping[str, Any] | None = None,
    skip: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Validate every writable field of `resource`; errors stay collected in `body`."""
    values: dict[str, Any] = {}
    for spec in resource.specs(gateway):
        if spec.name in skip:
            continue
        now = current.get(spec.name, NO_DEFAULT) if current is not None else NO_DEFAULT
        values[spec.name] = read_field(body, spec, tables, now)
    return values


def _empty(spec: Spec) -> Any:
    return {"integer": 0, "boolean": False, "json": ""}.get(spec.type, "")


def _read_json(body: Body, spec: Spec, default: Any) -> Any:
    """JSON-or-YAML text (extra_vars) or an object (inputs), as AWX accepts them."""
    if not body.has(spec.name):
        return default
    value = body.data[spec.name]
    if isinstance(default, dict):  # an object field: only a JSON object is valid
        if isinstance(value, dict):
            return dict(value)
        body.errors.setdefault(spec.name, []).append("Must be a JSON object.")
        return default
    if isinstance(value, dict):
        import json

        return json.dumps(value)
    if value is None:
        return ""
    if not isinstance(value, str):
        body.errors.setdefault(spec.name, []).append("Must be valid JSON or YAML.")
        return default
    return value
