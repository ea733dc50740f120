"""OPTIONS answers generated from the resource specs, following AWX's metadata class.

AWX (awx/api/metadata.py) adds to DRF's name/description/renders/parses: `actions` (GET with
every readable field; POST/PUT with the writable ones when the user may write), `types`,
`search_fields`, `related_search_fields`, `object_roles` and, on lists, `max_page_size`.
For GET it drops required/read_only/default/min_length/max_length; for POST/PUT it drops
read-only fields. `filterable` is true for model fields, which here means: the emulator's
filter backend accepts the name (the two never disagree).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .launch import LAUNCH_DESCRIPTION, LAUNCH_ROLES, launch_actions
from .listing import MAX_PAGE_SIZE
from .schema import NO_DEFAULT, Resource, Spec

RENDERS = ["application/json", "text/html"]
PARSES = ["application/json", "application/x-www-form-urlencoded"]
GET_DROPPED = ("required", "read_only", "default", "min_length", "max_length")
# AWX's help texts for the fields every object has ({} = the model's verbose name).
COMMON_HELP = {
    "id": "Database ID for this {}.",
    "name": "Name of this {}.",
    "description": "Optional description of this {}.",
    "type": "Data type for this {}.",
    "url": "URL for this {}.",
    "related": "Data structure with URLs of related resources.",
    "summary_fields": "Data structure with name/description for related resources.  "
    "The output for some objects may be limited for performance reasons.",
    "created": "Timestamp when this {} was created.",
    "modified": "Timestamp when this {} was last modified.",
}
NOT_MODEL_FIELDS = {"url", "related", "summary_fields"}
# awx/api/templates/api/<view>.md (the update's whole, the others' first paragraph)
UPDATE_DESCRIPTION = (
    "# Update Project\n\nMake a GET request to this resource to determine if the project can be "
    "updated\nfrom its SCM source.  The response will include the following field:\n\n"
    "* `can_update`: Flag indicating if this project can be updated (boolean,\n  read-only)\n\n"
    "Make a POST request to this resource to update the project.  If the project\ncannot be "
    "updated, a 405 status code will be returned."
)
FORM_DESCRIPTIONS = {
    "update": UPDATE_DESCRIPTION,
    "cancel": "# Cancel a Job\nMake a POST request to this resource to cancel a pending or running "
    "job.  The\nresponse status code will be 202 if successful, or 405 if the job cannot be\n"
    "canceled.",
    "relaunch": "Relaunch a Job:\n\nMake a POST request to this resource to launch a job.",
}


@dataclass(frozen=True)
class View:
    """What an OPTIONS answer describes: a route of one resource."""

    resource: Resource | None
    # list, detail, attach (sub-list that attaches by id), sublist (creates or attaches by
    # id: AWX's SubListCreateAttachDetachAPIView), action, launch; update (a
    # project's), cancel, relaunch: FORM_VIEWS
    kind: str = "list"
    title: str = ""  # DRF's view name, e.g. "Job Template List"


def label_for(resource: Resource, name: str) -> str:
    if name in resource.labels:
        return resource.labels[name]
    if name == "id":
        return "ID"
    return name.replace("_", " ").capitalize()


def field_info(
    resource: Resource, name: str, kind: str, spec: Spec | None, filterable: set[str]
) -> dict[str, Any]:
    """One field's metadata as AWX's Metadata.get_field_info writes it (all methods)."""
    info: dict[str, Any] = {"type": spec.type if spec else kind}
    info["required"] = bool(spec and spec.required)
    if spec is None:
        info["read_only"] = True
    info["label"] = label_for(resource, name)
    help_text = COMMON_HELP.get(name, "{}").format(resource.verbose)
    if name not in COMMON_HELP:
        help_text = spec.help_text if spec else ""
    if help_text:
        info["help_text"] = help_text
    if spec is not None:
        if spec.max_length is not None:
            info["max_length"] = spec.max_length
        if spec.min_value is not None:
            info["min_value"] = spec.min_value
    if name == "type":
        info["filterable"] = resource.polymorphic
        info["choices"] = [[resource.type, resource.verbose.title()]]
    elif name not in NOT_MODEL_FIELDS:
        info["filterable"] = name in filterable
    if spec is not None and spec.default is not NO_DEFAULT:
        info["default"] = spec.default
    if spec is not None and spec.type == "choice":
        info["choices"] = _choices(spec)
    return info


def _choices(spec: Spec) -> list[list[Any]]:
    pairs = [[value, text] for value, text in spec.choices]
    if spec.nullable and not any(value in ("", None) for value, _ in spec.choices):
        pairs.insert(0, [None, "---------"])
    return pairs


def actions(
    resource: Resource, gateway: bool, methods: list[str], filterable: set[str], extra: str = ""
) -> dict[str, dict[str, Any]]:
    specs = {s.name: s for s in resource.specs(gateway)}
    rendered = resource.read_only_fields(gateway)
    if extra:
        rendered += [tuple(item.split(":", 1)) for item in extra.split()]  # type: ignore[misc]
    out: dict[str, dict[str, Any]] = {}
    if "GET" in methods:
        get: dict[str, Any] = {}
        for name, kind in rendered:
            info = field_info(resource, name, kind, specs.get(name), filterable)
            for attr in GET_DROPPED:
                info.pop(attr, None)
            get[name] = info
        out["GET"] = get
    for method in ("POST", "PUT"):
        if method in methods and specs:
            out[method] = {
                name: field_info(resource, name, spec.type, spec, filterable)
                for name, spec in specs.items()
            }
    return out


# Views with a serializer of their own (AWX's ProjectUpdateView, JobCancel, JobRelaunch):
# (GET's read-only fields, POST's write-only ones). Read-only fields are dropped from POST,
# so a view with none of its own answers POST {}; awxkit still reads it.
FORM_VIEWS: dict[str, tuple[str, str]] = {
    "update": ("can_update:boolean", ""),
    "cancel": ("can_cancel:boolean", ""),
    "relaunch": (
        "passwords_needed_to_start:field retry_counts:field",
        "hosts:choice credential_passwords:field",
    ),
}
FORM_EXTRA: dict[str, dict[str, Any]] = {
    "hosts": {
        "default": "all",
        "choices": [
            ["all", "No change to job limit"],
            ["failed", "All failed and unreachable hosts"],
        ],
    },
    "credential_passwords": {"required": True},
}


def form_actions(kind: str, post: bool) -> dict[str, dict[str, Any]]:
    get, write = FORM_VIEWS[kind]
    out: dict[str, dict[str, Any]] = {"GET": _form_fields(get, write=False)}
    if post:
        out["POST"] = _form_fields(write, write=True)
    return out


def _form_fields(spec: str, write: bool) -> dict[str, dict[str, Any]]:
    fields: dict[str, dict[str, Any]] = {}
    for item in spec.split():
        name, kind = item.split(":")
        label = name.replace("_", " ").capitalize()
        info: dict[str, Any] = {"type": kind, "label": label}
        if write:
            info = {"type": kind, "required": False, "label": label, "write_only": True}
            info.update(FORM_EXTRA.get(name, {}))
        fields[name] = info
    return fields


def attach_actions(methods: list[str]) -> dict[str, dict[str, Any]]:
    """AWX's attach/detach sub-lists take only the id of the object to attach in POST."""
    if "POST" not in methods:
        return {}
    return {
        "POST": {
            "id": {
                "type": "integer",
                "required": False,
                "label": "ID",
                "help_text": "Database ID of the object to attach (or detach with "
                '"disassociate": true).',
            }
        }
    }


