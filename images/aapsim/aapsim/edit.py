"""PUT, PATCH and DELETE on detail views, as AWX's RetrieveUpdateDestroyAPIView answers them.

An update checks the body against the same field specs as a create; PATCH takes the fields
it does not send from the object. A delete follows AWX's models' on_delete rules for what
referred to the object (awx/main/models: a template's inventory and project SET_NULL, an
inventory's hosts and groups CASCADE, a template's schedules CASCADE, an organization's
teams, labels and credentials CASCADE, its inventories and projects SET_NULL); an inventory
is deleted in the background in AWX, so it answers 202.
"""

from __future__ import annotations

from typing import Any

from .auth import NO_PERMISSION
from .context import Ctx, Reply, no_content
from .credtypes import CredentialType
from .errors import ApiError
from .models import (
    Credential,
    Group,
    Host,
    Inventory,
    JobTemplate,
    Organization,
    Project,
    Schedule,
    Team,
    User,
)
from .schema import Resource
from .state import State

# 2.5/2.6: what the gateway owns (django-ansible-base's shared types, awx/api/views
# immutablesharedfields): these fields change, and these objects are deleted, only there.
SHARED_FIELDS: dict[type, tuple[str, ...]] = {
    Organization: ("name",),
    Team: ("name", "organization"),
    User: ("username", "email", "first_name", "last_name", "is_superuser"),
}
INGRESS = "via the platform ingress."
LOCAL_DELETE = f"Deletion of this resource is not allowed. Delete this resource {INGRESS}"


def updated_values(ctx: Ctx, obj: Any, resource: Resource) -> dict[str, Any]:
    """The object's writable fields after this PUT/PATCH (checked; 400 on a bad body)."""
    gateway = ctx.state.settings.gateway
    current = {
        spec.name: getattr(obj, spec.name)
        for spec in resource.specs(gateway)
        if hasattr(obj, spec.name)
    }
    body, values = ctx.read(resource, partial=ctx.method == "PATCH", current=current)
    body.check()
    if gateway:
        for name in SHARED_FIELDS.get(type(obj), ()):
            if name in values and values[name] != getattr(obj, name):
                detail = f"Cannot change shared field '{name}'. Alter this field {INGRESS}"
                raise ApiError(403, {name: detail})
    return values


def apply(ctx: Ctx, obj: Any, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if hasattr(obj, key):
            setattr(obj, key, value)
    if hasattr(obj, "modified"):
        obj.modified = ctx.now


def delete(ctx: Ctx, obj: Any) -> Reply:
    s = ctx.state
    if s.settings.gateway and type(obj) in SHARED_FIELDS:
        raise ApiError(403, {"detail": LOCAL_DELETE})
    if isinstance(obj, Inventory):
        _delete_inventory(s, obj)
        return Reply(202, None)
    kind = type(obj)
    if kind is Host:
        del s.hosts[obj.id]
        for group in s.groups.values():
            if obj.id in group.host_ids:
                group.host_ids.remove(obj.id)
    elif kind is Group:
        del s.groups[obj.id]
    elif kind is JobTemplate:
        del s.job_templates[obj.id]
        _delete_schedules(s, obj.id)
    elif kind is Project:
        _delete_project(s, obj)
    elif kind is Team:
        del s.teams[obj.id]
    elif kind is User:
        # AWX's UserAccess.can_delete: not yourself, not the last superuser
        superusers = [u for u in s.users.values() if u.is_superuser]
        if obj is ctx.user or (obj.is_superuser and len(superusers) == 1):
            raise ApiError(403, {"detail": NO_PERMISSION})
        del s.users[obj.id]
        s.sessions = {key: uid for key, uid in s.sessions.items() if uid != obj.id}
    elif kind is Organization:
        _delete_org(s, obj)
    elif kind is Credential:
        _delete_credential(s, obj)
    elif kind is CredentialType:
        del s.credential_types[obj.id]
    elif kind is Schedule:
        del s.schedules[obj.id]
    else:  # a route offers DELETE only for the kinds above
        raise TypeError(f"no delete for {kind.__name__}")
    return no_content()


def _delete_inventory(s: State, inv: Inventory) -> None:
    for host in [h for h in s.hosts.values() if h.inventory == inv.id]:
        del s.hosts[host.id]
    for group in [g for g in s.groups.values() if g.inventory == inv.id]:
        del s.groups[group.id]
    for item in [*s.job_templates.values(), *s.unified_jobs.values()]:
        if item.inventory == inv.id:
            item.inventory = None
    del s.inventories[inv.id]


def _delete_project(s: State, project: Project) -> None:
    for item in [*s.job_templates.values(), *s.unified_jobs.values()]:
        if item.project == project.id and getattr(item, "kind", "job") == "job":
            item.project = None
    del s.projects[project.id]
    _delete_schedules(s, project.id)


def _delete_schedules(s: State, template_id: int) -> None:
    """A template's schedules go with it (AWX: CASCADE)."""
    for ident in [i for i, x in s.schedules.items() if x.unified_job_template == template_id]:
        del s.schedules[ident]


def _delete_credential(s: State, cred: Credential) -> None:
    del s.credentials[cred.id]
    for jt in s.job_templates.values():
        if cred.id in jt.credential_ids:
            jt.credential_ids.remove(cred.id)


def _delete_org(s: State, org: Organization) -> None:
    for cred in [c for c in s.credentials.values() if c.organization == org.id]:
        _delete_credential(s, cred)
    for table in (s.teams, s.labels):
        for ident in [i for i, item in table.items() if item.organization == org.id]:
            del table[ident]
    for table in (s.inventories, s.projects, s.job_templates):
        for item in table.values():
            if item.organization == org.id:
                item.organization = None
    del s.orgs[org.id]
