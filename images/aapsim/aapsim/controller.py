"""Controller API handlers (/api/v2/ on 2.4, /api/controller/v2/ on 2.5 and 2.6)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import fields as F
from . import resources as R
from .context import Ctx, Reply, created, no_content, ok
from .errors import ApiError, get_or_404, not_found
from .listing import jobs_fast_path, list_objects
from .models import (
    Credential,
    ExecutionEnvironment,
    Host,
    Inventory,
    JobTemplate,
    Label,
    Organization,
    Project,
    UnifiedJob,
    User,
)
from .resources import CREDENTIAL_KINDS
from .schema import Resource
from .state import JT_ROLES, ORG_ROLES
from .validate import duplicate

LOCAL_RESOURCE = (
    "Creation of this resource is not allowed. Create this resource via the platform ingress."
)
MAX_LABELS = 100


def _unified_job_or_404(ctx: Ctx, obj_id: str, kind: str) -> UnifiedJob:
    """A job or a project update: both share one id sequence and table."""
    job = ctx.state.unified_jobs.get(int(obj_id))
    if job is None or job.kind != kind:
        raise not_found()
    return job


def _gateway_owned(ctx: Ctx) -> None:
    """On 2.5/2.6 users and organizations are created through the gateway only."""
    if ctx.state.settings.gateway:
        raise ApiError(403, {"detail": LOCAL_RESOURCE})


# -- root, ping, me, users ----------------------------------------------------------------


def root(ctx: Ctx) -> Reply:
    names = [
        "ping",
        "instances",
        "instance_groups",
        "config",
        "me",
        "organizations",
        "users",
        "projects",
        "project_updates",
        "teams",
        "credentials",
        "credential_types",
        "inventory",
        "hosts",
        "job_templates",
        "jobs",
        "job_host_summaries",
        "labels",
        "execution_environments",
        "unified_jobs",
        "unified_job_templates",
    ]
    if not ctx.state.settings.gateway:
        names += ["applications", "tokens"]
    return ok(
        {name: f"{ctx.prefix}{'inventories' if name == 'inventory' else name}/" for name in names}
    )


def ping(ctx: Ctx) -> Reply:
    return ok(ctx.r.controller_ping())


def me(ctx: Ctx) -> Reply:
    assert ctx.user is not None
    return ok(list_objects(ctx.query, [ctx.user], F.USER, ctx.r.user, R.USER))


def users(ctx: Ctx) -> Reply:
    if ctx.method == "POST":
        _gateway_owned(ctx)
        return created(ctx.r.user(create_user(ctx)))
    rows = list(ctx.state.users.values())
    return ok(list_objects(ctx.query, rows, F.USER, ctx.r.user, R.USER))


def create_user(ctx: Ctx, resource: Resource = R.USER) -> User:
    body, v = ctx.read(resource)
    body.check()
    if any(u.username == v["username"] for u in ctx.state.users.values()):
        raise ApiError(400, {"username": ["A user with that username already exists."]})
    s = ctx.state
    user = User(
        id=s.next_id("user"),
        gateway_id=s.next_id("gateway_user"),
        username=v["username"],
        password=v["password"],
        created=ctx.now,
        first_name=v["first_name"],
        last_name=v["last_name"],
        email=v["email"],
        is_superuser=v["is_superuser"],
    )
    s.users[user.id] = user
    return user


def user_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.user(get_or_404(ctx.state.users, id)))


# -- organizations ------------------------------------------------------------------------


def organizations(ctx: Ctx) -> Reply:
    if ctx.method == "POST":
        _gateway_owned(ctx)
        return created(ctx.r.org(create_org(ctx)))
    return ok(
        list_objects(ctx.query, list(ctx.state.orgs.values()), F.ORG, ctx.r.org, R.ORGANIZATION)
    )


def create_org(ctx: Ctx, resource: Resource = R.ORGANIZATION) -> Organization:
    body, v = ctx.read(resource)
    body.check()
    s = ctx.state
    if any(o.name == v["name"] for o in s.orgs.values()):
        raise ApiError(400, {"name": ["Organization with this Name already exists."]})
    org = Organization(
        id=s.next_id("org"),
        name=v["name"],
        description=v["description"],
        created=ctx.now,
        modified=ctx.now,
        ansible_id=s.new_ansible_id(),
        role_base=s.new_roles(ORG_ROLES),
        max_hosts=v.get("max_hosts", 0),
    )
    s.orgs[org.id] = org
    return org


def organization_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.org(get_or_404(ctx.state.orgs, id)))


# -- labels -------------------------------------------------------------------------------


def labels(ctx: Ctx) -> Reply:
    if ctx.method == "POST":
        return created(ctx.r.label(create_label(ctx)))
    return ok(
        list_objects(ctx.query, list(ctx.state.labels.values()), F.LABEL, ctx.r.label, R.LABEL)
    )


def create_label(ctx: Ctx) -> Label:
    s = ctx.state
    body, v = ctx.read(R.LABEL)
    body.check()
    name, org = v["name"], v["organization"]
    if any(lb.name == name and lb.organization == org for lb in s.labels.values()):
        raise duplicate("Label")
    label = Label(
        id=s.next_id("label"), name=name, organization=org, created=ctx.now, created_by=ctx.user_id
    )
    s.labels[label.id] = label
    return label


def label_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.label(get_or_404(ctx.state.labels, id)))


# -- projects -----------------------------------------------------------------------------


def projects(ctx: Ctx) -> Reply:
    if ctx.method == "POST":
        return created(ctx.r.project(create_project(ctx)))
    return ok(
        list_objects(
            ctx.query, list(ctx.state.projects.values()), F.PROJECT, ctx.r.project, R.PROJECT
        )
    )


def create_project(ctx: Ctx) -> Project:
    s = ctx.state
    body, v = ctx.read(R.PROJECT)
    if v["scm_type"] and not v["scm_url"] and "scm_url" not in body.errors:
        body.errors.setdefault("scm_url", []).append("SCM URL is required.")
    body.check()
    if any(
        p.name == v["name"] and p.organization == v["organization"] for p in s.projects.values()
    ):
        raise duplicate("Project")
    project = Project(
        id=s.next_id("ujt"),
        created=ctx.now,
        role_base=s.new_roles(4),
        created_by=ctx.user_id,
        **v,
    )
    s.projects[project.id] = project
    if project.scm_type:
        # AWX launches an update when an SCM project is saved; it takes a unified-job id.
        s.start_project_update(project, ctx.user_id, ctx.now)
    return project


def project_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.project(get_or_404(ctx.state.projects, id)))


def project_update_launch(ctx: Ctx, id: str) -> Reply:
    project: Project = get_or_404(ctx.state.projects, id)
    if ctx.method == "GET":
        return ok({"can_update": bool(project.scm_type)})
    if not project.scm_type:
        raise ApiError(405, {"detail": 'Method "POST" not allowed.'})
    update = ctx.state.start_project_update(project, ctx.user_id, ctx.now)
    body = ctx.r.project_update(update)
    body = {"project_update": update.id, **body}
    return Reply(202, body, {"Location": body["url"]})


def project_playbooks(ctx: Ctx, id: str) -> Reply:
    project: Project = get_or_404(ctx.state.projects, id)
    return ok(list(project.playbooks))


def project_updates(ctx: Ctx, id: str | None = None) -> Reply:
    s = ctx.state
    rows = [j for j in s.unified_jobs.values() if j.kind == "project_update"]
    if id is not None:
        get_or_404(s.projects, id)
        rows = [j for j in rows if j.template_id == int(id)]
    return ok(
        list_objects(
            ctx.query,
            rows,
            F.unified_job(ctx.now, R.PROJECT_UPDATE),
            ctx.r.project_update,
            R.PROJECT_UPDATE,
        )
    )


def project_update_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.project_update(_unified_job_or_404(ctx, id, "project_update")))


# -- inventories and hosts ----------------------------------------------------------------


def inventories(ctx: Ctx) -> Reply:
    s = ctx.state
    if ctx.method == "POST":
        body, v = ctx.read(R.INVENTORY)
        body.check()
        if any(
            i.name == v["name"] and i.organization == v["organization"]
            for i in s.inventories.values()
        ):
            raise duplicate("Inventory")
        inv = Inventory(id=s.next_id("inventory"), created=ctx.now, created_by=ctx.user_id, **v)
        s.inventories[inv.id] = inv
        return created(ctx.r.inventory(inv))
    return ok(
        list_objects(
            ctx.query, list(s.inventories.values()), F.INVENTORY, ctx.r.inventory, R.INVENTORY
        )
    )


def inventory_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.inventory(get_or_404(ctx.state.inventories, id)))


def hosts(ctx: Ctx, id: str | None = None) -> Reply:
    s = ctx.state
    inventory_id = get_or_404(s.inventories, id).id if id is not None else None
    if ctx.method == "POST":
        nested = ("inventory",) if inventory_id is not None else ()
        body, v = ctx.read(R.HOST, skip=nested)
        body.check()
        v["inventory"] = inventory_id if inventory_id is not None else v["inventory"]
        if any(h.name == v["name"] and h.inventory == v["inventory"] for h in s.hosts.values()):
            raise duplicate("Host", "Inventory")
        host = Host(id=s.next_id("host"), created=ctx.now, created_by=ctx.user_id, **v)
        s.hosts[host.id] = host
        return created(ctx.r.host(host))
    rows = [h for h in s.hosts.values() if inventory_id is None or h.inventory == inventory_id]
    return ok(list_objects(ctx.query, rows, F.HOST, ctx.r.host, R.HOST))


def host_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.host(get_or_404(ctx.state.hosts, id)))


# -- credentials, execution environments, instance groups --------------------------------


def credentials(ctx: Ctx) -> Reply:
    s = ctx.state
    if ctx.method == "POST":
        body, v = ctx.read(R.CREDENTIAL)
        body.check()
        if any(
            c.name == v["name"]
            and c.organization == v["organization"]
            and c.credential_type == v["credential_type"]
            for c in s.credentials.values()
        ):
            raise duplicate("Credential")
        cred = Credential(
            id=s.next_id("credential"),
            kind=CREDENTIAL_KINDS[v["credential_type"]],
            created=ctx.now,
            created_by=ctx.user_id,
            **v,
        )
        s.credentials[cred.id] = cred
        return created(ctx.r.credential(cred))
    return ok(
        list_objects(
            ctx.query, list(s.credentials.values()), F.CREDENTIAL, ctx.r.credential, R.CREDENTIAL
        )
    )


def credential_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.credential(get_or_404(ctx.state.credentials, id)))


def execution_environments(ctx: Ctx) -> Reply:
    s = ctx.state
    if ctx.method == "POST":
        body, v = ctx.read(R.EXECUTION_ENVIRONMENT)
        body.check()
        ee = ExecutionEnvironment(id=s.next_id("ee"), created=ctx.now, **v)
        s.ees[ee.id] = ee
        return created(ctx.r.ee(ee))
    return ok(
        list_objects(ctx.query, list(s.ees.values()), F.EE, ctx.r.ee, R.EXECUTION_ENVIRONMENT)
    )


def execution_environment_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.ee(get_or_404(ctx.state.ees, id)))


def instance_groups(ctx: Ctx) -> Reply:
    return ok(
        list_objects(
            ctx.query,
            list(ctx.state.instance_groups.values()),
            F.INSTANCE_GROUP,
            ctx.r.instance_group,
            R.INSTANCE_GROUP,
        )
    )


def instance_group_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.instance_group(get_or_404(ctx.state.instance_groups, id)))


# -- job templates ------------------------------------------------------------------------


def job_templates(ctx: Ctx) -> Reply:
    s = ctx.state
    if ctx.method == "POST":
        jt = save_job_template(ctx, None)
        return created(ctx.r.job_template(jt))
    return ok(
        list_objects(
            ctx.query,
            list(s.job_templates.values()),
            F.JOB_TEMPLATE,
            ctx.r.job_template,
            R.JOB_TEMPLATE,
        )
    )


def save_job_template(ctx: Ctx, jt: JobTemplate | None, partial: bool = False) -> JobTemplate:
    """Create (jt None) or update (PUT/PATCH) a job template with AWX's checks."""
    s = ctx.state
    current = None
    if jt is not None:
        current = {spec.name: getattr(jt, spec.name) for spec in R.JOB_TEMPLATE.writable}
    body, v = ctx.read(R.JOB_TEMPLATE, partial=partial, current=current)
    if (
        v["inventory"] is None
        and not v["ask_inventory_on_launch"]
        and "inventory" not in body.errors
    ):
        body.errors.setdefault("inventory", []).append(
            "Job Template must provide 'inventory' or allow prompting for it."
        )
    project = s.projects.get(v["project"]) if v["project"] is not None else None
    if (
        project is not None
        and v["playbook"]
        and "playbook" not in body.errors
        and (jt is None or body.has("playbook") or body.has("project"))
        and v["playbook"] not in project.playbooks
    ):
        body.errors.setdefault("playbook", []).append("Playbook not found for project.")
    body.check()
    assert project is not None
    org = project.organization
    if any(
        o.name == v["name"] and o.organization == org and o is not jt
        for o in s.job_templates.values()
    ):
        raise duplicate("Job Template")
    if jt is None:
        jt = JobTemplate(
            id=s.next_id("ujt"),
            name=v["name"],
            description=v["description"],
            organization=org,
            inventory=v["inventory"],
            project=project.id,
            playbook=v["playbook"],
            created=ctx.now,
            modified=ctx.now,
            role_base=s.new_roles(JT_ROLES),
            created_by=ctx.user_id,
        )
        s.job_templates[jt.id] = jt
    for name, value in v.items():
        setattr(jt, name, value)
    jt.organization = org
    jt.modified = ctx.now
    return jt


