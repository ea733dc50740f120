"""Turn state into AWX-shaped JSON (id, type, url, related, summary_fields, ...)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from .models import (
    Application,
    Credential,
    ExecutionEnvironment,
    Host,
    HostSummary,
    InstanceGroup,
    Inventory,
    JobTemplate,
    Label,
    Organization,
    Project,
    Token,
    UnifiedJob,
    User,
)
from .state import AWX_VERSION, NODE, State
from .timeutil import fmt

ENCRYPTED = "$encrypted$"
ORG_ROLE_NAMES = [
    ("admin_role", "Admin", "Can manage all aspects of the organization", True),
    ("execute_role", "Execute", "May run any executable resources in the organization", False),
    ("project_admin_role", "Project Admin", "Can manage all projects of the organization", False),
    (
        "inventory_admin_role",
        "Inventory Admin",
        "Can manage all inventories of the organization",
        False,
    ),
    (
        "credential_admin_role",
        "Credential Admin",
        "Can manage all credentials of the organization",
        False,
    ),
    (
        "workflow_admin_role",
        "Workflow Admin",
        "Can manage all workflows of the organization",
        False,
    ),
    (
        "notification_admin_role",
        "Notification Admin",
        "Can manage all notifications of the organization",
        False,
    ),
    (
        "job_template_admin_role",
        "Job Template Admin",
        "Can manage all job templates of the organization",
        False,
    ),
    (
        "execution_environment_admin_role",
        "Execution Environment Admin",
        "Can manage all execution environments of the organization",
        False,
    ),
    ("auditor_role", "Auditor", "Can view all aspects of the organization", False),
    ("member_role", "Member", "User is a member of the organization", True),
    ("read_role", "Read", "May view settings for the organization", False),
    ("approval_role", "Approve", "Can approve or deny a workflow approval node", False),
]
JT_ROLE_NAMES = [
    ("admin_role", "Admin", "Can manage all aspects of the job template"),
    ("execute_role", "Execute", "May run the job template"),
    ("read_role", "Read", "May view settings for the job template"),
]
ORG_RELATED = [
    "execution_environments",
    "projects",
    "inventories",
    "job_templates",
    "workflow_job_templates",
    "users",
    "admins",
    "teams",
    "credentials",
    "applications",
    "activity_stream",
    "notification_templates",
    "notification_templates_started",
    "notification_templates_success",
    "notification_templates_error",
    "notification_templates_approvals",
    "object_roles",
    "access_list",
    "instance_groups",
    "galaxy_credentials",
]
ASK_FIELDS = [
    "scm_branch",
    "diff_mode",
    "variables",
    "limit",
    "tags",
    "skip_tags",
    "job_type",
    "verbosity",
    "inventory",
    "credential",
    "execution_environment",
    "labels",
    "forks",
    "job_slice_count",
    "timeout",
    "instance_groups",
]


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _per_request(build: Callable[[Renderer, K], V]) -> Callable[[Renderer, K], V]:
    """Memoise a summary ref for one renderer: the same refs repeat across a page."""
    name = build.__name__

    def cached(self: Renderer, key: K) -> V:
        memo_key = (name, key)
        if memo_key not in self._memo:
            self._memo[memo_key] = build(self, key)
        return self._memo[memo_key]

    return cached


class Renderer:
    """Renders objects for one API root at one instant (status is derived from `now`)."""

    def __init__(self, state: State, prefix: str, now: datetime) -> None:
        self.s = state
        self.p = prefix
        self.now = now
        self.gateway = state.settings.gateway
        # One renderer serves one request; see _per_request.
        self._memo: dict[tuple[str, object], Any] = {}

    # -- small pieces --------------------------------------------------------------------

    @_per_request
    def _user_ref(self, user_id: int | None) -> dict[str, Any] | None:
        user = self.s.users.get(user_id) if user_id is not None else None
        if user is None:
            return None
        return {
            "id": user.id,
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
        }

    @_per_request
    def _org_ref(self, org_id: int | None) -> dict[str, Any] | None:
        org = self.s.orgs.get(org_id) if org_id is not None else None
        if org is None:
            return None
        return {"id": org.id, "name": org.name, "description": org.description}

    @_per_request
    def _inventory_ref(self, inv_id: int | None) -> dict[str, Any] | None:
        inv = self.s.inventories.get(inv_id) if inv_id is not None else None
        if inv is None:
            return None
        return {
            "id": inv.id,
            "name": inv.name,
            "description": inv.description,
            "has_active_failures": False,
            "total_hosts": len(self.s.inventory_host_ids(inv.id)),
            "hosts_with_active_failures": 0,
            "total_groups": 0,
            "has_inventory_sources": False,
            "total_inventory_sources": 0,
            "inventory_sources_with_failures": 0,
            "organization_id": inv.organization,
            "kind": inv.kind,
        }

    @_per_request
    def _project_ref(self, project_id: int | None) -> dict[str, Any] | None:
        project = self.s.projects.get(project_id) if project_id is not None else None
        if project is None:
            return None
        return {
            "id": project.id,
            "name": project.name,
            "description": project.description,
            "status": self.project_status(project),
            "scm_type": project.scm_type,
            "allow_override": project.allow_override,
        }

    @_per_request
    def _ee_ref(self, ee_id: int | None) -> dict[str, Any] | None:
        ee = self.s.ees.get(ee_id) if ee_id is not None else None
        if ee is None:
            return None
        return {"id": ee.id, "name": ee.name, "description": ee.description, "image": ee.image}

    @_per_request
    def _labels_ref(self, label_ids: tuple[int, ...]) -> dict[str, Any]:
        labels = [self.s.labels[i] for i in label_ids if i in self.s.labels]
        labels.sort(key=lambda lb: lb.name)
        return {
            "count": len(labels),
            "results": [{"id": lb.id, "name": lb.name} for lb in labels[:10]],
        }

    def _cred_refs(self, cred_ids: list[int]) -> list[dict[str, Any]]:
        out = []
        for cid in cred_ids:
            cred = self.s.credentials.get(cid)
            if cred is not None:
                out.append(
                    {
                        "id": cred.id,
                        "name": cred.name,
                        "description": cred.description,
                        "kind": cred.kind,
                        "cloud": False,
                    }
                )
        return out

    def _base(self, kind: str, path: str, obj_id: int) -> dict[str, Any]:
        return {"id": obj_id, "type": kind, "url": f"{self.p}{path}/{obj_id}/"}

    def _links(self, path: str, obj_id: int, names: Iterable[str]) -> dict[str, str]:
        """Sub-resource URLs: {name: <root>path/id/name/}."""
        return {name: f"{self.p}{path}/{obj_id}/{name}/" for name in names}

    def _author_links(self, user_id: int) -> dict[str, str]:
        # Nothing here is edited by another user, so the creator is also the last modifier.
        url = f"{self.p}users/{user_id}/"
        return {"created_by": url, "modified_by": url}

    def _author_refs(self, user_id: int) -> dict[str, Any]:
        ref = self._user_ref(user_id)
        return {"created_by": ref, "modified_by": ref}

    @staticmethod
    def _put_summary(summary: dict[str, Any], key: str, value: Any) -> None:
        if value is not None:
            summary[key] = value

    def _put_job_refs(self, summary: dict[str, Any], job: JobTemplate | UnifiedJob) -> None:
        """Organization, inventory, EE and project refs of a job or its template."""
        self._put_summary(summary, "organization", self._org_ref(job.organization))
        self._put_summary(summary, "inventory", self._inventory_ref(job.inventory))
        self._put_summary(summary, "execution_environment", self._ee_ref(job.execution_environment))
        self._put_summary(summary, "project", self._project_ref(job.project))

    @staticmethod
    def _put_last_job(
        summary: dict[str, Any], last: UnifiedJob, status: str, finished: str | None
    ) -> None:
        failed = status == "failed"
        ref = {"id": last.id, "name": last.name, "description": last.description}
        summary["last_job"] = {**ref, "finished": finished, "status": status, "failed": failed}
        summary["last_update"] = {**ref, "status": status, "failed": failed}

    def project_status(self, project: Project) -> str:
        if project.update_ids:
            return self.s.unified_jobs[project.update_ids[-1]].status(self.now)
        if project.preset_status:
            return project.preset_status
        return "ok" if project.scm_type == "" else "never updated"

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
                "modified": fmt(u.modified or u.created),
                "username": u.username,
                "first_name": u.first_name,
                "last_name": u.last_name,
                "email": u.email,
                "is_superuser": u.is_superuser,
                "is_system_auditor": False,
                "password": ENCRYPTED,
                "ldap_dn": "",
                "last_login": None,
                "external_account": None,
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
                "modified": fmt(u.modified or u.created),
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
                "default_environment": None,
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
        out["related"]["organization"] = f"{self.p}organizations/{inv.organization}/"
        out["summary_fields"] = {
            "organization": self._org_ref(inv.organization),
            **self._author_refs(inv.created_by),
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
                "total_groups": 0,
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
            ),
        )
        out["related"]["inventory"] = f"{self.p}inventories/{h.inventory}/"
        out["summary_fields"] = {
            "inventory": self._inventory_ref(h.inventory),
            **self._author_refs(h.created_by),
            "user_capabilities": {"edit": True, "delete": True},
            "groups": {"count": 0, "results": []},
            "recent_jobs": [],
        }
        out.update(
            {
                "created": fmt(h.created),
                "modified": fmt(h.created),
                "name": h.name,
                "description": h.description,
                "inventory": h.inventory,
                "enabled": h.enabled,
                "instance_id": "",
                "variables": h.variables,
                "has_active_failures": False,
                "has_inventory_sources": False,
                "last_job": None,
                "last_job_host_summary": None,
                "ansible_facts_modified": None,
            }
        )
        return out

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
        out["related"]["credential_type"] = f"{self.p}credential_types/{c.credential_type}/"
        summary: dict[str, Any] = {
            "credential_type": {"id": c.credential_type, "name": c.kind, "description": ""},
            "user_capabilities": {"edit": True, "delete": True, "copy": True, "use": True},
        }
        self._put_summary(summary, "organization", self._org_ref(c.organization))
        out["summary_fields"] = summary
        inputs = {k: (ENCRYPTED if k in SECRET_INPUTS else v) for k, v in c.inputs.items()}
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
                "cloud": False,
                "kubernetes": False,
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
                "capacity_remaining": g.capacity,
            }
        )
        return out

    # -- projects ------------------------------------------------------------------------

    def project(self, pr: Project) -> dict[str, Any]:
        s = self.s
        out = self._base("project", "projects", pr.id)
        related = self._author_links(pr.created_by)
        related.update(
            self._links(
                "projects",
                pr.id,
                (
                    "teams",
                    "playbooks",
                    "inventory_files",
                    "update",
                    "project_updates",
                    "scm_inventory_sources",
                    "schedules",
                    "activity_stream",
                    "notification_templates_started",
                    "notification_templates_success",
                    "notification_templates_error",
                    "access_list",
                    "object_roles",
                    "copy",
                ),
            )
        )
        if pr.organization is not None:
            related["organization"] = f"{self.p}organizations/{pr.organization}/"
        last = s.unified_jobs[pr.update_ids[-1]] if pr.update_ids else None
        if last is not None:
            related["last_update"] = f"{self.p}project_updates/{last.id}/"
            related["current_update" if not last.done else "last_job"] = (
                f"{self.p}project_updates/{last.id}/"
            )
        out["related"] = related
        summary: dict[str, Any] = {}
        self._put_summary(summary, "organization", self._org_ref(pr.organization))
        if last is not None:
            self._put_last_job(
                summary, last, last.status(self.now), fmt(last.finished_at(self.now))
            )
        summary.update(self._author_refs(pr.created_by))
        summary["object_roles"] = {
            key: {"description": f"{name} of the project", "name": name, "id": pr.role_base + i}
            for i, (key, name) in enumerate(
                [
                    ("admin_role", "Admin"),
                    ("use_role", "Use"),
                    ("update_role", "Update"),
                    ("read_role", "Read"),
                ]
            )
        }
        summary["user_capabilities"] = {
            "edit": True,
            "delete": True,
            "start": True,
            "schedule": True,
            "copy": True,
        }
        out["summary_fields"] = summary
        status = self.project_status(pr)
        last_updated = (
            last.finished_at(self.now) if last else (pr.created if pr.preset_status else None)
        )
        out.update(
            {
                "created": fmt(pr.created),
                "modified": fmt(pr.created),
                "name": pr.name,
                "description": pr.description,
                "local_path": pr.local_path or f"_{pr.id}__{_slug(pr.name)}",
                "scm_type": pr.scm_type,
                "scm_url": pr.scm_url,
                "scm_branch": pr.scm_branch,
                "scm_refspec": "",
                "scm_clean": False,
                "scm_track_submodules": False,
                "scm_delete_on_update": False,
                "credential": pr.credential,
                "timeout": pr.timeout,
                "scm_revision": pr.scm_revision,
                "last_job_run": fmt(last_updated),
                "last_job_failed": status == "failed",
                "next_job_run": None,
                "status": status,
                "organization": pr.organization,
                "scm_update_on_launch": pr.scm_update_on_launch,
                "scm_update_cache_timeout": 0,
                "allow_override": pr.allow_override,
                "custom_virtualenv": None,
                "default_environment": pr.default_environment,
                "signature_validation_credential": None,
                "last_update_failed": status == "failed",
                "last_updated": fmt(last_updated),
            }
        )
        return out

    def project_update(self, u: UnifiedJob) -> dict[str, Any]:
        now = self.now
        out = self._base("project_update", "project_updates", u.id)
        out["related"] = self._links(
            "project_updates",
            u.id,
            ("stdout", "cancel", "notifications", "scm_inventory_updates", "events"),
        )
        out["related"]["project"] = f"{self.p}projects/{u.template_id}/"
        out["related"]["unified_job_template"] = f"{self.p}projects/{u.template_id}/"
        summary: dict[str, Any] = {}
        self._put_summary(summary, "organization", self._org_ref(u.organization))
        self._put_summary(summary, "project", self._project_ref(u.template_id))
        summary["unified_job_template"] = {
            "id": u.template_id,
            "name": u.name,
            "description": u.description,
            "unified_job_type": "project_update",
        }
        self._put_summary(summary, "created_by", self._user_ref(u.launched_by))
        summary["user_capabilities"] = {"delete": True, "start": True}
        out["summary_fields"] = summary
        status = u.status(now)
        out.update(
            {
                "created": fmt(u.created),
                "modified": fmt(u.modified_at(now)),
                "name": u.name,
                "description": u.description,
                "unified_job_template": u.template_id,
                "launch_type": u.launch_type,
                "status": status,
                "execution_environment": 1,
                "failed": status == "failed",
                "started": fmt(u.started_at(now)),
                "finished": fmt(u.finished_at(now)),
                "canceled_on": None,
                "elapsed": u.elapsed(now),
                "job_explanation": "",
                "execution_node": NODE if u.started_at(now) else "",
                "launched_by": self._launched_by(u),
                "work_unit_id": u.work_unit_id,
                "project": u.template_id,
                "job_type": "check",
                "job_tags": "update_git,install_roles",
                "scm_revision": u.scm_revision if u.done else "",
            }
        )
        return out

    # -- job templates -------------------------------------------------------------------

    def job_template(self, jt: JobTemplate) -> dict[str, Any]:
        s = self.s
        now = self.now
        out = self._base("job_template", "job_templates", jt.id)
        related = self._author_links(jt.created_by)
        related["labels"] = f"{self.p}job_templates/{jt.id}/labels/"
        if jt.inventory is not None:
            related["inventory"] = f"{self.p}inventories/{jt.inventory}/"
        related["project"] = f"{self.p}projects/{jt.project}/"
        if jt.organization is not None:
            related["organization"] = f"{self.p}organizations/{jt.organization}/"
        related["credentials"] = f"{self.p}job_templates/{jt.id}/credentials/"
        jobs = [s.unified_jobs[i] for i in jt.job_ids]
        finished = [j for j in jobs if j.finished <= now]
        last = max(finished, key=lambda j: (j.finished, j.id)) if finished else None
        if last is not None:
            related["last_job"] = f"{self.p}jobs/{last.id}/"
        if jt.execution_environment is not None:
            related["execution_environment"] = (
                f"{self.p}execution_environments/{jt.execution_environment}/"
            )
        related.update(
            self._links(
                "job_templates",
                jt.id,
                ("jobs", "schedules", "activity_stream", "launch", "webhook_key"),
            )
        )
        related["webhook_receiver"] = ""
        related.update(
            self._links(
                "job_templates",
                jt.id,
                (
                    "notification_templates_started",
                    "notification_templates_success",
                    "notification_templates_error",
                    "access_list",
                    "survey_spec",
                    "object_roles",
                    "instance_groups",
                    "slice_workflow_jobs",
                    "copy",
                ),
            )
        )
        out["related"] = related

        summary: dict[str, Any] = {}
        self._put_job_refs(summary, jt)
        if last is not None:
            self._put_last_job(summary, last, last.final_status, fmt(last.finished))
        summary.update(self._author_refs(jt.created_by))
        summary["object_roles"] = {
            key: {"description": desc, "name": name, "id": jt.role_base + i}
            for i, (key, name, desc) in enumerate(JT_ROLE_NAMES)
        }
        summary["user_capabilities"] = {
            "edit": True,
            "delete": True,
            "start": True,
            "schedule": True,
            "copy": True,
        }
        summary["labels"] = self._labels_ref(tuple(jt.label_ids))
        recent = sorted(jobs, key=lambda j: j.id, reverse=True)[:10]
        summary["recent_jobs"] = [
            {
                "id": j.id,
                "status": j.status(now),
                "finished": fmt(j.finished_at(now)),
                "canceled_on": None,
                "type": "job",
            }
            for j in recent
        ]
        summary["credentials"] = self._cred_refs(jt.credential_ids)
        out["summary_fields"] = summary

        active = [j for j in jobs if j.finished > now]
        status = active[0].status(now) if active else last.final_status if last else "never updated"
        out.update(
            {
                "created": fmt(jt.created),
                "modified": fmt(jt.modified),
                "name": jt.name,
                "description": jt.description,
                "job_type": jt.job_type,
                "inventory": jt.inventory,
                "project": jt.project,
                "playbook": jt.playbook,
                "scm_branch": "",
                "forks": jt.forks,
                "limit": jt.limit,
                "verbosity": jt.verbosity,
                "extra_vars": jt.extra_vars,
                "job_tags": "",
                "force_handlers": False,
                "skip_tags": "",
                "start_at_task": "",
                "timeout": jt.timeout,
                "use_fact_cache": False,
                "organization": jt.organization,
                "last_job_run": fmt(last.finished) if last else None,
                "last_job_failed": bool(last and last.final_status == "failed"),
                "next_job_run": None,
                "status": status,
                "execution_environment": jt.execution_environment,
                "host_config_key": "",
            }
        )
        for name in ASK_FIELDS:
            out[f"ask_{name}_on_launch"] = False
        out["ask_inventory_on_launch"] = jt.ask_inventory_on_launch
        out["ask_variables_on_launch"] = jt.ask_variables_on_launch
        out.update(
            {
                "survey_enabled": False,
                "become_enabled": False,
                "diff_mode": False,
                "allow_simultaneous": jt.allow_simultaneous,
                "custom_virtualenv": None,
                "job_slice_count": 1,
                "webhook_service": "",
                "webhook_credential": None,
                "prevent_instance_group_fallback": False,
            }
        )
        if self.gateway:
            out["opa_query_path"] = jt.opa_query_path
        return out

    # -- jobs ----------------------------------------------------------------------------

    def _launched_by(self, job: UnifiedJob) -> dict[str, Any]:
        user = self.s.users.get(job.launched_by) if job.launched_by is not None else None
        if user is None:
            return {}
        return {
            "id": user.id,
            "name": user.username,
            "type": "user",
            "url": f"{self.p}users/{user.id}/",
        }

    def job(self, j: UnifiedJob, detail: bool = False) -> dict[str, Any]:
        now = self.now
        p = self.p
        jid = j.id
        out: dict[str, Any] = {"id": jid, "type": "job", "url": f"{p}jobs/{jid}/"}
        related: dict[str, Any] = {}
        if j.launched_by is not None:
            related["created_by"] = f"{p}users/{j.launched_by}/"
        related["labels"] = f"{p}jobs/{jid}/labels/"
        if j.inventory is not None:
            related["inventory"] = f"{p}inventories/{j.inventory}/"
        related["project"] = f"{p}projects/{j.project}/"
        if j.organization is not None:
            related["organization"] = f"{p}organizations/{j.organization}/"
        related["credentials"] = f"{p}jobs/{jid}/credentials/"
        related["unified_job_template"] = f"{p}job_templates/{j.template_id}/"
        related["stdout"] = f"{p}jobs/{jid}/stdout/"
        if j.execution_environment is not None:
            related["execution_environment"] = (
                f"{p}execution_environments/{j.execution_environment}/"
            )
        related.update(
            self._links(
                "jobs",
                jid,
                (
                    "job_events",
                    "job_host_summaries",
                    "activity_stream",
                    "notifications",
                    "create_schedule",
                ),
            )
        )
        related["job_template"] = f"{p}job_templates/{j.template_id}/"
        related["cancel"] = f"{p}jobs/{jid}/cancel/"
        related["relaunch"] = f"{p}jobs/{jid}/relaunch/"
        out["related"] = related

        summary: dict[str, Any] = {}
        self._put_job_refs(summary, j)
        summary["job_template"] = {
            "id": j.template_id,
            "name": j.name,
            "description": j.description,
        }
        summary["unified_job_template"] = {
            "id": j.template_id,
            "name": j.name,
            "description": j.description,
            "unified_job_type": "job",
        }
        if j.instance_group is not None and j.started <= now:
            ig = self.s.instance_groups.get(j.instance_group)
            if ig is not None:
                summary["instance_group"] = {
                    "id": ig.id,
                    "name": ig.name,
                    "is_container_group": ig.is_container_group,
                }
        self._put_summary(summary, "created_by", self._user_ref(j.launched_by))
        summary["user_capabilities"] = {"delete": True, "start": True}
        summary["labels"] = self._labels_ref(j.label_ids)
        summary["credentials"] = []
        out["summary_fields"] = summary

        status = j.status(now)
        started = j.started_at(now)
        out.update(
            {
                "created": fmt(j.created),
                "modified": fmt(j.modified_at(now)),
                "name": j.name,
                "description": j.description,
                "unified_job_template": j.template_id,
                "launch_type": j.launch_type,
                "status": status,
                "execution_environment": j.execution_environment,
                "failed": status == "failed",
                "started": fmt(started),
                "finished": fmt(j.finished_at(now)),
                "canceled_on": None,
                "elapsed": j.elapsed(now),
                "job_explanation": "",
                "execution_node": NODE if started else "",
                "controller_node": NODE if started else "",
                "launched_by": self._launched_by(j),
                "work_unit_id": j.work_unit_id if started else None,
                "job_type": j.job_type,
                "inventory": j.inventory,
                "project": j.project,
                "playbook": j.playbook,
                "scm_branch": "",
                "forks": j.forks,
                "limit": j.limit,
                "verbosity": j.verbosity,
                "extra_vars": j.extra_vars,
                "job_tags": "",
                "force_handlers": False,
                "skip_tags": "",
                "start_at_task": "",
                "timeout": j.timeout,
                "use_fact_cache": False,
                "organization": j.organization,
                "job_template": j.template_id,
                "passwords_needed_to_start": [],
                "allow_simultaneous": j.allow_simultaneous,
                "artifacts": {},
                "scm_revision": j.scm_revision if started else "",
                "instance_group": j.instance_group if started else None,
                "diff_mode": False,
                "job_slice_number": 0,
                "job_slice_count": 1,
                "webhook_service": "",
                "webhook_credential": None,
                "webhook_guid": "",
            }
        )
        if detail:
            rows = self.s.summaries_by_job.get(jid, [])
            out.update(
                {
                    "job_args": "[]",
                    "job_cwd": "/runner/project",
                    "job_env": {},
                    "result_traceback": "",
                    "event_processing_finished": j.done,
                    "host_status_counts": _host_counts(rows),
                    "playbook_counts": {
                        "play_count": 1 if j.done else 0,
                        "task_count": 2 if j.done else 0,
                    },
                    "custom_virtualenv": None,
                }
            )
        return out

    def host_summary(self, h: HostSummary) -> dict[str, Any]:
        p = self.p
        job = self.s.unified_jobs[h.job_id]
        host = self.s.hosts.get(h.host_id)
        status = job.status(self.now)
        return {
            "id": h.id,
            "type": "job_host_summary",
            "url": f"{p}job_host_summaries/{h.id}/",
            "related": {"job": f"{p}jobs/{h.job_id}/", "host": f"{p}hosts/{h.host_id}/"},
            "summary_fields": {
                "host": {
                    "id": h.host_id,
                    "name": host.name if host else h.host_name,
                    "description": host.description if host else "",
                },
                "job": {
                    "id": job.id,
                    "name": job.name,
                    "description": job.description,
                    "status": status,
                    "failed": status == "failed",
                    "elapsed": job.elapsed(self.now),
                    "type": "job",
                    "job_template_id": job.template_id,
                    "job_template_name": job.name,
                },
            },
            "created": fmt(h.created),
            "modified": fmt(h.created),
            "job": h.job_id,
            "host": h.host_id,
            "constructed_host": None,
            "host_name": h.host_name,
            "changed": h.changed,
            "dark": h.dark,
            "failures": h.failures,
            "ok": h.ok,
            "processed": h.processed,
            "skipped": h.skipped,
            "failed": h.failed,
            "ignored": h.ignored,
            "rescued": h.rescued,
        }

    # -- OAuth2 --------------------------------------------------------------------------

    def application(self, a: Application, secret: bool = False) -> dict[str, Any]:
        out = self._base(
            "o_auth2_application" if not self.gateway else "application", "applications", a.id
        )
        out["related"] = {
            **self._links("applications", a.id, ("tokens", "activity_stream")),
            "organization": f"{self.p}organizations/{a.organization}/",
        }
        out["summary_fields"] = {
            "organization": self._org_ref(a.organization),
            "user_capabilities": {"edit": True, "delete": True},
            "tokens": {
                "count": sum(1 for t in self.s.tokens.values() if t.application_id == a.id),
                "results": [],
            },
        }
        out.update(
            {
                "created": fmt(a.created),
                "modified": fmt(a.created),
                "name": a.name,
                "description": a.description,
                "client_id": a.client_id,
            }
        )
        if a.client_type == "confidential":
            out["client_secret"] = a.client_secret if secret else ENCRYPTED
        out.update(
            {
                "client_type": a.client_type,
                "redirect_uris": a.redirect_uris,
                "authorization_grant_type": a.authorization_grant_type,
                "skip_authorization": a.skip_authorization,
                "organization": a.organization,
                "app_url": a.app_url,
                "user": self.s.users[a.user_id].gateway_id if self.gateway else a.user_id,
            }
        )
        return out

    def token(self, t: Token, secret: bool = False) -> dict[str, Any]:
        out = self._base("o_auth2_access_token" if not self.gateway else "token", "tokens", t.id)
        user = self.s.users.get(t.user_id)
        user_id = (user.gateway_id if self.gateway else user.id) if user else t.user_id
        out["related"] = {
            "user": f"{self.p}users/{user_id}/",
            "activity_stream": f"{self.p}tokens/{t.id}/activity_stream/",
        }
        if t.application_id is not None:
            out["related"]["application"] = f"{self.p}applications/{t.application_id}/"
        summary: dict[str, Any] = {
            "user": {
                "id": user_id,
                "username": user.username if user else "",
                "first_name": "",
                "last_name": "",
            }
        }
        app = self.s.applications.get(t.application_id) if t.application_id else None
        if app is not None:
            summary["application"] = {"id": app.id, "name": app.name}
        out["summary_fields"] = summary
        out.update(
            {
                "created": fmt(t.created),
                "modified": fmt(t.created),
                "description": t.description,
                "user": user_id,
                "token": t.token if secret else ENCRYPTED,
                "refresh_token": (t.refresh_token if secret else ENCRYPTED)
                if t.refresh_token
                else None,
                "application": t.application_id,
                "expires": fmt(t.expires),
                "scope": t.scope,
                "last_used": fmt(t.last_used),
            }
        )
        return out

    # -- ping ----------------------------------------------------------------------------

    def controller_ping(self) -> dict[str, Any]:
        version = AWX_VERSION[self.s.version]
        heartbeat = fmt(self.now)
        return {
            "ha": False,
            "version": version,
            "active_node": NODE,
            "install_uuid": "6a3c2d4e-8f0b-4c1a-9e7d-5b2f1a0c3d4e",
            "instances": [
                {
                    "node": NODE,
                    "node_type": "hybrid",
                    "uuid": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
                    "heartbeat": heartbeat,
                    "capacity": 136,
                    "version": version,
                }
            ],
            "instance_groups": [
                {"name": g.name, "capacity": g.capacity, "instances": [NODE]}
                for g in sorted(self.s.instance_groups.values(), key=lambda g: g.name)
            ],
        }


SECRET_INPUTS = {
    "password",
    "ssh_key_data",
    "ssh_key_unlock",
    "become_password",
    "token",
    "secret",
    "vault_password",
    "authorize_password",
    "client_secret",
}


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name.lower())


def _host_counts(rows: list[HostSummary]) -> dict[str, int]:
    counts = {"ok": 0, "failures": 0, "changed": 0, "dark": 0, "skipped": 0}
    for row in rows:
        if row.failed:
            counts["failures"] += 1
        elif row.changed:
            counts["changed"] += 1
        else:
            counts["ok"] += 1
    return counts
