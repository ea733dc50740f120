"""Projects and their updates."""

from __future__ import annotations

from typing import Any

from ..models import (
    Project,
    UnifiedJob,
)
from ..roles import summary as role_summary
from ..state import NODE
from ..timeutil import fmt
from .base import (
    RendererBase,
    _slug,
)


class ProjectsRenderer(RendererBase):
    """Renders the projects family (see the module docstring)."""

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
        summary["object_roles"] = role_summary("project", pr)
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

    @staticmethod
    def _scm_options(pr: Project | None) -> dict[str, Any]:
        """AWX's ProjectOptionsSerializer fields, which a project update copies."""
        return {
            "local_path": pr.local_path if pr else "",
            "scm_type": pr.scm_type if pr else "",
            "scm_url": pr.scm_url if pr else "",
            "scm_branch": pr.scm_branch if pr else "",
            "scm_refspec": "",
            "scm_clean": False,
            "scm_track_submodules": False,
            "scm_delete_on_update": False,
            "credential": pr.credential if pr else None,
            "timeout": pr.timeout if pr else 0,
        }

    def project_update(self, u: UnifiedJob, detail: bool = False) -> dict[str, Any]:
        now = self.now
        out = self._base("project_update", "project_updates", u.id)
        out["related"] = self._links(
            "project_updates",
            u.id,
            ("stdout", "cancel", "notifications", "scm_inventory_updates", "events"),
        )
        if u.launched_by is not None:
            out["related"]["created_by"] = f"{self.p}users/{u.launched_by}/"
        out["related"]["project"] = f"{self.p}projects/{u.template_id}/"
        out["related"]["unified_job_template"] = f"{self.p}projects/{u.template_id}/"
        out["related"]["execution_environment"] = f"{self.p}execution_environments/1/"
        summary: dict[str, Any] = {}
        self._put_summary(summary, "execution_environment", self._ee_ref(1))
        self._put_summary(summary, "organization", self._org_ref(u.organization))
        self._put_summary(summary, "project", self._project_ref(u.template_id))
        summary["unified_job_template"] = {
            "id": u.template_id,
            "name": u.name,
            "description": u.description,
            "unified_job_type": "project_update",
        }
        self._put_summary(summary, "created_by", self._user_ref(u.launched_by))
        # the control plane's queue runs project updates (a fresh install's controlplane, id 2)
        summary["instance_group"] = {"id": 2, "name": "controlplane", "is_container_group": False}
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
                "canceled_on": fmt(u.canceled_on),
                "elapsed": u.elapsed(now),
                "job_explanation": "",
                "execution_node": NODE if u.started_at(now) else "",
                "launched_by": self._launched_by(u),
                "work_unit_id": u.work_unit_id,
                **self._scm_options(self.s.projects.get(u.template_id)),
                "project": u.template_id,
                "job_type": "check",
                "job_tags": "update_git,install_roles",
                "scm_revision": u.scm_revision if u.done else "",
            }
        )
        if detail:  # AWX's ProjectUpdateDetailSerializer: what the list serializer leaves out
            out.update(
                {
                    "job_args": "[]",
                    "job_cwd": "/var/lib/awx/projects",
                    "job_env": {},
                    "result_traceback": "",
                    "event_processing_finished": u.done,
                    "host_status_counts": {"changed": 1} if u.done else {},
                    "playbook_counts": {
                        "play_count": 1 if u.done else 0,
                        "task_count": 1 if u.done else 0,
                    },
                }
            )
        return out
