"""AWX's object roles: which roles each kind of object carries, and who holds them.

A role's id is its object's `role_base` plus the role's place in the kind's `object_roles`
(resources.py): AWX creates an object's roles in that order when the object is first saved,
so on a fresh AAP the Demo objects hold roles 9-39 as recorded. Names and descriptions follow
AWX's `role_names` and `role_descriptions` (awx/main/models/rbac.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import resources as R
from .schema import Resource

ROLE_NAMES = {
    "admin_role": "Admin",
    "adhoc_role": "Ad Hoc",
    "project_admin_role": "Project Admin",
    "inventory_admin_role": "Inventory Admin",
    "credential_admin_role": "Credential Admin",
    "job_template_admin_role": "Job Template Admin",
    "execution_environment_admin_role": "Execution Environment Admin",
    "workflow_admin_role": "Workflow Admin",
    "notification_admin_role": "Notification Admin",
    "auditor_role": "Auditor",
    "execute_role": "Execute",
    "member_role": "Member",
    "read_role": "Read",
    "update_role": "Update",
    "use_role": "Use",
    "approval_role": "Approve",
}
# "{}" is the owner's model name in words ("job template")
DESCRIPTIONS = {
    "admin_role": "Can manage all aspects of the {}",
    "adhoc_role": "May run ad hoc commands on the {}",
    "project_admin_role": "Can manage all projects of the {}",
    "inventory_admin_role": "Can manage all inventories of the {}",
    "credential_admin_role": "Can manage all credentials of the {}",
    "job_template_admin_role": "Can manage all job templates of the {}",
    "execution_environment_admin_role": "Can manage all execution environments of the {}",
    "workflow_admin_role": "Can manage all workflows of the {}",
    "notification_admin_role": "Can manage all notifications of the {}",
    "auditor_role": "Can view all aspects of the {}",
    "execute_role": "May run the {}",
    "member_role": "User is a member of the {}",
    "read_role": "May view settings for the {}",
    "update_role": "May update the {}",
    "use_role": "Can use the {} in a job template",
    "approval_role": "Can approve or deny a workflow approval node",
}
DESCRIPTION_OVERRIDES = {
    ("organization", "execute_role"): "May run any executable resources in the organization",
}


@dataclass(frozen=True)
class Owner:
    """A kind of object with roles: its resource, its table in State, its URL path."""

    resource: Resource
    table: str
    path: str


# In the order a fresh install creates them (the Demo objects' role ids, API-FACTS §5).
OWNERS = (
    Owner(R.ORGANIZATION, "orgs", "organizations"),
    Owner(R.CREDENTIAL, "credentials", "credentials"),
    Owner(R.INVENTORY, "inventories", "inventories"),
    Owner(R.PROJECT, "projects", "projects"),
    Owner(R.JOB_TEMPLATE, "job_templates", "job_templates"),
    Owner(R.TEAM, "teams", "teams"),
)
OWNER_OF = {o.resource.type: o for o in OWNERS}
# A team holds another object's role through its member role; an organization's
# participation roles are for users only (AWX: "user_only" in summary_fields).
PARTICIPATION = ("admin_role", "member_role")


@dataclass(frozen=True)
class Role:
    id: int
    field: str
    owner: Owner
    obj: Any

    @property
    def kind(self) -> str:
        return self.owner.resource.type

    @property
    def name(self) -> str:
        return ROLE_NAMES[self.field]

    @property
    def description(self) -> str:
        override = DESCRIPTION_OVERRIDES.get((self.kind, self.field))
        if override:
            return override
        words = re.sub(r"([a-z])([A-Z])", r"\1 \2", self.owner.resource.model).lower()
        return DESCRIPTIONS[self.field].format(words)

    @property
    def participation(self) -> bool:
        """An organization's or team's admin or member role: who belongs to it."""
        return self.kind in ("organization", "team") and self.field in PARTICIPATION


def role_id(resource: Resource, obj: Any, field: str) -> int:
    """The id of one of an object's roles (its place in the kind's object_roles)."""
    return obj.role_base + resource.object_roles.index(field)


def count(resource: Resource) -> int:
    return len(resource.object_roles)


def roles_of(owner: Owner, obj: Any) -> list[Role]:
    fields = owner.resource.object_roles
    return [Role(obj.role_base + i, field, owner, obj) for i, field in enumerate(fields)]


def summary(resource_type: str, obj: Any) -> dict[str, dict[str, Any]]:
    """summary_fields.object_roles of an object, as AWX's serializers write it."""
    out: dict[str, dict[str, Any]] = {}
    for role in roles_of(OWNER_OF[resource_type], obj):
        entry: dict[str, Any] = {"description": role.description, "name": role.name}
        entry["id"] = role.id
        if role.kind == "organization" and role.field in PARTICIPATION:
            entry["user_only"] = True
        out[role.field] = entry
    return out


def all_roles(state: Any) -> list[Role]:
    return [
        role
        for owner in OWNERS
        for obj in getattr(state, owner.table).values()
        for role in roles_of(owner, obj)
    ]


def find(state: Any, role_id: int) -> Role | None:
    for owner in OWNERS:
        size = count(owner.resource)
        for obj in getattr(state, owner.table).values():
            if obj.role_base <= role_id < obj.role_base + size:
                return roles_of(owner, obj)[role_id - obj.role_base]
    return None