def options(
    view: View,
    gateway: bool,
    methods: list[str],
    filterable: set[str],
    extra_read_only: str = "",
) -> dict[str, Any]:
    """The whole OPTIONS body; `methods` are those the caller may use on the route."""
    res = view.resource
    body: dict[str, Any] = {
        "name": view.title,
        "description": _description(view),
        "renders": RENDERS,
        "parses": PARSES,
    }
    if res is None:
        return body
    acts = actions(res, gateway, methods, filterable, extra_read_only)
    if view.kind == "attach":
        acts = {k: v for k, v in acts.items() if k == "GET"} | attach_actions(methods)
    elif view.kind == "sublist" and "POST" in acts:  # creates, or attaches by id
        acts["POST"] = {**attach_actions(methods)["POST"], **acts["POST"]}
    elif view.kind == "action":
        acts = {}
    elif view.kind == "launch":
        acts = launch_actions("POST" in methods)
    elif view.kind in FORM_VIEWS:
        acts = form_actions(view.kind, "POST" in methods)
    if acts:
        body["actions"] = acts
    body["types"] = [res.type]
    if view.kind == "launch":
        body["object_roles"] = list(LAUNCH_ROLES)
        return body
    if view.kind in FORM_VIEWS:
        if view.kind == "update":
            body["object_roles"] = list(res.object_roles)
        return body
    if view.kind in ("list", "attach", "sublist"):
        if res.search_fields:
            body["search_fields"] = list(res.search_fields)
        if res.related_search_fields:
            body["related_search_fields"] = list(res.related_search_fields)
    if res.object_roles:
        body["object_roles"] = list(res.object_roles)
    if view.kind in ("list", "attach", "sublist"):
        body["max_page_size"] = MAX_PAGE_SIZE
    return body


def _description(view: View) -> str:
    """A short Markdown text like AWX's view docs (theirs are longer)."""
    res = view.resource
    if res is None:
        return ""
    if view.kind == "launch":
        return LAUNCH_DESCRIPTION
    if view.kind in FORM_DESCRIPTIONS:
        return FORM_DESCRIPTIONS[view.kind]
    verbose = res.verbose
    plural = verbose[:-1] + "ies" if verbose.endswith("y") else verbose + "s"
    if view.kind in ("list", "attach", "sublist"):
        return (
            f"# List {plural.title()}:\n\n"
            f"Make a GET request to this resource to retrieve the list of {plural}."
        )
    return (
        f"# Retrieve {verbose.title()}:\n\n"
        f"Make GET request to this resource to retrieve a single {verbose}."
    )