def job_template_detail(ctx: Ctx, id: str) -> Reply:
    jt: JobTemplate = get_or_404(ctx.state.job_templates, id)
    if ctx.method in ("PATCH", "PUT"):
        jt = save_job_template(ctx, jt, partial=ctx.method == "PATCH")
    return ok(ctx.r.job_template(jt))


def job_template_labels(ctx: Ctx, id: str) -> Reply:
    """AWX's attach/detach sub-list: by id, or by name+organization (created when missing)."""
    s = ctx.state
    jt: JobTemplate = get_or_404(s.job_templates, id)
    if ctx.method == "GET":
        return _label_list(ctx, jt.label_ids)
    body = ctx.body()
    data = body.data
    if "id" not in data:
        if data.get("disassociate"):
            raise ApiError(400, {"msg": "'id' is required to disassociate"})
        existing = next(
            (
                lb
                for lb in s.labels.values()
                if lb.name == data.get("name")
                and str(lb.organization) == str(data.get("organization"))
            ),
            None,
        )
        if existing is None:
            _check_label_room(jt)
            label = create_label(ctx)
            jt.label_ids.append(label.id)
            return created(ctx.r.label(label))
        data = {"id": existing.id}
    raw_id = data["id"]
    if isinstance(raw_id, bool) or not isinstance(raw_id, int | str) or not str(raw_id).isdigit():
        raise ApiError(400, {"msg": '"id" field must be an integer.'})
    label_id = int(raw_id)
    if label_id not in s.labels:
        raise not_found()
    if data.get("disassociate"):
        if label_id in jt.label_ids:
            jt.label_ids.remove(label_id)
        if not _label_in_use(ctx, label_id):
            del s.labels[label_id]
        return no_content()
    if label_id not in jt.label_ids:
        _check_label_room(jt)
        jt.label_ids.append(label_id)
    return no_content()


