"""Platform gateway handlers (/api/gateway/v1/ on 2.5 and 2.6)."""

from __future__ import annotations

from . import fields as F
from . import resources as R
from .context import Ctx, Reply, created, ok
from .controller import create_org, create_user
from .errors import get_or_404, not_found
from .listing import list_objects
from .timeutil import fmt


def root(ctx: Ctx) -> Reply:
    names = [
        "ping",
        "me",
        "organizations",
        "users",
        "teams",
        "applications",
        "tokens",
        "authenticators",
        "service_clusters",
        "settings",
        "status",
    ]
    return ok({name: f"{ctx.prefix}{name}/" for name in names})


def ping(ctx: Ctx) -> Reply:
    # "pong" is written with a space and no zone, like the gateway does.
    pong = (fmt(ctx.now) or "").rstrip("Z").replace("T", " ")
    if "." not in pong:
        pong += ".000000"
    return ok(
        {
            "status": "good",
            "version": ctx.state.version,
            "pong": pong,
            "db_connected": True,
            "proxy_connected": True,
        }
    )


def me(ctx: Ctx) -> Reply:
    assert ctx.user is not None
    return ok(
        list_objects(ctx.query, [ctx.user], F.GATEWAY_USER, ctx.r.gateway_user, R.GATEWAY_USER)
    )


def users(ctx: Ctx) -> Reply:
    if ctx.method == "POST":
        return created(ctx.r.gateway_user(create_user(ctx, R.GATEWAY_USER)))
    users = list(ctx.state.users.values())
    return ok(list_objects(ctx.query, users, F.GATEWAY_USER, ctx.r.gateway_user, R.GATEWAY_USER))


def user_detail(ctx: Ctx, id: str) -> Reply:
    user = next((u for u in ctx.state.users.values() if u.gateway_id == int(id)), None)
    if user is None:
        raise not_found()
    return ok(ctx.r.gateway_user(user))


def organizations(ctx: Ctx) -> Reply:
    if ctx.method == "POST":
        # The gateway owns organizations and pushes them to the controller (shared id here).
        return created(ctx.r.gateway_org(create_org(ctx, R.GATEWAY_ORGANIZATION)))
    return ok(
        list_objects(
            ctx.query,
            list(ctx.state.orgs.values()),
            F.GATEWAY_ORG,
            ctx.r.gateway_org,
            R.GATEWAY_ORGANIZATION,
        )
    )


def organization_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.gateway_org(get_or_404(ctx.state.orgs, id)))
