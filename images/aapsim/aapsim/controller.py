"""Controller API handlers (/api/v2/ on 2.4, /api/controller/v2/ on 2.5 and 2.6)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import edit
from . import fields as F
from . import resources as R
from .context import Ctx, Reply, created, ok
from .errors import ApiError, get_or_404, not_found
from .listing import list_objects
from .models import (
    ExecutionEnvironment,
    Host,
    Inventory,
    Label,
    Organization,
    Project,
    Team,
    UnifiedJob,
    User,
)
from .schema import Resource
from .validate import duplicate

LOCAL_RESOURCE = (
    "Creation of this resource is not allowed. Create this resource via the platform ingress."
)


def unified_job_or_404(ctx: Ctx, obj_id: str, kind: str) -> UnifiedJob:
    """A job or a project update: both share one id sequence and table."""
    job = ctx.state.unified_jobs.get(int(obj_id))
    if job is None or job.kind != kind:
        raise not_found()
    return job


Clash = Callable[[dict[str, Any]], ApiError | None]


def write_detail(ctx: Ctx, obj: Any, resource: Resource, clash: Clash) -> Reply | None:
    """PUT, PATCH or DELETE of a detail view (edit.py); None: render the object. `clash`
    is the error of new values that collide with another object's unique fields."""
    if ctx.method == "DELETE":
        return edit.delete(ctx, obj)
    if ctx.method in ("PUT", "PATCH"):
        values = edit.updated_values(ctx, obj, resource)
        error = clash(values)
        if error is not None:
            raise error
        edit.apply(ctx, obj, values)
    return None


def _unique(others: list[Any], keys: tuple[str, ...], error: ApiError) -> Clash:
    def clash(values: dict[str, Any]) -> ApiError | None:
        taken = any(all(getattr(o, k) == values[k] for k in keys) for o in others)
        return error if taken else None

    return clash


def _gateway_owned(ctx: Ctx) -> None:
    """On 2.5/2.6 users and organizations are created through the gateway only."""
    if ctx.state.settings.gateway:
        raise ApiError(403, {"detail": LOCAL_RESOURCE})


# -- root, ping, me, users ----------------------------------------------------------------


# AWX 24.6.1's version root, in its order (the real controller, tests/awx); the links whose
# path is not the key's own name are in ROOT_PATHS.
ROOT_NAMES = [
    "ping",
    "instances",
    "instance_groups",
    "receptor_addresses",
    "config",
    "settings",
    "me",
    "dashboard",
    "organizations",
    "users",
    "execution_environments",
    "projects",
    "project_updates",
    "teams",
    "credentials",
    "credential_types",
    "credential_input_sources",
    "applications",
    "tokens",
    "metrics",
    "inventory",
    "constructed_inventory",
    "inventory_sources",
    "inventory_updates",
    "groups",
    "hosts",
    "host_metrics",
    "host_metric_summary_monthly",
    "job_templates",
    "jobs",
    "ad_hoc_commands",
    "system_job_templates",
    "system_jobs",
    "schedules",
    "roles",
    "notification_templates",
    "notifications",
    "labels",
    "unified_job_templates",
    "unified_jobs",
    "activity_stream",
    "workflow_job_templates",
    "workflow_jobs",
    "workflow_approvals",
    "workflow_job_template_nodes",
    "workflow_job_nodes",
    "mesh_visualizer",
    "bulk",
    "analytics",
    "service_index",
    "role_definitions",
    "role_user_assignments",
    "role_team_assignments",
]
ROOT_PATHS = {
    "inventory": "inventories",
    "constructed_inventory": "constructed_inventories",
    "service_index": "service-index",
}
GATEWAY_OWNED = ("applications", "tokens")  # behind the gateway, its own


def root(ctx: Ctx) -> Reply:
    gateway = ctx.state.settings.gateway
    names = [n for n in ROOT_NAMES if not (gateway and n in GATEWAY_OWNED)]
    return ok({name: f"{ctx.prefix}{ROOT_PATHS.get(name, name)}/" for name in names})


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
    user: User = get_or_404(ctx.state.users, id)
    others = [u for u in ctx.state.users.values() if u.id != user.id]
    taken = ApiError(400, {"username": ["A user with that username already exists."]})
    done = write_detail(ctx, user, R.USER, _unique(others, ("username",), taken))
    return done or ok(ctx.r.user(user))


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
        role_base=s.roles_for(R.ORGANIZATION),
        max_hosts=v.get("max_hosts", 0),
        default_environment=v.get("default_environment"),
    )
    s.orgs[org.id] = org
    return org


def organization_detail(ctx: Ctx, id: str) -> Reply:
    org: Organization = get_or_404(ctx.state.orgs, id)
    others = [o for o in ctx.state.orgs.values() if o.id != org.id]
    taken = ApiError(400, {"name": ["Organization with this Name already exists."]})
    done = write_detail(ctx, org, R.ORGANIZATION, _unique(others, ("name",), taken))
    return done or ok(ctx.r.detail(ctx.r.org(org), "organizations", org.name, None))


IN_ORG = ("name", "organization")  # AWX's unique fields of teams, projects, inventories


# -- teams --------------------------------------------------------------------------------


def teams(ctx: Ctx) -> Reply:
    if ctx.method == "POST":
        _gateway_owned(ctx)
        team = create_team(ctx)
        return created(ctx.r.detail(ctx.r.team(team), "teams", team.name, team.organization))
    return ok(list_objects(ctx.query, list(ctx.state.teams.values()), F.TEAM, ctx.r.team, R.TEAM))


