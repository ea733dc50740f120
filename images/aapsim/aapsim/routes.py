"""URL table per API family. Patterns are relative to the family's root and end in '/'."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import controller as c
from . import credentials as cr
from . import gateway as g
from . import grants as gt
from . import groups as gr
from . import jobs as j
from . import oauth as o
from . import resources as R
from . import roots
from . import schedules as sc
from .context import Ctx, Reply
from .metadata import View
from .schema import Resource

Handler = Callable[..., Reply]


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    methods: dict[str, Handler]
    public: bool = False  # answers without credentials (ping, API roots)
    view: View = field(default_factory=lambda: View(None))  # what OPTIONS describes


def _r(path: str, view: View | None = None, public: bool = False, **methods: Handler) -> Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[0-9]+)", path)
    handlers = {m.upper(): h for m, h in methods.items()}
    return Route(re.compile(f"^{regex}$"), handlers, public, view or View(None, "action", path))


def _title(resource: Resource) -> str:
    return resource.verbose.title()


def lst(resource: Resource, title: str = "") -> View:
    return View(resource, "list", title or f"{_title(resource)} List")


def det(resource: Resource) -> View:
    return View(resource, "detail", f"{_title(resource)} Detail")


def act(title: str) -> View:
    return View(None, "action", title)


def _gp(handler: Handler) -> dict[str, Handler]:
    return {"get": handler, "post": handler}


def _rud(handler: Handler) -> dict[str, Handler]:
    """AWX's RetrieveUpdateDestroyAPIView: GET, PUT, PATCH, DELETE (edit.py)."""
    return {"get": handler, "put": handler, "patch": handler, "delete": handler}