def _label_list(ctx: Ctx, label_ids: Sequence[int]) -> Reply:
    rows = [ctx.state.labels[i] for i in label_ids if i in ctx.state.labels]
    return ok(list_objects(ctx.query, rows, F.LABEL, ctx.r.label, R.LABEL))


def _check_label_room(jt: JobTemplate) -> None:
    if len(jt.label_ids) >= MAX_LABELS:
        raise ApiError(400, {"msg": "Maximum number of labels for job_template reached."})


def _label_in_use(ctx: Ctx, label_id: int) -> bool:
    s = ctx.state
    if any(label_id in jt.label_ids for jt in s.job_templates.values()):
        return True
    return any(label_id in s.unified_jobs[i].label_ids for i in s.job_ids)


def job_template_launch(ctx: Ctx, id: str) -> Reply:
    s = ctx.state
    jt: JobTemplate = get_or_404(s.job_templates, id)
    if ctx.method == "GET":
        return ok(_launch_info(ctx, jt))
    data = ctx.body().data
    if jt.inventory is None or jt.inventory not in s.inventories:
        raise ApiError(400, {"inventory": ["Job Template 'inventory' is missing or undefined."]})
    project = s.projects.get(jt.project)
    if project is None or jt.playbook not in project.playbooks:
        raise ApiError(400, {"playbook": ["Playbook not found for project."]})
    job = s.launch(jt, ctx.user_id, ctx.now)
    body = ctx.r.job(job, detail=True)
    accepted = {"extra_vars"} if jt.ask_variables_on_launch else set()
    ignored = {k: v for k, v in data.items() if k not in accepted}
    reply = {"job": job.id, "ignored_fields": ignored, **body}
    return Reply(201, reply, {"Location": body["url"]})


