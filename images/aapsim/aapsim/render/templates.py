"""Job templates."""

from __future__ import annotations

from typing import Any

from ..models import (
    JobTemplate,
    Schedule,
)
from ..resources import TEMPLATE_PROMPTS
from ..roles import summary as role_summary
from ..rrules import computed
from ..timeutil import fmt
from .base import (
    RendererBase,
)


class TemplatesRenderer(RendererBase):
    """Renders the templates family (see the module docstring)."""

    # -- job templates -------------------------------------------------------------------

    def job_template(self, jt: JobTemplate) -> dict[str, Any]:
        s = self.s
        now = self.now
        opt = jt.options.get
        out = self._base("job_template", "job_templates", jt.id)
        related = self._author_links(jt.created_by)
        related["labels"] = f"{self.p}job_templates/{jt.id}/labels/"
        if jt.inventory is not None:
            related["inventory"] = f"{self.p}inventories/{jt.inventory}/"
        if jt.project is not None:
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
        summary["object_roles"] = role_summary("job_template", jt)
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
                "scm_branch": opt("scm_branch", ""),
                "forks": jt.forks,
                "limit": jt.limit,
                "verbosity": jt.verbosity,
                "extra_vars": jt.extra_vars,
                "job_tags": opt("job_tags", ""),
                "force_handlers": opt("force_handlers", False),
                "skip_tags": opt("skip_tags", ""),
                "start_at_task": opt("start_at_task", ""),
                "timeout": jt.timeout,
                "use_fact_cache": opt("use_fact_cache", False),
                "organization": jt.organization,
                "last_job_run": fmt(last.finished) if last else None,
                "last_job_failed": bool(last and last.final_status == "failed"),
                "next_job_run": None,
                "status": status,
                "execution_environment": jt.execution_environment,
                "host_config_key": opt("host_config_key", ""),
            }
        )
        for name in TEMPLATE_PROMPTS:
            out[f"ask_{name}_on_launch"] = opt(f"ask_{name}_on_launch", False)
        out["ask_inventory_on_launch"] = jt.ask_inventory_on_launch
        out["ask_variables_on_launch"] = jt.ask_variables_on_launch
        out.update(
            {
                "survey_enabled": opt("survey_enabled", False),
                "become_enabled": opt("become_enabled", False),
                "diff_mode": opt("diff_mode", False),
                "allow_simultaneous": jt.allow_simultaneous,
                "custom_virtualenv": None,
                "job_slice_count": opt("job_slice_count", 1),
                "webhook_service": opt("webhook_service", ""),
                "webhook_credential": opt("webhook_credential"),
                "prevent_instance_group_fallback": opt("prevent_instance_group_fallback", False),
            }
        )
        if self.gateway:
            out["opa_query_path"] = jt.opa_query_path
        return out

    def schedule(self, x: Schedule) -> dict[str, Any]:
        """AWX's ScheduleSerializer: the rrule's computed times, the template's inventory
        and project where the schedule sets none of its own."""
        template = self.s.job_templates.get(x.unified_job_template)
        project = self.s.projects.get(x.unified_job_template)
        inventory = x.inventory if x.inventory is not None else getattr(template, "inventory", None)
        out = self._base("schedule", "schedules", x.id)
        related = {
            **self._author_links(x.created_by),
            **self._links("schedules", x.id, ("labels", "credentials", "instance_groups")),
            "unified_jobs": f"{self.p}schedules/{x.id}/jobs/",
        }
        if x.execution_environment is not None:
            related["execution_environment"] = (
                f"{self.p}execution_environments/{x.execution_environment}/"
            )
        if template is not None:
            related["unified_job_template"] = f"{self.p}job_templates/{template.id}/"
            related["project"] = f"{self.p}projects/{template.project}/"
        elif project is not None:
            related["unified_job_template"] = f"{self.p}projects/{project.id}/"
        if inventory is not None:
            related["inventory"] = f"{self.p}inventories/{inventory}/"
        out["related"] = related
        owner = template or project
        summary: dict[str, Any] = {}
        if owner is not None:
            summary["unified_job_template"] = {
                "id": owner.id,
                "name": owner.name,
                "description": owner.description,
                "unified_job_type": "job" if template is not None else "project_update",
            }
        summary.update(self._author_refs(x.created_by))
        summary["user_capabilities"] = {"edit": True, "delete": True}
        self._put_summary(summary, "inventory", self._inventory_ref(inventory))
        out["summary_fields"] = summary
        times = computed(x, self.now)
        out.update(
            {
                "created": fmt(x.created),
                "modified": fmt(x.modified),
                "rrule": x.rrule,
                "name": x.name,
                "description": x.description,
                "extra_data": x.extra_data,
                "inventory": x.inventory,
                "scm_branch": x.scm_branch,
                "job_type": x.job_type,
                "job_tags": x.job_tags,
                "skip_tags": x.skip_tags,
                "limit": x.limit,
                "diff_mode": x.diff_mode,
                "verbosity": x.verbosity,
                "execution_environment": x.execution_environment,
                "forks": x.forks,
                "job_slice_count": x.job_slice_count,
                "timeout": x.timeout,
                "unified_job_template": x.unified_job_template,
                "enabled": x.enabled,
                "dtstart": fmt(times["dtstart"]),
                "dtend": fmt(times["dtend"]),
                "next_run": fmt(times["next_run"]),
                "timezone": times["timezone"],
                "until": times["until"],
            }
        )
        return out
