"""Role lists and grants (AWX's RoleList, RoleDetail, RoleUsersList, RoleTeamsList,
UserRolesList, TeamRolesList): a role is granted or revoked by POSTing {"id": N} or
{"id": N, "disassociate": true} to either side, with AWX's checks and messages
(awx/api/views/__init__.py). Behind the 2.5/2.6 gateway the controller runs with
ALLOW_LOCAL_RESOURCE_MANAGEMENT off: who belongs to an organization or team is the
gateway's, and the controller refuses to change it (403)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any, TypeVar

from . import fields as F
from . import resources as R
from .context import Ctx, Reply, no_content, ok
from .errors import ApiError, get_or_404, not_found
from .listing import list_objects
from .models import Team, User
from .roles import Role, all_roles, find, role_id

T = TypeVar("T")
# AWX marks these views deprecated (in favour of the role_* assignment APIs) and says so.
DEPRECATED = {"Warning": '299 awx "This resource has been deprecated and will be removed '
              'in a future release."'}  # fmt: skip
TEAM_PARTICIPATION = (
    "You cannot assign an Organization participation role as a child role for a Team."
)
OTHER_ORG = (
    "You cannot grant credential access to a team when the Organization field isn't set, "
    "or belongs to a different organization"
)
NOT_IN_ORG = "You cannot grant credential access to a user not in the credentials' organization"


def _reply(reply: Reply) -> Reply:
    reply.headers.update(DEPRECATED)
    return reply


def _role_or_404(ctx: Ctx, id: str) -> Role:
    role = find(ctx.state, int(id))
    if role is None:
        raise not_found()
    return role


def _role_list(ctx: Ctx, rows: list[Role], holder: bool = False) -> Reply:
    """All roles, or a user's or team's (`holder`: AWX then shows whether it can unattach)."""
    render = partial(ctx.r.role, unattach=holder)
    return _reply(ok(list_objects(ctx.query, rows, F.ROLE, render, R.ROLE)))


def roles(ctx: Ctx) -> Reply:
    return _role_list(ctx, all_roles(ctx.state))


def role_detail(ctx: Ctx, id: str) -> Reply:
    return _reply(ok(ctx.r.role(_role_or_404(ctx, id))))


def role_users(ctx: Ctx, id: str) -> Reply:
    s = ctx.state
    role = _role_or_404(ctx, id)
    if ctx.method == "GET":
        members = s.role_users.get(role.id, set())
        rows = [u for u in s.users.values() if u.id in members]
        return _reply(ok(list_objects(ctx.query, rows, F.USER, ctx.r.user, R.USER)))
    sub_id, detach = _attach_body(ctx, "User")
    return _reply(_grant_user(ctx, role, _get_or_400(s.users, sub_id, "User"), detach))


def role_teams(ctx: Ctx, id: str) -> Reply:
    s = ctx.state
    role = _role_or_404(ctx, id)
    if ctx.method == "GET":
        holders = s.role_teams.get(role.id, set())
        rows = [t for t in s.teams.values() if t.id in holders]
        return _reply(ok(list_objects(ctx.query, rows, F.TEAM, ctx.r.team, R.TEAM)))
    sub_id, detach = _attach_body(ctx, "Team")
    return _reply(_grant_team(ctx, role, _get_or_400(s.teams, sub_id, "Team"), detach))


def user_roles(ctx: Ctx, id: str) -> Reply:
    s = ctx.state
    user: User = get_or_404(s.users, id)
    if ctx.method == "GET":
        held = [r for r in all_roles(s) if user.id in s.role_users.get(r.id, ())]
        return _role_list(ctx, held, holder=True)
    sub_id, detach = _attach_body(ctx, "Role")
    return _reply(_grant_user(ctx, _role_or_400(ctx, sub_id), user, detach))


def team_roles(ctx: Ctx, id: str) -> Reply:
    s = ctx.state
    team: Team = get_or_404(s.teams, id)
    if ctx.method == "GET":
        held = [r for r in all_roles(s) if team.id in s.role_teams.get(r.id, ())]
        return _role_list(ctx, held, holder=True)
    sub_id, detach = _attach_body(ctx, "Role")
    return _reply(_grant_team(ctx, _role_or_400(ctx, sub_id), team, detach))


def _grant_user(ctx: Ctx, role: Role, user: User, detach: bool) -> Reply:
    if role.participation and ctx.state.settings.gateway:
        text = f"Cannot directly modify user membership to {role.kind}. "
        raise ApiError(403, {"msg": text + "Direct shared resource management disabled"})
    if role.kind == "credential" and not detach:
        org = role.obj.organization
        if org is not None and not _is_member(ctx, user, org):
            raise ApiError(400, {"msg": NOT_IN_ORG})
    _toggle(ctx.state.role_users, role.id, user.id, detach)
    return no_content()


def _grant_team(ctx: Ctx, role: Role, team: Team, detach: bool) -> Reply:
    if role.kind == "organization" and role.participation:
        raise ApiError(400, {"msg": TEAM_PARTICIPATION})
    if role.kind == "credential" and role.obj.organization != team.organization:
        raise ApiError(400, {"msg": OTHER_ORG})
    _toggle(ctx.state.role_teams, role.id, team.id, detach)
    return no_content()


def _is_member(ctx: Ctx, user: User, org_id: int) -> bool:
    """In the organization's member role, directly or as its admin (a team cannot hold
    either: _grant_team refuses it)."""
    s = ctx.state
    org = s.orgs.get(org_id)
    if org is None:
        return False
    return any(
        user.id in s.role_users.get(role_id(R.ORGANIZATION, org, field), ())
        for field in ("member_role", "admin_role")
    )


def _toggle(table: dict[int, set[int]], role_id: int, holder: int, detach: bool) -> None:
    holders = table.setdefault(role_id, set())
    if detach:
        holders.discard(holder)
    else:
        holders.add(holder)


def _attach_body(ctx: Ctx, model: str) -> tuple[int, bool]:
    """AWX's SubListAttachDetachAPIView: an integer id is required, to attach or detach."""
    data: Mapping[str, Any] = ctx.body().data
    raw = data.get("id")
    if not raw:
        raise ApiError(400, {"msg": f"{model} 'id' field is missing."})
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ApiError(400, {"msg": '"id" field must be an integer.'})
    return raw, "disassociate" in data


def _get_or_400(table: Mapping[int, T], key: int, model: str) -> T:
    found = table.get(key)
    if found is None:
        raise ApiError(400, {"detail": f"{model} matching query does not exist."})
    return found


def _role_or_400(ctx: Ctx, role_id: int) -> Role:
    role = find(ctx.state, role_id)
    if role is None:
        raise ApiError(400, {"detail": "Role matching query does not exist."})
    return role