def _launch_info(ctx: Ctx, jt: JobTemplate) -> dict[str, Any]:
    out: dict[str, Any] = {
        "can_start_without_user_input": jt.inventory is not None,
        "passwords_needed_to_start": [],
        "ask_inventory_on_launch": jt.ask_inventory_on_launch,
        "ask_variables_on_launch": jt.ask_variables_on_launch,
        "survey_enabled": False,
        "variables_needed_to_start": [],
        "credential_needed_to_start": False,
        "inventory_needed_to_start": jt.inventory is None,
        "job_template_data": {"name": jt.name, "id": jt.id, "description": jt.description},
    }
    defaults: dict[str, Any] = {"extra_vars": jt.extra_vars, "limit": jt.limit}
    inv = ctx.state.inventories.get(jt.inventory) if jt.inventory else None
    if inv is not None:
        defaults["inventory"] = {"name": inv.name, "id": inv.id}
    out["defaults"] = defaults
    return out


def job_template_jobs(ctx: Ctx, id: str) -> Reply:
    s = ctx.state
    jt: JobTemplate = get_or_404(s.job_templates, id)
    rows = [s.unified_jobs[i] for i in jt.job_ids]
    return ok(list_objects(ctx.query, rows, F.unified_job(ctx.now), ctx.r.job, R.JOB))


# -- jobs ---------------------------------------------------------------------------------


def jobs(ctx: Ctx) -> Reply:
    s = ctx.state
    now = ctx.now
    fast = jobs_fast_path(
        ctx.query,
        s.job_ids,
        s.finished_index,
        lambda: [i for i in s.job_ids if not s.unified_jobs[i].done],
        s.unified_jobs.__getitem__,
        ctx.r.job,
    )
    if fast is not None:
        return ok(fast)
    return ok(list_objects(ctx.query, s.jobs(), F.unified_job(now), ctx.r.job, R.JOB))


def _job(ctx: Ctx, id: str) -> UnifiedJob:
    return _unified_job_or_404(ctx, id, "job")


def job_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.job(_job(ctx, id), detail=True))


def job_labels(ctx: Ctx, id: str) -> Reply:
    return _label_list(ctx, _job(ctx, id).label_ids)


def job_host_summaries(ctx: Ctx, id: str) -> Reply:
    job = _job(ctx, id)
    rows = ctx.state.summaries_by_job.get(job.id, [])
    return ok(list_objects(ctx.query, rows, F.HOST_SUMMARY, ctx.r.host_summary, R.HOST_SUMMARY))


def host_summary_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.host_summary(get_or_404(ctx.state.summaries, id)))
