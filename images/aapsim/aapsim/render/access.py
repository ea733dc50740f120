"""Users and organizations (controller and gateway views)."""

from __future__ import annotations

from typing import Any

from ..models import (
    Organization,
    Team,
    User,
)
from ..timeutil import fmt
from .base import (
    ENCRYPTED,
    ORG_RELATED,
    ORG_ROLE_NAMES,
    RendererBase,
)

# A team's object roles: key, name, description (AWX's Team model)
TEAM_ROLE_TEXTS = (
    ("admin_role", "Admin", "Can manage all aspects of the team"),
    ("member_role", "Member", "User is a member of the team"),
    ("read_role", "Read", "May view settings for the team"),
)
TEAM_ROLES = len(TEAM_ROLE_TEXTS)


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
            "object_roles": {
                key: {"description": text, "name": name, "id": t.role_base + i}
                for i, (key, name, text) in enumerate(TEAM_ROLE_TEXTS)
            },
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
        roles = {}
        for offset, (key, name, desc, user_only) in enumerate(ORG_ROLE_NAMES):
            role: dict[str, Any] = {"description": desc, "name": name, "id": o.role_base + offset}
            if user_only:
                role["user_only"] = True
            roles[key] = role
        summary["object_roles"] = roles
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