def controller_routes(gateway: bool) -> list[Route]:
    routes = [
        _r("", act("Version 2"), public=True, get=c.root),
        _r("ping/", act("Ping"), public=True, get=c.ping),
        _r("me/", lst(R.USER, "Me"), get=c.me),
        _r("users/", lst(R.USER), **_gp(c.users)),
        _r("users/{id}/", det(R.USER), **_rud(c.user_detail)),
        _r("organizations/", lst(R.ORGANIZATION), **_gp(c.organizations)),
        _r("organizations/{id}/", det(R.ORGANIZATION), **_rud(c.organization_detail)),
        _r("teams/", lst(R.TEAM), **_gp(c.teams)),
        _r("teams/{id}/", det(R.TEAM), **_rud(c.team_detail)),
        _r("users/{id}/roles/", View(R.ROLE, "attach", "User Roles List"), **_gp(gt.user_roles)),
        _r("teams/{id}/roles/", View(R.ROLE, "attach", "Team Roles List"), **_gp(gt.team_roles)),
        _r("roles/", lst(R.ROLE), get=gt.roles),
        _r("roles/{id}/", det(R.ROLE), get=gt.role_detail),
        _r("roles/{id}/users/", View(R.USER, "attach", "Role Users List"), **_gp(gt.role_users)),
        _r("roles/{id}/teams/", View(R.TEAM, "attach", "Role Teams List"), **_gp(gt.role_teams)),
        _r("labels/", lst(R.LABEL), **_gp(c.labels)),
        # AWX's LabelDetail is RetrieveUpdateAPIView: a label goes when nothing uses it
        _r(
            "labels/{id}/",
            det(R.LABEL),
            get=c.label_detail,
            put=c.label_detail,
            patch=c.label_detail,
        ),
        _r("projects/", lst(R.PROJECT), **_gp(c.projects)),
        _r("projects/{id}/", det(R.PROJECT), **_rud(c.project_detail)),
        _r(
            "projects/{id}/update/",
            View(R.PROJECT, "update", "Project Update"),
            **_gp(c.project_update_launch),
        ),
        _r("projects/{id}/playbooks/", act("Project Playbooks"), get=c.project_playbooks),
        _r(
            "projects/{id}/project_updates/",
            lst(R.PROJECT_UPDATE, "Project Project Updates List"),
            get=c.project_updates,
        ),
        _r("project_updates/", lst(R.PROJECT_UPDATE), get=c.project_updates),
        _r("project_updates/{id}/", det(R.PROJECT_UPDATE), get=c.project_update_detail),
        _r(
            "project_updates/{id}/events/",
            lst(R.PROJECT_UPDATE_EVENT, "Project Update Project Update Events List"),
            get=j.project_update_events,
        ),
        _r(
            "project_updates/{id}/stdout/",
            act("Project Update Stdout"),
            get=j.project_update_stdout,
        ),
        _r(
            "project_updates/{id}/cancel/",
            View(R.PROJECT_UPDATE, "cancel", "Project Update Cancel"),
            **_gp(j.project_update_cancel),
        ),
        _r("inventories/", lst(R.INVENTORY), **_gp(c.inventories)),
        _r("inventories/{id}/", det(R.INVENTORY), **_rud(c.inventory_detail)),
        _r("inventories/{id}/hosts/", lst(R.HOST, "Inventory Hosts List"), **_gp(c.hosts)),
        _r("hosts/", lst(R.HOST), **_gp(c.hosts)),
        _r(
            "inventories/{id}/groups/",
            lst(R.GROUP, "Inventory Groups List"),
            **_gp(gr.groups),
        ),
        _r("groups/", lst(R.GROUP), **_gp(gr.groups)),
        _r("groups/{id}/", det(R.GROUP), **_rud(gr.group_detail)),
        _r(
            "groups/{id}/hosts/", View(R.HOST, "sublist", "Group Hosts List"), **_gp(gr.group_hosts)
        ),
        _r(
            "hosts/{id}/groups/",
            View(R.GROUP, "sublist", "Host Groups List"),
            **_gp(gr.host_groups),
        ),
        _r("hosts/{id}/", det(R.HOST), **_rud(c.host_detail)),
        _r("credentials/", lst(R.CREDENTIAL), **_gp(cr.credentials)),
        _r("credentials/{id}/", det(R.CREDENTIAL), **_rud(cr.credential_detail)),
        _r("credential_types/", lst(R.CREDENTIAL_TYPE), **_gp(cr.credential_types)),
        _r(
            "credential_types/{id}/",
            det(R.CREDENTIAL_TYPE),
            **_rud(cr.credential_type_detail),
        ),
        _r(
            "credential_types/{id}/credentials/",
            lst(R.CREDENTIAL, "Credential Type Credentials List"),
            **_gp(cr.credentials),
        ),
        _r(
            "execution_environments/",
            lst(R.EXECUTION_ENVIRONMENT),
            **_gp(c.execution_environments),
        ),
        _r(
            "execution_environments/{id}/",
            det(R.EXECUTION_ENVIRONMENT),
            get=c.execution_environment_detail,
        ),
        _r("instance_groups/", lst(R.INSTANCE_GROUP), get=c.instance_groups),
        _r("instance_groups/{id}/", det(R.INSTANCE_GROUP), get=c.instance_group_detail),
        _r("job_templates/", lst(R.JOB_TEMPLATE), **_gp(j.job_templates)),
        _r(
            "job_templates/{id}/",
            det(R.JOB_TEMPLATE),
            **_rud(j.job_template_detail),
        ),
        _r(
            "job_templates/{id}/labels/",
            View(R.LABEL, "attach", "Job Template Label List"),
            **_gp(j.job_template_labels),
        ),
        _r(
            "job_templates/{id}/launch/",
            View(R.JOB_TEMPLATE, "launch", "Job Template Launch"),
            **_gp(j.job_template_launch),
        ),
        _r(
            "job_templates/{id}/schedules/",
            lst(R.SCHEDULE, "Job Template Schedules List"),
            **_gp(sc.template_schedules),
        ),
        _r(
            "projects/{id}/schedules/",
            lst(R.SCHEDULE, "Project Schedules List"),
            **_gp(sc.project_schedules),
        ),
        _r("schedules/", lst(R.SCHEDULE), **_gp(sc.schedules)),
        _r("schedules/{id}/", det(R.SCHEDULE), **_rud(sc.schedule_detail)),
        _r(
            "job_templates/{id}/jobs/",
            lst(R.JOB, "Job Template Jobs List"),
            get=j.job_template_jobs,
        ),
        _r(
            "workflow_job_templates/",
            lst(R.WORKFLOW_JOB_TEMPLATE),
            get=c.workflow_job_templates,
        ),
        _r("workflow_jobs/", lst(R.WORKFLOW_JOB), get=j.workflow_jobs),
        _r("workflow_jobs/{id}/", det(R.WORKFLOW_JOB), get=j.workflow_job_detail),
        _r("jobs/", lst(R.JOB), get=j.jobs),
        _r("jobs/{id}/", det(R.JOB), get=j.job_detail),
        _r("jobs/{id}/labels/", lst(R.LABEL, "Job Label List"), get=j.job_labels),
        _r(
            "jobs/{id}/job_host_summaries/",
            lst(R.HOST_SUMMARY, "Job Job Host Summaries List"),
            get=j.job_host_summaries,
        ),
        _r("job_host_summaries/{id}/", det(R.HOST_SUMMARY), get=j.host_summary_detail),
        _r("jobs/{id}/job_events/", lst(R.JOB_EVENT, "Job Job Events List"), get=j.job_events),
        _r("jobs/{id}/stdout/", act("Job Stdout"), get=j.job_stdout),
        _r("jobs/{id}/cancel/", View(R.JOB, "cancel", "Job Cancel"), **_gp(j.job_cancel)),
        _r("jobs/{id}/relaunch/", View(R.JOB, "relaunch", "Job Relaunch"), **_gp(j.job_relaunch)),
    ]
    if not gateway:
        # AWX 4.5 still carries its own OAuth2 provider.
        routes += oauth_routes()
    return routes


