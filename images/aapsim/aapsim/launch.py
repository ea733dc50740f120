"""A job template's launch view: what GET tells a client before it launches, and the OPTIONS
metadata of AWX's JobLaunchSerializer (seen on AWX 24.6.1, tests/awx)."""

from __future__ import annotations

from typing import Any

# The roles OPTIONS names on the launch view (AWX: the template's roles a launcher needs).
LAUNCH_ROLES = ("admin_role", "execute_role", "read_role")
LAUNCH_DESCRIPTION = (
    "Launch a Job Template:\n\nMake a GET request to this resource to determine if the "
    "job_template can be\nlaunched and whether any passwords are required to launch the "
    "job_template."
)
# The prompts a template can ask at launch, in AWX's order (ask_<name>_on_launch).
PROMPTS = [
    "scm_branch",
    "variables",
    "tags",
    "diff_mode",
    "skip_tags",
    "job_type",
    "limit",
    "verbosity",
    "inventory",
    "credential",
    "execution_environment",
    "labels",
    "forks",
    "job_slice_count",
    "timeout",
    "instance_groups",
]
# GET's fields: name:type, "!" where AWX marks the field not filterable.
GET_FIELDS = (
    "can_start_without_user_input:boolean! passwords_needed_to_start:field! "
    + " ".join(f"ask_{p}_on_launch:boolean" for p in PROMPTS)
    + " survey_enabled:boolean variables_needed_to_start:field! credential_needed_to_start:field! "
    "inventory_needed_to_start:field! job_template_data:field! defaults:field!"
)
POST_FIELDS = (
    "extra_vars:json inventory:id scm_branch:string limit:string job_tags:string "
    "skip_tags:string job_type:choice verbosity:choice diff_mode:boolean "
    "credentials:list_of_ids! credential_passwords:json! execution_environment:id labels:field! "
    "forks:integer job_slice_count:integer timeout:integer instance_groups:field!"
)
POST_EXTRA: dict[str, dict[str, Any]] = {
    "job_type": {"choices": [["run", "Run"], ["check", "Check"]]},
    "verbosity": {
        "choices": [
            [0, "0 (Normal)"],
            [1, "1 (Verbose)"],
            [2, "2 (More Verbose)"],
            [3, "3 (Debug)"],
            [4, "4 (Connection Debug)"],
            [5, "5 (WinRM Debug)"],
        ]
    },
    "forks": {"min_value": 0},
    "job_slice_count": {"min_value": 0},
}


def _fields(spec: str, write: bool) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in spec.split():
        name, kind = item.split(":")
        info: dict[str, Any] = {"type": kind.rstrip("!")}
        if write:
            info["required"] = False
        info["hidden"] = False
        info["label"] = name.replace("_", " ").capitalize()
        if name in POST_EXTRA and write:
            info.update(POST_EXTRA[name])
        info["filterable"] = not kind.endswith("!")
        if write:
            info["write_only"] = True
        out[name] = info
    return out


def launch_actions(may_launch: bool) -> dict[str, Any]:
    """OPTIONS actions: GET always, POST for a caller who may launch."""
    acts = {"GET": _fields(GET_FIELDS, write=False)}
    if may_launch:
        acts["POST"] = _fields(POST_FIELDS, write=True)
    return acts
