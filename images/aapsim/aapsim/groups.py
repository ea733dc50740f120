"""Inventory groups and their hosts (AWX's GroupList, GroupDetail, GroupHostsList,
HostGroupsList): create, edit, delete, and hosts attached by id, detached with
`disassociate`, or created in the group's inventory (an existing host of that name, posted
without variables, is attached instead, as AWX's GroupHostsList.create does)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from . import fields as F
from . import resources as R
from .context import Ctx, Reply, created, no_content, ok
from .controller import create_host, read_inventory_member, write_detail
from .errors import ApiError, get_or_404, not_found
from .listing import list_objects
from .models import Group, Host
from .validate import duplicate

NO_VARIABLES = ("", "{}", "---")
T = TypeVar("T")


def groups(ctx: Ctx, id: str | None = None) -> Reply:
    """groups/ or inventories/<id>/groups/ (`id`: the inventory)."""
    s = ctx.state
    inventory_id = get_or_404(s.inventories, id).id if id is not None else None
    if ctx.method == "POST":
        v = read_inventory_member(ctx, R.GROUP, inventory_id, s.groups.values())
        group = Group(id=s.next_id("group"), created=ctx.now, created_by=ctx.user_id, **v)
        s.groups[group.id] = group
        return created(_detail(ctx, group))
    rows = [g for g in s.groups.values() if inventory_id is None or g.inventory == inventory_id]
    return ok(list_objects(ctx.query, rows, F.GROUP, ctx.r.group, R.GROUP))


def group_detail(ctx: Ctx, id: str) -> Reply:
    group: Group = get_or_404(ctx.state.groups, id)
    others = [g for g in ctx.state.groups.values() if g.id != group.id]
    taken = duplicate("Group", "Inventory")

    def clash(values: dict[str, object]) -> ApiError | None:
        same = any(g.name == values["name"] and g.inventory == values["inventory"] for g in others)
        return taken if same else None

    return write_detail(ctx, group, R.GROUP, clash) or ok(_detail(ctx, group))


def _detail(ctx: Ctx, group: Group) -> dict[str, object]:
    """AWX's named URL of a group: <group>++<inventory>++<organization> (on its create too)."""
    inv = ctx.state.inventories.get(group.inventory)
    name = f"{group.name}++{inv.name}" if inv else group.name
    org = inv.organization if inv else None
    return ctx.r.detail(ctx.r.group(group), "groups", name, org)


def group_hosts(ctx: Ctx, id: str) -> Reply:
    s = ctx.state
    group: Group = get_or_404(s.groups, id)
    if ctx.method == "GET":
        rows = [s.hosts[i] for i in group.host_ids if i in s.hosts]
        return ok(list_objects(ctx.query, rows, F.HOST, ctx.r.host, R.HOST))
    data = ctx.body().data
    if "id" not in data:
        existing = next(
            (h for h in s.hosts.values() if h.inventory == group.inventory
             and h.name == data.get("name")),
            None,
        )  # fmt: skip
        if existing is None or str(data.get("variables", "")) not in NO_VARIABLES:
            host = create_host(ctx, group.inventory)
            group.host_ids.append(host.id)
            return created(ctx.r.host(host))
        data = {"id": existing.id}
    return _membership(group, _by_id(s.hosts, data["id"]), bool(data.get("disassociate")))


def host_groups(ctx: Ctx, id: str) -> Reply:
    """hosts/<id>/groups/ (AWX's HostGroupsList): the host's groups; POST attaches it to a
    group by id, detaches it with `disassociate`, or makes a group in its inventory."""
    s = ctx.state
    host: Host = get_or_404(s.hosts, id)
    if ctx.method == "GET":
        rows = [g for g in s.groups.values() if host.id in g.host_ids]
        return ok(list_objects(ctx.query, rows, F.GROUP, ctx.r.group, R.GROUP))
    data = ctx.body().data
    if "id" not in data:
        body, v = ctx.read(R.GROUP, skip=("inventory",))
        body.check()
        if any(g.name == v["name"] and g.inventory == host.inventory for g in s.groups.values()):
            raise duplicate("Group", "Inventory")
        made = Group(
            id=s.next_id("group"), created=ctx.now, created_by=ctx.user_id,
            inventory=host.inventory, host_ids=[host.id], **v,
        )  # fmt: skip
        s.groups[made.id] = made
        return created(_detail(ctx, made))
    return _membership(_by_id(s.groups, data["id"]), host, bool(data.get("disassociate")))


def _membership(group: Group, host: Host, detach: bool) -> Reply:
    """Attach (idempotent) or detach one host: 204 either way, as AWX's sub-lists answer."""
    if detach:
        if host.id in group.host_ids:
            group.host_ids.remove(host.id)
    elif host.id not in group.host_ids:
        group.host_ids.append(host.id)
    return no_content()


def _by_id(table: Mapping[int, T], raw_id: object) -> T:
    if isinstance(raw_id, bool) or not str(raw_id).isdigit():
        raise ApiError(400, {"msg": '"id" field must be an integer.'})
    found = table.get(int(str(raw_id)))
    if found is None:
        raise not_found()
    return found