def create_team(ctx: Ctx) -> Team:
    s = ctx.state
    body, v = ctx.read(R.TEAM)
    body.check()
    if any(t.name == v["name"] and t.organization == v["organization"] for t in s.teams.values()):
        raise duplicate("Team")
    team = Team(
        id=s.next_id("team"),
        name=v["name"],
        description=v["description"],
        organization=v["organization"],
        created=ctx.now,
        role_base=s.roles_for(R.TEAM),
        created_by=ctx.user_id,
    )
    s.teams[team.id] = team
    return team


def team_detail(ctx: Ctx, id: str) -> Reply:
    team: Team = get_or_404(ctx.state.teams, id)
    others = [t for t in ctx.state.teams.values() if t.id != team.id]
    done = write_detail(ctx, team, R.TEAM, _unique(others, IN_ORG, duplicate("Team")))
    return done or ok(ctx.r.detail(ctx.r.team(team), "teams", team.name, team.organization))


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
    label: Label = get_or_404(ctx.state.labels, id)
    others = [lb for lb in ctx.state.labels.values() if lb.id != label.id]
    done = write_detail(ctx, label, R.LABEL, _unique(others, IN_ORG, duplicate("Label")))
    return done or ok(ctx.r.detail(ctx.r.label(label), "labels", label.name, label.organization))


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
        role_base=s.roles_for(R.PROJECT),
        created_by=ctx.user_id,
        **v,
    )
    s.projects[project.id] = project
    if project.scm_type:
        # AWX launches an update when an SCM project is saved; it takes a unified-job id.
        s.start_project_update(project, ctx.user_id, ctx.now)
    return project


def project_detail(ctx: Ctx, id: str) -> Reply:
    pr: Project = get_or_404(ctx.state.projects, id)
    others = [p for p in ctx.state.projects.values() if p.id != pr.id]
    done = write_detail(ctx, pr, R.PROJECT, _unique(others, IN_ORG, duplicate("Project")))
    if done:
        return done
    body = ctx.r.project(pr)
    return ok(ctx.r.detail(body, "projects", pr.name, pr.organization, pr.default_environment))


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
    return ok(ctx.r.project_update(unified_job_or_404(ctx, id, "project_update"), detail=True))


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
        inv = Inventory(
            id=s.next_id("inventory"),
            created=ctx.now,
            created_by=ctx.user_id,
            role_base=s.roles_for(R.INVENTORY),
            **v,
        )
        s.inventories[inv.id] = inv
        return created(ctx.r.inventory(inv))
    return ok(
        list_objects(
            ctx.query, list(s.inventories.values()), F.INVENTORY, ctx.r.inventory, R.INVENTORY
        )
    )


def inventory_detail(ctx: Ctx, id: str) -> Reply:
    inv: Inventory = get_or_404(ctx.state.inventories, id)
    others = [i for i in ctx.state.inventories.values() if i.id != inv.id]
    done = write_detail(ctx, inv, R.INVENTORY, _unique(others, IN_ORG, duplicate("Inventory")))
    return done or ok(ctx.r.inventory(inv))


def hosts(ctx: Ctx, id: str | None = None) -> Reply:
    s = ctx.state
    inventory_id = get_or_404(s.inventories, id).id if id is not None else None
    if ctx.method == "POST":
        return created(ctx.r.host(create_host(ctx, inventory_id)))
    rows = [h for h in s.hosts.values() if inventory_id is None or h.inventory == inventory_id]
    return ok(list_objects(ctx.query, rows, F.HOST, ctx.r.host, R.HOST))


def read_inventory_member(
    ctx: Ctx, resource: R.Resource, inventory_id: int | None, members: Iterable[Any]
) -> dict[str, Any]:
    """A host's or group's body; `inventory_id` when the list is nested under one (its body's
    inventory is then ignored, as AWX injects the parent's). Names are unique per inventory."""
    body, v = ctx.read(resource, skip=("inventory",) if inventory_id is not None else ())
    body.check()
    v["inventory"] = inventory_id if inventory_id is not None else v["inventory"]
    if any(m.name == v["name"] and m.inventory == v["inventory"] for m in members):
        raise duplicate(resource.model, "Inventory")
    return v


def create_host(ctx: Ctx, inventory_id: int | None) -> Host:
    """A host from the body (see read_inventory_member)."""
    s = ctx.state
    v = read_inventory_member(ctx, R.HOST, inventory_id, s.hosts.values())
    host = Host(id=s.next_id("host"), created=ctx.now, created_by=ctx.user_id, **v)
    s.hosts[host.id] = host
    return host


def host_detail(ctx: Ctx, id: str) -> Reply:
    host: Host = get_or_404(ctx.state.hosts, id)
    others = [h for h in ctx.state.hosts.values() if h.id != host.id]
    clash = _unique(others, ("name", "inventory"), duplicate("Host", "Inventory"))
    done = write_detail(ctx, host, R.HOST, clash)
    if done:
        return done
    inv = ctx.state.inventories.get(host.inventory)
    # AWX's named URL of a host: <host>++<inventory>++<organization>
    name = f"{host.name}++{inv.name}" if inv else host.name
    return ok(ctx.r.detail(ctx.r.host(host), "hosts", name, inv.organization if inv else None))


# -- credentials, execution environments, instance groups --------------------------------


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


def workflow_job_templates(ctx: Ctx) -> Reply:
    """No workflows here: an empty list that filters and pages as AWX's does."""
    fields, resource = F.WORKFLOW_JOB_TEMPLATE, R.WORKFLOW_JOB_TEMPLATE
    return ok(list_objects(ctx.query, [], fields, lambda o: {}, resource))


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
