"""Credentials and credential types (AWX's CredentialList/Detail, CredentialTypeList/Detail,
CredentialTypeCredentialList). A credential's inputs are checked against its type's fields;
managed types are read-only, and a type in use keeps its inputs and cannot be deleted
(awx/api/views, CredentialTypeSerializer.validate)."""

from __future__ import annotations

from typing import Any

from . import fields as F
from . import resources as R
from .context import Ctx, Reply, created, ok
from .controller import write_detail
from .credtypes import CredentialType, input_errors
from .errors import ApiError, get_or_404
from .listing import list_objects
from .models import Credential
from .roles import role_id
from .validate import duplicate

NOT_MANAGED = "Modifications not allowed for managed credential types"
IN_USE_INPUTS = "Modifications to inputs are not allowed for credential types that are in use"


def credentials(ctx: Ctx, id: str | None = None) -> Reply:
    """credentials/, or credential_types/<id>/credentials/ (`id`: the type)."""
    s = ctx.state
    ctype = get_or_404(s.credential_types, id) if id is not None else None
    if ctx.method == "POST":
        body, v = ctx.read(R.CREDENTIAL, skip=("credential_type",) if ctype else ())
        body.check()
        if ctype is not None:
            v["credential_type"] = ctype.id
        if v["organization"] is None and v["user"] is None and v["team"] is None:
            raise ApiError(400, {"detail": ["Missing 'user', 'team', or 'organization'."]})
        _check_inputs(s.credential_types[v["credential_type"]], v["inputs"])
        if any(_same(c, v) for c in s.credentials.values()):
            raise duplicate("Credential")
        cred = Credential(
            id=s.next_id("credential"),
            kind=s.credential_types[v["credential_type"]].namespace or "",
            created=ctx.now,
            role_base=s.roles_for(R.CREDENTIAL),
            created_by=ctx.user_id,
            **v,
        )
        s.credentials[cred.id] = cred
        # AWX makes the given user or team an admin of it
        admin = role_id(R.CREDENTIAL, cred, "admin_role")
        if cred.user is not None:
            s.role_users.setdefault(admin, set()).add(cred.user)
        if cred.team is not None:
            s.role_teams.setdefault(admin, set()).add(cred.team)
        return created(_detail(ctx, cred))
    rows = [c for c in s.credentials.values() if ctype is None or c.credential_type == ctype.id]
    return ok(list_objects(ctx.query, rows, F.CREDENTIAL, ctx.r.credential, R.CREDENTIAL))


def credential_detail(ctx: Ctx, id: str) -> Reply:
    s = ctx.state
    cred: Credential = get_or_404(s.credentials, id)
    others = [c for c in s.credentials.values() if c.id != cred.id]

    def clash(values: dict[str, Any]) -> ApiError | None:
        _check_inputs(s.credential_types[values["credential_type"]], values["inputs"])
        return duplicate("Credential") if any(_same(c, values) for c in others) else None

    if ctx.method in ("PUT", "PATCH"):
        _keep_secrets(ctx, cred)
    return write_detail(ctx, cred, R.CREDENTIAL, clash) or ok(_detail(ctx, cred))


def _detail(ctx: Ctx, cred: Credential) -> dict[str, Any]:
    """AWX's named URL of a credential: <name>++<type name>+<type kind>++<organization>."""
    body = ctx.r.credential(cred)
    ctype = ctx.state.credential_types[cred.credential_type]
    org = ctx.state.orgs.get(cred.organization) if cred.organization is not None else None
    named = f"{cred.name}++{ctype.name}+{ctype.kind}++{org.name if org else ''}"
    body["related"] = {"named_url": f"{ctx.prefix}credentials/{named}/", **body["related"]}
    return body


def credential_types(ctx: Ctx) -> Reply:
    s = ctx.state
    if ctx.method == "POST":
        body, v = ctx.read(R.CREDENTIAL_TYPE)
        _check_custom(body.errors, v)
        body.check()
        ctype = CredentialType(
            id=s.next_id("credential_type"),
            namespace=None,
            created=ctx.now,
            managed=False,
            created_by=ctx.user_id,
            **v,
        )
        s.credential_types[ctype.id] = ctype
        return created(_type_detail(ctx, ctype))
    rows = list(s.credential_types.values())
    return ok(
        list_objects(ctx.query, rows, F.CREDENTIAL_TYPE, ctx.r.credential_type, R.CREDENTIAL_TYPE)
    )


def credential_type_detail(ctx: Ctx, id: str) -> Reply:
    s = ctx.state
    ctype: CredentialType = get_or_404(s.credential_types, id)
    in_use = any(c.credential_type == ctype.id for c in s.credentials.values())
    if ctx.method == "DELETE":
        if ctype.managed:
            raise ApiError(403, {"detail": "Deletion not allowed for managed credential types"})
        if in_use:
            raise ApiError(403, {"detail": "Credential types that are in use cannot be deleted"})
    if ctx.method in ("PUT", "PATCH") and ctype.managed:
        raise ApiError(403, {"detail": NOT_MANAGED})
    others = [t for t in s.credential_types.values() if t.id != ctype.id]

    def clash(values: dict[str, Any]) -> ApiError | None:
        errors: dict[str, list[str]] = {}
        _check_custom(errors, values)
        if errors:
            return ApiError(400, errors)
        if in_use and values["inputs"] != ctype.inputs:
            return ApiError(403, {"detail": IN_USE_INPUTS})
        if any(t.name == values["name"] and t.kind == values["kind"] for t in others):
            return duplicate("Credential type")
        return None

    done = write_detail(ctx, ctype, R.CREDENTIAL_TYPE, clash)
    return done or ok(_type_detail(ctx, ctype))


def _type_detail(ctx: Ctx, ctype: CredentialType) -> dict[str, Any]:
    """AWX's named URL of a credential type: <name>+<kind>."""
    body = ctx.r.credential_type(ctype)
    named = f"{ctx.prefix}credential_types/{ctype.name}+{ctype.kind}/"
    return {**body, "related": {"named_url": named, **body["related"]}}


def _same(cred: Credential, values: dict[str, Any]) -> bool:
    """AWX's unique (organization, name, credential_type)."""
    keys = ("name", "organization", "credential_type")
    return all(getattr(cred, k) == values[k] for k in keys)


def _check_inputs(ctype: CredentialType, inputs: Any) -> None:
    errors = input_errors(ctype, inputs)
    if errors:
        raise ApiError(400, {"inputs": errors})


def _keep_secrets(ctx: Ctx, cred: Credential) -> None:
    """A client sends back "$encrypted$" for a secret it did not change (AWX keeps it)."""
    data = ctx.data
    if isinstance(data, dict) and isinstance(data.get("inputs"), dict):
        kept = {k: cred.inputs.get(k) for k, v in data["inputs"].items() if v == "$encrypted$"}
        data["inputs"] = {**data["inputs"], **{k: v for k, v in kept.items() if v is not None}}


def _check_custom(errors: dict[str, list[str]], values: dict[str, Any]) -> None:
    """What CredentialTypeSerializer.validate refuses in a custom type."""
    kind = values.get("kind")
    if kind is not None and kind not in ("cloud", "net") and "kind" not in errors:
        errors["kind"] = [f"Must be 'cloud' or 'net', not {kind}"]
    inputs = values.get("inputs")
    if not isinstance(inputs, dict):
        return
    fields = inputs.get("fields", [])
    if isinstance(fields, list) and any(
        isinstance(f, dict) and f.get("ask_at_runtime") for f in fields
    ):
        errors["inputs"] = ["'ask_at_runtime' is not supported for custom credentials."]
