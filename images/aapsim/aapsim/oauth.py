"""OAuth2 applications, tokens and the token endpoint (refresh grant)."""

from __future__ import annotations

import hmac
from typing import Any

from . import fields as F
from . import resources as R
from .auth import decode_basic
from .context import Ctx, Reply, created, no_content, ok
from .errors import ApiError, get_or_404
from .listing import list_objects
from .models import Application, Token
from .validate import duplicate

SCOPES = {"read", "write"}
REFRESH_TOKEN_SECONDS = 2628000  # AWX/DAB REFRESH_TOKEN_EXPIRE_SECONDS


def applications(ctx: Ctx) -> Reply:
    s = ctx.state
    if ctx.method == "POST":
        body, v = ctx.read(R.APPLICATION)
        body.check()
        if any(
            a.name == v["name"] and a.organization == v["organization"]
            for a in s.applications.values()
        ):
            raise duplicate("Application")
        app = s.new_application(user_id=ctx.user_id, created=ctx.now, **v)
        return created(ctx.r.application(app, secret=True))
    apps = list(s.applications.values())
    return ok(list_objects(ctx.query, apps, F.APPLICATION, ctx.r.application, R.APPLICATION))


def application_detail(ctx: Ctx, id: str) -> Reply:
    app: Application = get_or_404(ctx.state.applications, id)
    if ctx.method == "DELETE":
        # The token tables reference the application; its tokens go with it.
        ctx.state.delete_application(app)
        return no_content()
    return ok(ctx.r.application(app))


def tokens(ctx: Ctx, id: str | None = None) -> Reply:
    """Token list/create; `id` is the application when nested under /applications/{id}/."""
    s = ctx.state
    app_id = get_or_404(s.applications, id).id if id is not None else None
    if ctx.method == "POST":
        body, v = ctx.read(R.TOKEN, skip=("application",) if app_id is not None else ())
        app_id = app_id if app_id is not None else v["application"]
        scope, description = v["scope"], v["description"]
        if scope and not set(scope.split()) <= SCOPES and "scope" not in body.errors:
            body.errors.setdefault("scope", []).append(
                "Must be a simple space-separated string with allowed scopes ['read', 'write']."
            )
        body.check()
        # The token belongs to the requesting user whatever `user` the body names.
        token = s.issue_token(ctx.user_id, app_id, scope, description, ctx.now)
        return created(ctx.r.token(token, secret=True))
    rows = [t for t in s.tokens.values() if app_id is None or t.application_id == app_id]
    return ok(list_objects(ctx.query, rows, F.TOKEN, ctx.r.token, R.TOKEN))


def token_detail(ctx: Ctx, id: str) -> Reply:
    token: Token = get_or_404(ctx.state.tokens, id)
    if ctx.method == "DELETE":
        ctx.state.revoke(token)  # the pair is one record here: its refresh token dies too
        return no_content()
    return ok(ctx.r.token(token))


def _client(ctx: Ctx) -> Application:
    client_id = ctx.form.get("client_id", "")
    secret = ctx.form.get("client_secret", "")
    scheme, _, value = ctx.authorization.partition(" ")
    if scheme.lower() == "basic":
        pair = decode_basic(value)
        if pair is not None:
            client_id, secret = pair
    for app in ctx.state.applications.values():
        if app.client_id == client_id and (
            app.client_type == "public" or hmac.compare_digest(app.client_secret, secret)
        ):
            return app
    raise ApiError(401, {"error": "invalid_client"})


def token_endpoint(ctx: Ctx) -> Reply:
    """POST form grant_type=refresh_token: rotate the pair (old access token dies)."""
    s = ctx.state
    grant = ctx.form.get("grant_type", "")
    if not grant:
        raise ApiError(
            400, {"error": "invalid_request", "error_description": "Request is missing grant type."}
        )
    if grant != "refresh_token":
        raise ApiError(400, {"error": "unsupported_grant_type"})
    app = _client(ctx)
    refresh = ctx.form.get("refresh_token", "")
    old: Token | None = s.refresh_index.get(refresh) if refresh else None
    if old is None or old.application_id != app.id:
        raise ApiError(400, {"error": "invalid_grant"})
    if (ctx.now - old.created).total_seconds() > REFRESH_TOKEN_SECONDS:
        raise ApiError(403, {"detail": "The refresh token has expired."})
    s.revoke(old)
    new = s.issue_token(old.user_id, app.id, old.scope, old.description, ctx.now)
    body: dict[str, Any] = {
        "access_token": new.token,
        "expires_in": s.settings.access_token_seconds,
        "token_type": "Bearer",
        "scope": new.scope,
        "refresh_token": new.refresh_token,
    }
    # DAB turns the token view's 200 into 201 (2.5/2.6); AWX on 2.4 keeps 200.
    return Reply(
        201 if s.settings.gateway else 200,
        body,
        {"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
