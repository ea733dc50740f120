"""Filterable/orderable fields per resource (name -> type and getter).

Hand-written getters cover computed values (a job's status at the request instant, a
gateway user's id); every other model attribute the resource renders is added from the
model's dataclass, so `filterable` in OPTIONS and the filter backend agree by construction.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from operator import attrgetter

from . import models as M
from . import resources as R
from .credtypes import CredentialType
from .filters import PASSWORD_FIELDS, PREVENT_SEARCH, Field, Fields
from .schema import Resource

KINDS = {
    "string": "str",
    "choice": "str",
    "integer": "int",
    "id": "int",
    "boolean": "bool",
    "datetime": "datetime",
    "float": "float",
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NEVER_FILTERED = PASSWORD_FIELDS | PREVENT_SEARCH


def fk(getter: str) -> Field:
    return Field("int", attrgetter(getter), related=True)


def common(created: bool = True) -> Fields:
    out: Fields = {
        "id": Field("int", lambda o: o.id),
        "name": Field("str", lambda o: o.name),
    }
    if created:
        out["created"] = Field("datetime", lambda o: o.created)
        out["modified"] = Field("datetime", lambda o: getattr(o, "modified", None) or o.created)
    return out


def with_desc(fields: Fields) -> Fields:
    fields["description"] = Field("str", lambda o: o.description)
    return fields


def complete(base: Fields, resource: Resource, model: type) -> Fields:
    """Add every rendered, scalar model attribute the hand-written getters leave out."""
    attrs = {f.name for f in dataclasses.fields(model)}
    out = dict(base)
    for name, kind in resource.read_only_fields(gateway=True):
        if name in out or name not in attrs or kind not in KINDS or name in NEVER_FILTERED:
            continue
        out[name] = fk(name) if kind == "id" else Field(KINDS[kind], attrgetter(name))
    return out


USER = complete(
    {
        "id": Field("int", lambda u: u.id),
        "username": Field("str", lambda u: u.username),
        "created": Field("datetime", lambda u: u.created),
        "modified": Field("datetime", lambda u: u.modified or u.created),
    },
    R.USER,
    M.User,
)
GATEWAY_USER = {**USER, "id": Field("int", lambda u: u.gateway_id)}
ORG = complete(with_desc(common()), R.ORGANIZATION, M.Organization)
LABEL = complete({**common(), "organization": fk("organization")}, R.LABEL, M.Label)
TEAM = complete(with_desc({**common(), "organization": fk("organization")}), R.TEAM, M.Team)
PROJECT = complete(with_desc(common()), R.PROJECT, M.Project)
INVENTORY = complete(with_desc(common()), R.INVENTORY, M.Inventory)
HOST = complete(with_desc(common()), R.HOST, M.Host)
GROUP = complete(with_desc({**common(), "inventory": fk("inventory")}), R.GROUP, M.Group)
SCHEDULE = complete(
    {**with_desc(common()), "unified_job_template": fk("unified_job_template")},
    R.SCHEDULE,
    M.Schedule,
)
CREDENTIAL = complete(with_desc(common()), R.CREDENTIAL, M.Credential)
CREDENTIAL_TYPE = complete(with_desc(common()), R.CREDENTIAL_TYPE, CredentialType)
EE = complete(with_desc(common()), R.EXECUTION_ENVIRONMENT, M.ExecutionEnvironment)
INSTANCE_GROUP = complete(common(), R.INSTANCE_GROUP, M.InstanceGroup)
WORKFLOW_JOB_TEMPLATE = with_desc({**common(), "organization": fk("organization")})
JOB_TEMPLATE = complete(with_desc(common()), R.JOB_TEMPLATE, M.JobTemplate)
APPLICATION = complete(
    {**with_desc(common()), "organization": fk("organization")}, R.APPLICATION, M.Application
)
TOKEN = complete(
    {
        "id": Field("int", lambda t: t.id),
        "description": Field("str", lambda t: t.description),
        "application": Field("int", lambda t: t.application_id, related=True),
        "user": Field("int", lambda t: t.user_id, related=True),
        "scope": Field("str", lambda t: t.scope),
        "created": Field("datetime", lambda t: t.created),
        "modified": Field("datetime", lambda t: t.created),
        "expires": Field("datetime", lambda t: t.expires),
    },
    R.TOKEN,
    M.Token,
)
GATEWAY_ORG = dict(ORG)
# AWX's Role model: what it is and whose (content_type and object_id); name and description
# are computed there, so not filters.
ROLE = {
    "id": Field("int", lambda r: r.id),
    "role_field": Field("str", lambda r: r.field),
    "object_id": Field("int", lambda r: r.obj.id),
    "content_type__model": Field("str", lambda r: r.owner.resource.model.lower()),
}


def unified_job(now: datetime, resource: Resource = R.JOB) -> Fields:
    """Job fields; status and times depend on the instant of the request."""
    out: Fields = {
        "id": Field("int", lambda j: j.id),
        "name": Field("str", lambda j: j.name),
        "description": Field("str", lambda j: j.description),
        "created": Field("datetime", lambda j: j.created),
        "modified": Field("datetime", lambda j: j.modified_at(now)),
        "started": Field("datetime", lambda j: j.started_at(now)),
        "finished": Field("datetime", lambda j: j.finished_at(now)),
        "status": Field("str", lambda j: j.status(now)),
        "failed": Field("bool", lambda j: j.status(now) == "failed"),
        "elapsed": Field("float", lambda j: j.elapsed(now)),
        "unified_job_template": Field("int", lambda j: j.template_id, related=True),
        "launched_by": Field("int", lambda j: j.launched_by, related=True),
        "created_by": Field("int", lambda j: j.launched_by, related=True),
    }
    if resource is R.JOB:
        out["job_template"] = Field("int", lambda j: j.template_id, related=True)
        out["job_slice_number"] = Field("int", lambda j: j.slice_number)
        out["job_slice_count"] = Field("int", lambda j: j.slice_count)
    elif resource is R.WORKFLOW_JOB:
        out["is_sliced_job"] = Field("bool", lambda j: j.is_sliced_job)
        out["job_template"] = Field(
            "int", lambda j: j.template_id if j.is_sliced_job else None, related=True
        )
    else:
        out["project"] = Field("int", lambda j: j.template_id, related=True)
    return complete(out, resource, M.UnifiedJob)


HOST_SUMMARY = complete(
    {
        "id": Field("int", lambda h: h.id),
        "job": Field("int", lambda h: h.job_id, related=True),
        "host": Field("int", lambda h: h.host_id, related=True),
        "created": Field("datetime", lambda h: h.created),
        "modified": Field("datetime", lambda h: h.created),
        "failed": Field("bool", lambda h: h.failed),
    },
    R.HOST_SUMMARY,
    M.HostSummary,
)

# Filter field names per resource, for OPTIONS' `filterable` (read without a request).
JOB_EVENT = {
    "id": Field("int", lambda e: e.id),
    "counter": Field("int", lambda e: e.counter),
    "event": Field("str", lambda e: e.event),
    "start_line": Field("int", lambda e: e.start_line),
    "end_line": Field("int", lambda e: e.end_line),
    "host_name": Field("str", lambda e: e.host_name),
    "failed": Field("bool", lambda e: e.failed),
    "created": Field("datetime", lambda e: e.created),
    "modified": Field("datetime", lambda e: e.created),
}
BY_RESOURCE: dict[int, Fields] = {
    id(R.USER): USER,
    id(R.GATEWAY_USER): GATEWAY_USER,
    id(R.ORGANIZATION): ORG,
    id(R.GATEWAY_ORGANIZATION): GATEWAY_ORG,
    id(R.LABEL): LABEL,
    id(R.ROLE): ROLE,
    id(R.TEAM): TEAM,
    id(R.PROJECT): PROJECT,
    id(R.PROJECT_UPDATE): unified_job(EPOCH, R.PROJECT_UPDATE),
    id(R.INVENTORY): INVENTORY,
    id(R.HOST): HOST,
    id(R.GROUP): GROUP,
    id(R.CREDENTIAL): CREDENTIAL,
    id(R.SCHEDULE): SCHEDULE,
    id(R.CREDENTIAL_TYPE): CREDENTIAL_TYPE,
    id(R.EXECUTION_ENVIRONMENT): EE,
    id(R.INSTANCE_GROUP): INSTANCE_GROUP,
    id(R.JOB_TEMPLATE): JOB_TEMPLATE,
    id(R.WORKFLOW_JOB_TEMPLATE): WORKFLOW_JOB_TEMPLATE,
    id(R.JOB): unified_job(EPOCH),
    id(R.WORKFLOW_JOB): unified_job(EPOCH, R.WORKFLOW_JOB),
    id(R.HOST_SUMMARY): HOST_SUMMARY,
    id(R.JOB_EVENT): JOB_EVENT,
    id(R.PROJECT_UPDATE_EVENT): JOB_EVENT,
    id(R.APPLICATION): APPLICATION,
    id(R.TOKEN): TOKEN,
}


def filterable(resource: Resource) -> set[str]:
    names = set(BY_RESOURCE.get(id(resource), {}))
    if resource.polymorphic:
        names.add("type")
    return names
