"""URL table per API family. Patterns are relative to the family's root and end in '/'."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import controller as c
from . import gateway as g
from . import oauth as o
from .context import Ctx, Reply

Handler = Callable[..., Reply]


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    methods: dict[str, Handler]
    public: bool = False  # answers without credentials (ping, API roots)


def _r(path: str, public: bool = False, **methods: Handler) -> Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[0-9]+)", path)
    return Route(re.compile(f"^{regex}$"), {m.upper(): h for m, h in methods.items()}, public)


def _gp(handler: Handler) -> dict[str, Handler]:
    return {"get": handler, "post": handler}


def controller_routes(gateway: bool) -> list[Route]:
    routes = [
        _r("", public=True, get=c.root),
        _r("ping/", public=True, get=c.ping),
        _r("me/", get=c.me),
        _r("users/", **_gp(c.users)),
        _r("users/{id}/", get=c.user_detail),
        _r("organizations/", **_gp(c.organizations)),
        _r("organizations/{id}/", get=c.organization_detail),
        _r("labels/", **_gp(c.labels)),
        _r("labels/{id}/", get=c.label_detail),
        _r("projects/", **_gp(c.projects)),
        _r("projects/{id}/", get=c.project_detail),
        _r("projects/{id}/update/", **_gp(c.project_update_launch)),
        _r("projects/{id}/playbooks/", get=c.project_playbooks),
        _r("projects/{id}/project_updates/", get=c.project_updates),
        _r("project_updates/", get=c.project_updates),
        _r("project_updates/{id}/", get=c.project_update_detail),
        _r("inventories/", **_gp(c.inventories)),
        _r("inventories/{id}/", get=c.inventory_detail),
        _r("inventories/{id}/hosts/", **_gp(c.hosts)),
        _r("hosts/", **_gp(c.hosts)),
        _r("hosts/{id}/", get=c.host_detail),
        _r("credentials/", **_gp(c.credentials)),
        _r("credentials/{id}/", get=c.credential_detail),
        _r("execution_environments/", **_gp(c.execution_environments)),
        _r("execution_environments/{id}/", get=c.execution_environment_detail),
        _r("instance_groups/", get=c.instance_groups),
        _r("instance_groups/{id}/", get=c.instance_group_detail),
        _r("job_templates/", **_gp(c.job_templates)),
        _r(
            "job_templates/{id}/",
            get=c.job_template_detail,
            patch=c.job_template_detail,
            put=c.job_template_detail,
        ),
        _r("job_templates/{id}/labels/", **_gp(c.job_template_labels)),
        _r("job_templates/{id}/launch/", **_gp(c.job_template_launch)),
        _r("job_templates/{id}/jobs/", get=c.job_template_jobs),
        _r("jobs/", get=c.jobs),
        _r("jobs/{id}/", get=c.job_detail),
        _r("jobs/{id}/labels/", get=c.job_labels),
        _r("jobs/{id}/job_host_summaries/", get=c.job_host_summaries),
        _r("job_host_summaries/{id}/", get=c.host_summary_detail),
    ]
    if not gateway:
        # AWX 4.5 still carries its own OAuth2 provider.
        routes += oauth_routes()
    return routes


def gateway_routes() -> list[Route]:
    return [
        _r("", public=True, get=g.root),
        _r("ping/", public=True, get=g.ping),
        _r("me/", get=g.me),
        _r("users/", **_gp(g.users)),
        _r("users/{id}/", get=g.user_detail),
        _r("organizations/", **_gp(g.organizations)),
        _r("organizations/{id}/", get=g.organization_detail),
        *oauth_routes(),
    ]


def oauth_routes() -> list[Route]:
    """OAuth2 applications and tokens: the controller's on 2.4, the gateway's on 2.5/2.6."""
    return [
        _r("applications/", **_gp(o.applications)),
        _r("applications/{id}/", get=o.application_detail, delete=o.application_detail),
        _r("applications/{id}/tokens/", **_gp(o.tokens)),
        _r("tokens/", **_gp(o.tokens)),
        _r("tokens/{id}/", get=o.token_detail, delete=o.token_detail),
    ]


def token_routes() -> list[Route]:
    return [_r("token/", public=True, post=o.token_endpoint)]


def match(routes: list[Route], rest: str) -> tuple[Route, dict[str, str]] | None:
    candidates = [rest] if rest.endswith("/") or rest == "" else [rest, rest + "/"]
    for candidate in candidates:
        for route in routes:
            found = route.pattern.match(candidate)
            if found:
                return route, found.groupdict()
    return None


__all__ = ["Ctx", "Route", "controller_routes", "gateway_routes", "match", "token_routes"]
