"""Filterable/orderable fields per resource (name -> type and getter)."""

from __future__ import annotations

from datetime import datetime

from .listing import Field, Fields


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


USER: Fields = {
    "id": Field("int", lambda u: u.id),
    "username": Field("str", lambda u: u.username),
    "email": Field("str", lambda u: u.email),
    "first_name": Field("str", lambda u: u.first_name),
    "last_name": Field("str", lambda u: u.last_name),
    "is_superuser": Field("bool", lambda u: u.is_superuser),
    "created": Field("datetime", lambda u: u.created),
    "modified": Field("datetime", lambda u: u.modified or u.created),
}
ORG = with_desc(common())
ORG["max_hosts"] = Field("int", lambda o: o.max_hosts)
LABEL = common()
LABEL["organization"] = Field("int", lambda o: o.organization)
SIMPLE = with_desc(common())
WITH_ORG = with_desc(common())
WITH_ORG["organization"] = Field("int", lambda o: o.organization)
PROJECT = dict(WITH_ORG)
PROJECT["scm_type"] = Field("str", lambda o: o.scm_type)
PROJECT["scm_url"] = Field("str", lambda o: o.scm_url)
HOST = with_desc(common())
HOST["inventory"] = Field("int", lambda o: o.inventory)
HOST["enabled"] = Field("bool", lambda o: o.enabled)
CREDENTIAL = dict(WITH_ORG)
CREDENTIAL["credential_type"] = Field("int", lambda o: o.credential_type)
CREDENTIAL["kind"] = Field("str", lambda o: o.kind)
EE = dict(WITH_ORG)
EE["image"] = Field("str", lambda o: o.image)
INSTANCE_GROUP = common()
INSTANCE_GROUP["is_container_group"] = Field("bool", lambda o: o.is_container_group)
JOB_TEMPLATE = dict(WITH_ORG)
for _name in ("inventory", "project", "execution_environment"):
    JOB_TEMPLATE[_name] = Field("int", lambda o, n=_name: getattr(o, n))
JOB_TEMPLATE["playbook"] = Field("str", lambda o: o.playbook)
JOB_TEMPLATE["allow_simultaneous"] = Field("bool", lambda o: o.allow_simultaneous)
APPLICATION = dict(WITH_ORG)
APPLICATION["client_id"] = Field("str", lambda o: o.client_id)
APPLICATION["client_type"] = Field("str", lambda o: o.client_type)
TOKEN: Fields = {
    "id": Field("int", lambda t: t.id),
    "description": Field("str", lambda t: t.description),
    "application": Field("int", lambda t: t.application_id),
    "user": Field("int", lambda t: t.user_id),
    "scope": Field("str", lambda t: t.scope),
    "created": Field("datetime", lambda t: t.created),
    "modified": Field("datetime", lambda t: t.created),
    "expires": Field("datetime", lambda t: t.expires),
}


def unified_job(now: datetime) -> Fields:
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
        "launch_type": Field("str", lambda j: j.launch_type),
        "job_type": Field("str", lambda j: j.job_type),
        "unified_job_template": Field("int", lambda j: j.template_id),
        "job_template": Field("int", lambda j: j.template_id),
        "organization": Field("int", lambda j: j.organization),
        "inventory": Field("int", lambda j: j.inventory),
        "project": Field("int", lambda j: j.project),
        "execution_environment": Field("int", lambda j: j.execution_environment),
        "playbook": Field("str", lambda j: j.playbook),
        "launched_by": Field("int", lambda j: j.launched_by),
        "created_by": Field("int", lambda j: j.launched_by),
    }
    return out


HOST_SUMMARY: Fields = {
    "id": Field("int", lambda h: h.id),
    "job": Field("int", lambda h: h.job_id),
    "host": Field("int", lambda h: h.host_id),
    "host_name": Field("str", lambda h: h.host_name),
    "created": Field("datetime", lambda h: h.created),
    "modified": Field("datetime", lambda h: h.created),
    "failed": Field("bool", lambda h: h.failed),
    "changed": Field("int", lambda h: h.changed),
    "ok": Field("int", lambda h: h.ok),
    "failures": Field("int", lambda h: h.failures),
}
