"""Jobs and their host summaries."""

from __future__ import annotations

from typing import Any

from ..events import Event
from ..models import (
    HostSummary,
    UnifiedJob,
)
from ..state import NODE
from ..timeutil import fmt
from .base import (
    RendererBase,
    _host_counts,
)

# AWX's JobEvent.LEVEL_FOR_EVENT (awx/main/models/events.py EVENT_TYPES); host results 3
EVENT_LEVELS = {
    "playbook_on_start": 0,
    "playbook_on_play_start": 1,
    "playbook_on_stats": 1,
    "playbook_on_task_start": 2,
}


class JobsRenderer(RendererBase):
    """Renders the jobs family (see the module docstring)."""

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

    def _workflow_ref(self, workflow_id: int | None) -> dict[str, Any]:
        """summary_fields.source_workflow_job: AWX's SUMMARIZABLE_FK_FIELDS['job'] of the
        workflow job, its None values left out ({} once the workflow job is gone)."""
        wf = self.s.unified_jobs.get(workflow_id) if workflow_id is not None else None
        if wf is None:
            return {}
        status = wf.status(self.now)
        ref = {
            "id": wf.id,
            "name": wf.name,
            "description": wf.description,
            "status": status,
            "failed": status == "failed",
            "elapsed": wf.elapsed(self.now),
            "type": "workflow_job",
            "canceled_on": fmt(wf.canceled_on),
        }
        return {k: v for k, v in ref.items() if v is not None}

    def workflow_job(self, w: UnifiedJob) -> dict[str, Any]:
        """AWX's WorkflowJobSerializer (a sliced template's launch, or a workflow's run)."""
        now, p, wid = self.now, self.p, w.id
        out: dict[str, Any] = self._base("workflow_job", "workflow_jobs", wid)
        template = self._template_ref(w.template_id) if w.is_sliced_job else None
        related: dict[str, Any] = {}
        if w.launched_by is not None:
            related["created_by"] = f"{p}users/{w.launched_by}/"
            related["modified_by"] = f"{p}users/{w.launched_by}/"
        if template:
            related["unified_job_template"] = f"{p}job_templates/{template['id']}/"
            related["job_template"] = f"{p}job_templates/{template['id']}/"
        if w.inventory is not None:
            related["inventory"] = f"{p}inventories/{w.inventory}/"
        related.update(
            self._links("workflow_jobs", wid, ("labels", "activity_stream", "relaunch", "cancel"))
        )  # fmt: skip
        out["related"] = related
        summary: dict[str, Any] = {}
        if w.organization is not None:
            self._put_summary(summary, "organization", self._org_ref(w.organization))
        self._put_summary(summary, "inventory", self._inventory_ref(w.inventory))
        if template:
            summary["job_template"] = template
            summary["unified_job_template"] = {**template, "unified_job_type": "job"}
        self._put_summary(summary, "created_by", self._user_ref(w.launched_by))
        self._put_summary(summary, "modified_by", self._user_ref(w.launched_by))
        summary["user_capabilities"] = {"delete": True, "start": True}
        summary["labels"] = self._labels_ref(())
        out["summary_fields"] = summary
        status = w.status(now)
        out.update(
            {
                "created": fmt(w.created),
                "modified": fmt(w.modified_at(now)),
                "name": w.name,
                "description": w.description,
                "unified_job_template": template["id"] if template else None,
                "launch_type": w.launch_type,
                "status": status,
                "failed": status == "failed",
                "started": fmt(w.started_at(now)),
                "finished": fmt(w.finished_at(now)),
                "canceled_on": fmt(w.canceled_on),
                "elapsed": w.elapsed(now),
                "job_explanation": "",
                "launched_by": self._launched_by(w),
                "work_unit_id": None,
                "workflow_job_template": None,
                "extra_vars": "{}",
                "allow_simultaneous": False,
                "job_template": template["id"] if template else None,
                "is_sliced_job": w.is_sliced_job,
                "inventory": w.inventory,
                "limit": w.limit or None,
                "scm_branch": None,
                "webhook_service": "",
                "webhook_credential": None,
                "webhook_guid": "",
                "skip_tags": None,
                "job_tags": None,
            }
        )
        return out

    def job(self, j: UnifiedJob, detail: bool = False) -> dict[str, Any]:
        now = self.now
        p = self.p
        jid = j.id
        out: dict[str, Any] = {"id": jid, "type": "job", "url": f"{p}jobs/{jid}/"}
        template = self._template_ref(j.template_id)
        template_id = template["id"] if template else None
        related: dict[str, Any] = {}
        if j.launched_by is not None:
            related["created_by"] = f"{p}users/{j.launched_by}/"
        related["labels"] = f"{p}jobs/{jid}/labels/"
        if j.inventory is not None:
            related["inventory"] = f"{p}inventories/{j.inventory}/"
        if j.project is not None:
            related["project"] = f"{p}projects/{j.project}/"
        if j.organization is not None:
            related["organization"] = f"{p}organizations/{j.organization}/"
        related["credentials"] = f"{p}jobs/{jid}/credentials/"
        if template:
            related["unified_job_template"] = f"{p}job_templates/{template_id}/"
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
        if template:
            related["job_template"] = f"{p}job_templates/{template_id}/"
        if j.workflow_job is not None:
            related["source_workflow_job"] = f"{p}workflow_jobs/{j.workflow_job}/"
        related["cancel"] = f"{p}jobs/{jid}/cancel/"
        related["relaunch"] = f"{p}jobs/{jid}/relaunch/"
        out["related"] = related

        summary: dict[str, Any] = {}
        self._put_job_refs(summary, j)
        if j.launch_type == "workflow":
            summary["source_workflow_job"] = self._workflow_ref(j.workflow_job)
        if template:
            summary["job_template"] = template
            summary["unified_job_template"] = {**template, "unified_job_type": "job"}
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
                "unified_job_template": template_id,
                "launch_type": j.launch_type,
                "status": status,
                "execution_environment": j.execution_environment,
                "failed": status == "failed",
                "started": fmt(started),
                "finished": fmt(j.finished_at(now)),
                "canceled_on": fmt(j.canceled_on),
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
                "job_template": template_id,
                "passwords_needed_to_start": [],
                "allow_simultaneous": j.allow_simultaneous,
                "artifacts": {},
                "scm_revision": j.scm_revision if started else "",
                "instance_group": j.instance_group if started else None,
                "diff_mode": False,
                "job_slice_number": j.slice_number,
                "job_slice_count": j.slice_count,
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

    def job_event(self, e: Event) -> dict[str, Any]:
        """AWX's JobEventSerializer / ProjectUpdateEventSerializer (events.py)."""
        p = self.p
        job = self.s.unified_jobs[e.job_id]
        is_job = job.kind == "job"
        kind, parent = (
            ("job_event", "jobs") if is_job else ("project_update_event", "project_updates")
        )
        owner = "job" if is_job else "project_update"
        related: dict[str, Any] = {owner: f"{p}{parent}/{job.id}/"}
        summary: dict[str, Any] = {}
        if is_job:
            related["children"] = f"{p}job_events/{e.id}/children/"
            host = self.s.hosts.get(e.host_id) if e.host_id is not None else None
            if host is not None:
                related["host"] = f"{p}hosts/{host.id}/"
                summary["host"] = {
                    "id": host.id,
                    "name": host.name,
                    "description": host.description,
                }
            summary["job"] = {
                "id": job.id,
                "name": job.name,
                "status": job.status(self.now),
                "failed": job.final_status == "failed",
                "elapsed": job.elapsed(self.now),
                "type": "job",
            }
            summary["role"] = {}
        out: dict[str, Any] = {
            "id": e.id,
            "type": kind,
            "url": f"{p}{kind}s/{e.id}/",
            "related": related,
            "summary_fields": summary,
            "created": fmt(e.created),
            "modified": fmt(e.created),
            owner: job.id,
            "event": e.event,
            "counter": e.counter,
            "event_display": e.display,
            "event_data": {"playbook": e.playbook} | ({"host": e.host_name} if e.host_name else {}),
            "event_level": EVENT_LEVELS.get(e.event, 3),
            "failed": e.failed,
            "changed": False,
            "uuid": e.uuid,
        }
        if is_job:  # ProjectUpdateEventSerializer has no parent_uuid
            out["parent_uuid"] = e.parent_uuid
        if is_job:
            out["host"] = e.host_id if e.host_id in self.s.hosts else None
        out |= {
            "host_name": e.host_name,
            "playbook": e.playbook,
            "play": e.play,
            "task": e.task,
            "role": "",
            "stdout": e.stdout,
            "start_line": e.start_line,
            "end_line": e.end_line,
            "verbosity": 0,
        }
        return out

    def host_summary(self, h: HostSummary) -> dict[str, Any]:
        p = self.p
        job = self.s.unified_jobs[h.job_id]
        host = self.s.hosts.get(h.host_id)
        status = job.status(self.now)
        job_ref = {
            "id": job.id,
            "name": job.name,
            "description": job.description,
            "status": status,
            "failed": status == "failed",
            "elapsed": job.elapsed(self.now),
            "type": "job",
        }
        template = self._template_ref(job.template_id)
        if template:  # AWX adds these only while the job's template exists
            job_ref["job_template_id"] = template["id"]
            job_ref["job_template_name"] = template["name"]
        return {
            "id": h.id,
            "type": "job_host_summary",
            "url": f"{p}job_host_summaries/{h.id}/",
            # AWX: JobHostSummary.host is SET_NULL when the host is deleted; host_name stays,
            # and the serializer leaves out the related link and summary of a null key.
            "related": {"job": f"{p}jobs/{h.job_id}/"}
            | ({"host": f"{p}hosts/{h.host_id}/"} if host else {}),
            "summary_fields": (
                {"host": {"id": h.host_id, "name": host.name, "description": host.description}}
                if host
                else {}
            )
            | {"job": job_ref},
            "created": fmt(h.created),
            "modified": fmt(h.created),
            "job": h.job_id,
            "host": h.host_id if host else None,
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
