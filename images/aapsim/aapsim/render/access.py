"""Users and organizations (controller and gateway views)."""

from __future__ import annotations

from typing import Any

from ..models import (
    Organization,
    Team,
    User,
)
from ..roles import Role
from ..roles import summary as role_summary
from ..timeutil import fmt
from .base import (
    ENCRYPTED,
    ORG_RELATED,
    RendererBase,
)


class AccessRenderer(RendererBase):
    """Renders the access family (see the module docstring)."""

    # -- users ---------------------------------------------------------------------------

    def user(self, u: User) -> dict[str, Any]:
        out = self._base("user", "users", u.id)
        out["related"] = self._links(
            "users",
            u.id,
            (
                "teams",
                "organizations",
                "admin_of_organizations",
                "projects",
                "credentials",
                "roles",
                "activity_stream",
                "access_list",
                "tokens",
                "authorized_tokens",
                "personal_tokens",
            ),
        )
        out["summary_fields"] = {"user_capabilities": {"edit": True, "delete": u.id != 1}}
        out.update(
            {
                "created": fmt(u.created),
                # Django's user has no modified: AWX shows its last (session) login there
                "modified": fmt(u.last_login),
                "username": u.username,
                "first_name": u.first_name,
                "last_name": u.last_name,
                "email": u.email,
                "is_superuser": u.is_superuser,
                "is_system_auditor": False,
                "password": ENCRYPTED,
                "ldap_dn": "",
                "last_login": fmt(u.last_login),
                "external_account": None,
                "auth": [],  # social-auth identities; none without an authenticator
            }
        )
        return out

    def gateway_user(self, u: User) -> dict[str, Any]:
        out = self._base("user", "users", u.gateway_id)
        out["related"] = self._links(
            "users",
            u.gateway_id,
            ("organizations", "teams", "authenticators", "personal_tokens", "authorized_tokens"),
        )
        out["summary_fields"] = {
            "resource": {
                "ansible_id": f"00000000-0000-4000-8000-{u.id:012d}",
                "resource_type": "shared.user",
            }
        }
        out.update(
            {
                "created": fmt(u.created),
                "modified": None,  # AWX's users (Django's own model) record none
                "username": u.username,
                "email": u.email,
                "first_name": u.first_name,
                "last_name": u.last_name,
                "last_login": None,
                "password": ENCRYPTED,
                "is_superuser": u.is_superuser,
                "is_platform_auditor": False,
                "managed": False,
                "last_login_results": {},
                "authenticators": [],
                "authenticator_uid": "",
            }
        )
        return out

    # -- organizations -------------------------------------------------------------------

    def team(self, t: Team) -> dict[str, Any]:
        out = self._base("team", "teams", t.id)
        out["related"] = {
            **self._author_links(t.created_by),
            **self._links(
                "teams",
                t.id,
                (
                    "projects",
                    "users",
                    "credentials",
                    "roles",
                    "object_roles",
                    "activity_stream",
                    "access_list",
                ),
            ),
            "organization": f"{self.p}organizations/{t.organization}/",
        }
        out["summary_fields"] = {
            "organization": self._org_ref(t.organization),
            **self._author_refs(t.created_by),
            "object_roles": role_summary("team", t),
            "user_capabilities": {"edit": True, "delete": True},
        }
        out.update(
            {
                "created": fmt(t.created),
                "modified": fmt(t.created),
                "name": t.name,
                "description": t.description,
                "organization": t.organization,
            }
        )
        return out

    def org(self, o: Organization) -> dict[str, Any]:
        s = self.s
        out = self._base("organization", "organizations", o.id)
        out["related"] = {
            **self._author_links(o.created_by),
            **self._links("organizations", o.id, ORG_RELATED),
        }
        summary: dict[str, Any] = {}
        if self.gateway:
            summary["resource"] = {
                "ansible_id": o.ansible_id,
                "resource_type": "shared.organization",
            }
        summary.update(self._author_refs(o.created_by))
        summary["object_roles"] = role_summary("organization", o)
        summary["user_capabilities"] = {"edit": True, "delete": True}
        summary["related_field_counts"] = {
            "inventories": sum(1 for i in s.inventories.values() if i.organization == o.id),
            "teams": 0,
            "users": 0,
            "job_templates": sum(1 for j in s.job_templates.values() if j.organization == o.id),
            "admins": 0,
            "projects": sum(1 for p in s.projects.values() if p.organization == o.id),
        }
        out["summary_fields"] = summary
        out.update(
            {
                "created": fmt(o.created),
                "modified": fmt(o.modified),
                "name": o.name,
                "description": o.description,
                "max_hosts": o.max_hosts,
                "custom_virtualenv": None,
                "default_environment": o.default_environment,
            }
        )
        if self.gateway:
            out["opa_query_path"] = None
        return out

    def gateway_org(self, o: Organization) -> dict[str, Any]:
        out = self._base("organization", "organizations", o.id)
        out["related"] = {
            **self._links("organizations", o.id, ("teams", "users", "admins", "activity_stream")),
            **self._author_links(2),
        }
        admin = self.s.users[1]
        ref = {
            "id": admin.gateway_id,
            "username": admin.username,
            "first_name": "",
            "last_name": "",
        }
        out["summary_fields"] = {
            "resource": {"ansible_id": o.ansible_id, "resource_type": "shared.organization"},
            "created_by": ref,
            "modified_by": ref,
            "related_field_counts": {"teams": 0, "users": 0},
        }
        out.update(
            {
                "created": fmt(o.created),
                "created_by": admin.gateway_id,
                "modified": fmt(o.modified),
                "modified_by": admin.gateway_id,
                "name": o.name,
                "description": o.description,
                "managed": False,
            }
        )
        return out

    # -- roles ---------------------------------------------------------------------------

    def role(self, role: Role, unattach: bool = False) -> dict[str, Any]:
        """AWX's RoleSerializer: what the role is on which object; `unattach` in a user's or
        team's role list (RoleSerializerWithParentAccess)."""
        out = self._base("role", "roles", role.id)
        out["related"] = {
            **self._links("roles", role.id, ("users", "teams")),
            role.kind: f"{self.p}{role.owner.path}/{role.obj.id}/",
        }
        summary: dict[str, Any] = {
            "resource_name": role.obj.name,
            "resource_type": role.kind,
            "resource_type_display_name": role.owner.resource.verbose.title(),
            "resource_id": role.obj.id,
        }
        if unattach:
            summary["user_capabilities"] = {"unattach": True}
        out["summary_fields"] = summary
        out["name"] = role.name
        out["description"] = role.description
        return out
