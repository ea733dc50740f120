"""What every family of the renderer shares: constants, summary refs, links."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from ..models import (
    HostSummary,
    JobTemplate,
    Project,
    UnifiedJob,
)
from ..state import State

ENCRYPTED = "$encrypted$"
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


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _per_request(build: Callable[[RendererBase, K], V]) -> Callable[[RendererBase, K], V]:
    """Memoise a summary ref for one renderer: the same refs repeat across a page."""
    name = build.__name__

    def cached(self: RendererBase, key: K) -> V:
        memo_key = (name, key)
        if memo_key not in self._memo:
            self._memo[memo_key] = build(self, key)
        return self._memo[memo_key]

    return cached


class RendererBase:
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

    def _template_ref(self, jt_id: int | None) -> dict[str, Any] | None:
        """A job's template as AWX shows it: the live object (a rename shows on old jobs),
        none once the template is deleted (AWX's foreign key is set to null)."""
        jt = self.s.job_templates.get(jt_id) if jt_id is not None else None
        if jt is None:
            return None
        return {"id": jt.id, "name": jt.name, "description": jt.description}

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
            "total_groups": sum(g.inventory == inv.id for g in self.s.groups.values()),
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

    def detail(
        self, body: dict[str, Any], kind: str, name: str, org: int | None, ee: int | None = None
    ) -> dict[str, Any]:
        """What AWX adds to a detail view only: related.named_url (<name>[++<org name>]/)
        and, for what runs in an execution environment, summary_fields.resolved_environment
        (its own, else the global default, id 1)."""
        owner = self.s.orgs.get(org) if org is not None else None
        named = f"{name}++{owner.name}" if owner is not None else name
        body["related"] = {"named_url": f"{self.p}{kind}/{named}/", **body["related"]}
        if kind in ("projects", "job_templates"):
            body["summary_fields"]["resolved_environment"] = self._ee_ref(ee or 1)
        return body

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


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name.lower())


def _host_counts(rows: list[HostSummary]) -> dict[str, int]:
    """Hosts per final state; AWX lists only the states some host is in ({"ok": 1})."""
    counts: dict[str, int] = {}
    for row in rows:
        state = "failures" if row.failed else "changed" if row.changed else "ok"
        counts[state] = counts.get(state, 0) + 1
    return counts
