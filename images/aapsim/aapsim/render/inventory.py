"""Labels, inventories, hosts, credentials, execution environments, instance groups."""

from __future__ import annotations

from typing import Any

from .. import resources as R
from ..credtypes import CredentialType
from ..models import (
    Credential,
    ExecutionEnvironment,
    Group,
    Host,
    InstanceGroup,
    Inventory,
    Label,
)
from ..roles import role_id
from ..roles import summary as role_summary
from ..timeutil import fmt
from .base import (
    ENCRYPTED,
    RendererBase,
)


class InventoryRenderer(RendererBase):
    """Renders the inventory family (see the module docstring)."""

    # -- labels, inventories, hosts, credentials, EEs, instance groups -------------------

    def label(self, lb: Label) -> dict[str, Any]:
        out = self._base("label", "labels", lb.id)
        out["related"] = {
            **self._author_links(lb.created_by),
            "organization": f"{self.p}organizations/{lb.organization}/",
        }
        out["summary_fields"] = {
            "organization": self._org_ref(lb.organization),
            **self._author_refs(lb.created_by),
        }
        out.update(
            {
                "created": fmt(lb.created),
                "modified": fmt(lb.created),
                "name": lb.name,
                "organization": lb.organization,
            }
        )
        return out

    def inventory(self, inv: Inventory) -> dict[str, Any]:
        out = self._base("inventory", "inventories", inv.id)
        out["related"] = self._links(
            "inventories",
            inv.id,
            (
                "hosts",
                "groups",
                "root_groups",
                "variable_data",
                "script",
                "tree",
                "inventory_sources",
                "update_inventory_sources",
                "activity_stream",
                "job_templates",
                "ad_hoc_commands",
                "access_list",
                "object_roles",
                "instance_groups",
                "copy",
                "labels",
            ),
        )
        if inv.organization is not None:
            out["related"]["organization"] = f"{self.p}organizations/{inv.organization}/"
        out["summary_fields"] = {
            "organization": self._org_ref(inv.organization),
            **self._author_refs(inv.created_by),
            "object_roles": role_summary("inventory", inv),
            "user_capabilities": {"edit": True, "delete": True, "copy": True, "adhoc": True},
            "labels": {"count": 0, "results": []},
        }
        total = len(self.s.inventory_host_ids(inv.id))
        out.update(
            {
                "created": fmt(inv.created),
                "modified": fmt(inv.created),
                "name": inv.name,
                "description": inv.description,
                "organization": inv.organization,
                "kind": inv.kind,
                "host_filter": None,
                "variables": inv.variables,
                "has_active_failures": False,
                "total_hosts": total,
                "hosts_with_active_failures": 0,
                "total_groups": sum(g.inventory == inv.id for g in self.s.groups.values()),
                "has_inventory_sources": False,
                "total_inventory_sources": 0,
                "inventory_sources_with_failures": 0,
                "pending_deletion": False,
                "prevent_instance_group_fallback": False,
            }
        )
        return out

    def host(self, h: Host) -> dict[str, Any]:
        out = self._base("host", "hosts", h.id)
        out["related"] = self._links(
            "hosts",
            h.id,
            (
                "variable_data",
                "groups",
                "all_groups",
                "job_events",
                "job_host_summaries",
                "activity_stream",
                "inventory_sources",
                "smart_inventories",
                "ad_hoc_commands",
                "ad_hoc_command_events",
                "ansible_facts",
            ),
        )
        out["related"] = {**self._author_links(h.created_by), **out["related"]}
        out["related"]["inventory"] = f"{self.p}inventories/{h.inventory}/"
        last_job, last_summary = h.runs[-1] if h.runs else (None, None)
        if last_job is not None:
            out["related"]["last_job"] = f"{self.p}jobs/{last_job}/"
            out["related"]["last_job_host_summary"] = f"{self.p}job_host_summaries/{last_summary}/"
        summary_ref = self.s.summaries.get(last_summary) if last_summary is not None else None
        out["summary_fields"] = {
            "inventory": self._inventory_ref(h.inventory),
            **self._host_last_job(last_job),
            **(
                {"last_job_host_summary": {"id": summary_ref.id, "failed": summary_ref.failed}}
                if summary_ref is not None
                else {}
            ),
            **self._author_refs(h.created_by),
            "user_capabilities": {"edit": True, "delete": True},
            "groups": self._host_groups(h.id),
            "recent_jobs": [self._recent_job(job_id) for job_id, _ in reversed(h.runs[-5:])],
        }
        out.update(
            {
                "created": fmt(h.created),
                "modified": fmt(h.created),
                "name": h.name,
                "description": h.description,
                "inventory": h.inventory,
                "enabled": h.enabled,
                "instance_id": h.instance_id,
                "variables": h.variables,
                "has_active_failures": False,
                "has_inventory_sources": False,
                "last_job": last_job,
                "last_job_host_summary": last_summary,
                "ansible_facts_modified": None,
            }
        )
        return out

    def _host_groups(self, host_id: int) -> dict[str, Any]:
        """AWX's summary of a host's groups: the count and the first five by id."""
        mine = sorted(
            (g for g in self.s.groups.values() if host_id in g.host_ids), key=lambda g: g.id
        )
        return {"count": len(mine), "results": [{"id": g.id, "name": g.name} for g in mine[:5]]}

    def group(self, g: Group) -> dict[str, Any]:
        """AWX's GroupSerializer."""
        out = self._base("group", "groups", g.id)
        out["related"] = {
            **self._author_links(g.created_by),
            **self._links(
                "groups",
                g.id,
                (
                    "variable_data",
                    "hosts",
                    "potential_children",
                    "children",
                    "all_hosts",
                    "job_events",
                    "job_host_summaries",
                    "activity_stream",
                    "inventory_sources",
                    "ad_hoc_commands",
                ),
            ),
            "inventory": f"{self.p}inventories/{g.inventory}/",
        }
        out["summary_fields"] = {
            "inventory": self._inventory_ref(g.inventory),
            **self._author_refs(g.created_by),
            "user_capabilities": {"edit": True, "delete": True, "copy": True},
        }
        out.update(
            {
                "created": fmt(g.created),
                "modified": fmt(g.modified or g.created),
                "name": g.name,
                "description": g.description,
                "inventory": g.inventory,
                "variables": g.variables,
            }
        )
        return out

    def _host_last_job(self, job_id: int | None) -> dict[str, Any]:
        """summary_fields.last_job of a host, as AWX gives it (only once a job ran on it)."""
        if job_id is None:
            return {}
        job = self.s.unified_jobs[job_id]
        template = self.s.job_templates.get(job.template_id)
        status = job.status(self.now)
        return {
            "last_job": {
                "id": job.id,
                "name": job.name,
                "description": job.description,
                "finished": fmt(job.finished) if job.done else None,
                "status": status,
                "failed": status == "failed",
                "job_template_id": job.template_id,
                "job_template_name": template.name if template else job.name,
            }
        }

    def _recent_job(self, job_id: int) -> dict[str, Any]:
        job = self.s.unified_jobs[job_id]
        return {
            "id": job.id,
            "name": job.name,
            "type": "job",
            "status": job.status(self.now),
            "finished": fmt(job.finished) if job.done else None,
        }

    def credential(self, c: Credential) -> dict[str, Any]:
        out = self._base("credential", "credentials", c.id)
        out["related"] = self._links(
            "credentials",
            c.id,
            (
                "activity_stream",
                "access_list",
                "object_roles",
                "owner_users",
                "owner_teams",
                "copy",
                "input_sources",
            ),
        )
        out["related"] = {**self._author_links(c.created_by), **out["related"]}
        out["related"]["credential_type"] = f"{self.p}credential_types/{c.credential_type}/"
        if c.organization is not None:
            out["related"]["organization"] = f"{self.p}organizations/{c.organization}/"
        elif c.user is not None:
            out["related"]["user"] = f"{self.p}users/{c.user}/"
        ctype = self.s.credential_types[c.credential_type]
        summary: dict[str, Any] = {
            "credential_type": {
                "id": ctype.id,
                "name": ctype.name,
                "description": ctype.description,
            },
            **self._author_refs(c.created_by),
            "object_roles": role_summary("credential", c),
            "user_capabilities": {"edit": True, "delete": True, "copy": True, "use": True},
            "owners": self._credential_owners(c),
        }
        self._put_summary(summary, "organization", self._org_ref(c.organization))
        out["summary_fields"] = summary
        inputs = {k: (ENCRYPTED if k in ctype.secrets else v) for k, v in c.inputs.items()}
        out.update(
            {
                "created": fmt(c.created),
                "modified": fmt(c.created),
                "name": c.name,
                "description": c.description,
                "organization": c.organization,
                "credential_type": c.credential_type,
                "managed": c.managed,
                "inputs": inputs,
                "kind": c.kind,
                "cloud": ctype.kind == "cloud",
                "kubernetes": ctype.kind == "kubernetes",
            }
        )
        return out

    def _credential_owners(self, c: Credential) -> list[dict[str, Any]]:
        """AWX's owners: the users and teams holding its admin role, and its organization."""
        out = []
        admin = role_id(R.CREDENTIAL, c, "admin_role")
        for uid in sorted(self.s.role_users.get(admin, ())):
            if (user := self.s.users.get(uid)) is not None:
                full = f"{user.first_name} {user.last_name}"
                out.append(self._owner("user", uid, user.username, full, "users"))
        for tid in sorted(self.s.role_teams.get(admin, ())):
            if (team := self.s.teams.get(tid)) is not None:
                out.append(self._owner("team", tid, team.name, team.description, "teams"))
        if c.organization is not None and (org := self.s.orgs.get(c.organization)):
            out.append(self._owner("organization", org.id, org.name, org.description,
                                   "organizations"))  # fmt: skip
        return out

    def _owner(self, kind: str, ident: int, name: str, text: str, path: str) -> dict[str, Any]:
        return {"id": ident, "type": kind, "name": name, "description": text,
                "url": f"{self.p}{path}/{ident}/"}  # fmt: skip

    def credential_type(self, t: CredentialType) -> dict[str, Any]:
        out = self._base("credential_type", "credential_types", t.id)
        out["related"] = self._links("credential_types", t.id, ("credentials", "activity_stream"))
        summary: dict[str, Any] = {}
        if t.created_by is not None:
            out["related"].update(self._author_links(t.created_by))
            summary.update(self._author_refs(t.created_by))
        # a superuser's: AWX refuses the edit itself (CredentialTypeSerializer.validate)
        summary["user_capabilities"] = {"edit": True, "delete": True}
        out["summary_fields"] = summary
        out.update(
            {
                "created": fmt(t.created),
                "modified": fmt(t.created),
                "name": t.name,
                "description": t.description,
                "kind": t.kind,
                "namespace": t.namespace,
                "managed": t.managed,
                "inputs": t.inputs,
                "injectors": t.injectors,
            }
        )
        return out

    def ee(self, e: ExecutionEnvironment) -> dict[str, Any]:
        out = self._base("execution_environment", "execution_environments", e.id)
        out["related"] = self._links(
            "execution_environments", e.id, ("activity_stream", "unified_job_templates", "copy")
        )
        summary: dict[str, Any] = {
            "user_capabilities": {"edit": True, "delete": True, "copy": True}
        }
        self._put_summary(summary, "organization", self._org_ref(e.organization))
        out["summary_fields"] = summary
        out.update(
            {
                "created": fmt(e.created),
                "modified": fmt(e.created),
                "name": e.name,
                "description": e.description,
                "organization": e.organization,
                "image": e.image,
                "managed": e.managed,
                "credential": e.credential,
                "pull": e.pull,
            }
        )
        return out

    def instance_group(self, g: InstanceGroup) -> dict[str, Any]:
        out = self._base("instance_group", "instance_groups", g.id)
        out["related"] = self._links(
            "instance_groups", g.id, ("jobs", "instances", "access_list", "object_roles")
        )
        out["summary_fields"] = {"user_capabilities": {"edit": True, "delete": g.id > 2}}
        out.update(
            {
                "created": fmt(g.created),
                "modified": fmt(g.created),
                "name": g.name,
                "capacity": g.capacity,
                "consumed_capacity": 0,
                "percent_capacity_remaining": 100.0,
                "jobs_running": 0,
                "max_concurrent_jobs": 0,
                "max_forks": 0,
                "jobs_total": 0,
                "instances": 1,
                "is_container_group": g.is_container_group,
                "credential": None,
                "policy_instance_percentage": 100,
                "policy_instance_minimum": 0,
                "policy_instance_list": [],
                "pod_spec_override": "",
            }
        )
        return out