def gateway_routes() -> list[Route]:
    return [
        _r("", act("Gateway API V1 Root"), public=True, get=g.root),
        _r("ping/", act("Ping"), public=True, get=g.ping),
        _r("me/", lst(R.GATEWAY_USER, "Me"), get=g.me),
        _r("users/", lst(R.GATEWAY_USER), **_gp(g.users)),
        _r("users/{id}/", det(R.GATEWAY_USER), get=g.user_detail),
        _r("organizations/", lst(R.GATEWAY_ORGANIZATION), **_gp(g.organizations)),
        _r("organizations/{id}/", det(R.GATEWAY_ORGANIZATION), get=g.organization_detail),
        *oauth_routes(),
    ]


def oauth_routes() -> list[Route]:
    """OAuth2 applications and tokens: the controller's on 2.4, the gateway's on 2.5/2.6."""
    return [
        _r("applications/", lst(R.APPLICATION), **_gp(o.applications)),
        _r(
            "applications/{id}/",
            det(R.APPLICATION),
            get=o.application_detail,
            delete=o.application_detail,
        ),
        _r(
            "applications/{id}/tokens/",
            lst(R.TOKEN, "Application Token List"),
            **_gp(o.tokens),
        ),
        _r("tokens/", lst(R.TOKEN), **_gp(o.tokens)),
        _r("tokens/{id}/", det(R.TOKEN), get=o.token_detail, delete=o.token_detail),
    ]


def token_routes(with_root: bool) -> list[Route]:
    """/o/ (2.5/2.6) or /api/o/ (2.4): the token endpoint; 2.4 also answers the OAuth root."""
    routes = [_r("token/", act("Token"), public=True, post=o.token_endpoint)]
    if with_root:
        routes.append(_r("", act("API OAuth 2 Authorization Root"), public=True, get=roots.oauth))
    return routes


def site_routes(gateway: bool) -> list[Route]:
    """/api/ and the per-service roots the platform serves above the versioned APIs."""
    if not gateway:
        return [_r("", act("REST API"), public=True, get=roots.awx_root)]
    return [
        _r("", act("REST API"), public=True, get=roots.platform_root),
        _r("controller/", act("REST API"), public=True, get=roots.controller_root),
        _r("gateway/", act("REST API"), public=True, get=roots.gateway_root),
    ]


def match(routes: list[Route], rest: str) -> tuple[Route, dict[str, str]] | None:
    candidates = [rest] if rest.endswith("/") or rest == "" else [rest, rest + "/"]
    for candidate in candidates:
        for route in routes:
            found = route.pattern.match(candidate)
            if found:
                return route, found.groupdict()
    return None


__all__ = [
    "Ctx",
    "Route",
    "controller_routes",
    "gateway_routes",
    "match",
    "site_routes",
    "token_routes",
]
