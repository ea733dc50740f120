"""Controller handlers for job templates (labels, launch) and jobs (labels, host summaries)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import edit
from . import fields as F
from . import resources as R
from .context import Ctx, Reply, created, no_content, ok
from .controller import create_label, unified_job_or_404
from .errors import ApiError, get_or_404, not_found
from .events import events_of, stdout_text
from .launch import PROMPTS
from .listing import jobs_fast_path, list_objects
from .models import JobTemplate, UnifiedJob
from .schema import Resource
from .validate import duplicate

MAX_LABELS = 100


# -- job templates ------------------------------------------------------------------------


def job_templates(ctx: Ctx) -> Reply:
    s = ctx.state
    if ctx.method == "POST":
        jt = save_job_template(ctx, None)
        return created(ctx.r.job_template(jt))
    return ok(
        list_objects(
            ctx.query,
            list(s.job_templates.values()),
            F.JOB_TEMPLATE,
            ctx.r.job_template,
            R.JOB_TEMPLATE,
        )
    )


def save_job_template(ctx: Ctx, jt: JobTemplate | None, partial: bool = False) -> JobTemplate:
    """Create (jt None) or update (PUT/PATCH) a job template with AWX's checks."""
    s = ctx.state
    current = None
    if jt is not None:
        current = {
            spec.name: getattr(jt, spec.name)
            if hasattr(jt, spec.name)
            else jt.options.get(spec.name)
            for spec in R.JOB_TEMPLATE.writable
            if hasattr(jt, spec.name) or spec.name in jt.options
        }
    body, v = ctx.read(R.JOB_TEMPLATE, partial=partial, current=current)
    if (
        v["inventory"] is None
        and not v["ask_inventory_on_launch"]
        and "inventory" not in body.errors
    ):
        body.errors.setdefault("inventory", []).append(
            "Job Template must provide 'inventory' or allow prompting for it."
        )
    project = s.projects.get(v["project"]) if v["project"] is not None else None
    if (
        project is not None
        and v["playbook"]
        and "playbook" not in body.errors
        and (jt is None or body.has("playbook") or body.has("project"))
        and v["playbook"] not in project.playbooks
    ):
        body.errors.setdefault("playbook", []).append("Playbook not found for project.")
    body.check()
    assert project is not None
    org = project.organization
    if any(
        o.name == v["name"] and o.organization == org and o is not jt
        for o in s.job_templates.values()
    ):
        raise duplicate("Job Template")
    if jt is None:
        jt = JobTemplate(
            id=s.next_id("ujt"),
            name=v["name"],
            description=v["description"],
            organization=org,
            inventory=v["inventory"],
            project=project.id,
            playbook=v["playbook"],
            created=ctx.now,
            modified=ctx.now,
            role_base=s.roles_for(R.JOB_TEMPLATE),
            created_by=ctx.user_id,
        )
        s.job_templates[jt.id] = jt
    for name, value in v.items():
        if hasattr(jt, name):
            setattr(jt, name, value)
        else:
            jt.options[name] = value
    jt.organization = org
    jt.modified = ctx.now
    return jt


def job_template_detail(ctx: Ctx, id: str) -> Reply:
    jt: JobTemplate = get_or_404(ctx.state.job_templates, id)
    if ctx.method == "DELETE":
        return edit.delete(ctx, jt)
    if ctx.method in ("PATCH", "PUT"):
        jt = save_job_template(ctx, jt, partial=ctx.method == "PATCH")
    body = ctx.r.job_template(jt)
    return ok(
        ctx.r.detail(body, "job_templates", jt.name, jt.organization, jt.execution_environment)
    )


def job_template_labels(ctx: Ctx, id: str) -> Reply:
    """AWX's attach/detach sub-list: by id, or by name+organization (created when missing)."""
    s = ctx.state
    jt: JobTemplate = get_or_404(s.job_templates, id)
    if ctx.method == "GET":
        return _label_list(ctx, jt.label_ids)
    body = ctx.body()
    data = body.data
    if "id" not in data:
        if data.get("disassociate"):
            raise ApiError(400, {"msg": "'id' is required to disassociate"})
        existing = next(
            (
                lb
                for lb in s.labels.values()
                if lb.name == data.get("name")
                and str(lb.organization) == str(data.get("organization"))
            ),
            None,
        )
        if existing is None:
            _check_label_room(jt)
            label = create_label(ctx)
            jt.label_ids.append(label.id)
            return created(ctx.r.label(label))
        data = {"id": existing.id}
    raw_id = data["id"]
    if isinstance(raw_id, bool) or not isinstance(raw_id, int | str) or not str(raw_id).isdigit():
        raise ApiError(400, {"msg": '"id" field must be an integer.'})
    label_id = int(raw_id)
    if label_id not in s.labels:
        raise not_found()
    if data.get("disassociate"):
        if label_id in jt.label_ids:
            jt.label_ids.remove(label_id)
        if not _label_in_use(ctx, label_id):
            del s.labels[label_id]
        return no_content()
    if label_id not in jt.label_ids:
        _check_label_room(jt)
        jt.label_ids.append(label_id)
    return no_content()


def _label_list(ctx: Ctx, label_ids: Sequence[int]) -> Reply:
    rows = [ctx.state.labels[i] for i in label_ids if i in ctx.state.labels]
    return ok(list_objects(ctx.query, rows, F.LABEL, ctx.r.label, R.LABEL))


def _check_label_room(jt: JobTemplate) -> None:
    if len(jt.label_ids) >= MAX_LABELS:
        raise ApiError(400, {"msg": "Maximum number of labels for job_template reached."})


def _label_in_use(ctx: Ctx, label_id: int) -> bool:
    s = ctx.state
    if any(label_id in jt.label_ids for jt in s.job_templates.values()):
        return True
    return any(label_id in s.unified_jobs[i].label_ids for i in s.job_ids)


def job_template_launch(ctx: Ctx, id: str) -> Reply:
    s = ctx.state
    jt: JobTemplate = get_or_404(s.job_templates, id)
    if ctx.method == "GET":
        return ok(_launch_info(ctx, jt))
    data = ctx.body().data
    if jt.inventory is None or jt.inventory not in s.inventories:
        raise ApiError(400, {"inventory": ["Job Template 'inventory' is missing or undefined."]})
    project = s.projects.get(jt.project)
    if project is None or jt.playbook not in project.playbooks:
        raise ApiError(400, {"playbook": ["Playbook not found for project."]})
    hosts = len(s.inventory_host_ids(jt.inventory))
    slices = min(int(jt.options.get("job_slice_count", 1) or 1), hosts)
    if slices > 1:  # AWX launches a workflow job of the slices instead
        workflow = s.launch_sliced(jt, slices, ctx.user_id, ctx.now)
        body = ctx.r.workflow_job(workflow)
        reply = {"job": workflow.id, "ignored_fields": {}, **body}
        return Reply(201, reply, {"Location": body["url"]})
    job = s.launch(jt, ctx.user_id, ctx.now)
    body = ctx.r.job(job, detail=True)
    accepted = {"extra_vars"} if jt.ask_variables_on_launch else set()
    ignored = {k: v for k, v in data.items() if k not in accepted}
    reply = {"job": job.id, "ignored_fields": ignored, **body}
    return Reply(201, reply, {"Location": body["url"]})


def _launch_info(ctx: Ctx, jt: JobTemplate) -> dict[str, Any]:
    """GET .../launch/ as AWX 24.6.1 answers it (keys in its order)."""
    s = ctx.state
    asks = {p: False for p in PROMPTS}
    asks["inventory"], asks["variables"] = jt.ask_inventory_on_launch, jt.ask_variables_on_launch
    out: dict[str, Any] = {
        "can_start_without_user_input": jt.inventory is not None,
        "passwords_needed_to_start": [],
        **{f"ask_{p}_on_launch": asked for p, asked in asks.items()},
        "survey_enabled": False,
        "variables_needed_to_start": [],
        "credential_needed_to_start": False,
        "inventory_needed_to_start": jt.inventory is None,
        "job_template_data": {"name": jt.name, "id": jt.id, "description": jt.description},
    }
    defaults: dict[str, Any] = {}
    inv = s.inventories.get(jt.inventory) if jt.inventory else None
    if inv is not None:
        defaults["inventory"] = {"name": inv.name, "id": inv.id}
    defaults.update({"limit": jt.limit, "scm_branch": ""})
    labels = [s.labels[i] for i in jt.label_ids if i in s.labels]
    if labels:  # AWX leaves out the lists a template has nothing in
        defaults["labels"] = [{"id": lb.id, "name": lb.name} for lb in labels]
    defaults.update(
        {
            "job_tags": "",
            "skip_tags": "",
            "extra_vars": jt.extra_vars,
            "diff_mode": False,
            "job_type": jt.job_type,
            "verbosity": jt.verbosity,
        }
    )
    credentials = [s.credentials[i] for i in jt.credential_ids if i in s.credentials]
    if credentials:
        defaults["credentials"] = [
            {"id": c.id, "name": c.name, "credential_type": c.credential_type,
             "passwords_needed": []}
            for c in credentials
        ]  # fmt: skip
    ee = s.ees.get(jt.execution_environment) if jt.execution_environment else None
    defaults["execution_environment"] = {"id": ee.id, "name": ee.name} if ee else {}
    defaults.update(
        {
            "forks": jt.forks,
            "job_slice_count": jt.options.get("job_slice_count", 1),
            "timeout": jt.timeout,
            "instance_groups": [],
        }
    )
    out["defaults"] = defaults
    return out


def job_template_jobs(ctx: Ctx, id: str) -> Reply:
    s = ctx.state
    jt: JobTemplate = get_or_404(s.job_templates, id)
    rows = [s.unified_jobs[i] for i in jt.job_ids]
    return ok(list_objects(ctx.query, rows, F.unified_job(ctx.now), ctx.r.job, R.JOB))


# -- jobs ---------------------------------------------------------------------------------


def jobs(ctx: Ctx) -> Reply:
    s = ctx.state
    now = ctx.now
    fast = jobs_fast_path(
        ctx.query,
        s.job_ids,
        s.finished_index,
        lambda: [i for i in s.job_ids if not s.unified_jobs[i].done],
        s.unified_jobs.__getitem__,
        ctx.r.job,
    )
    if fast is not None:
        return ok(fast)
    return ok(list_objects(ctx.query, s.jobs(), F.unified_job(now), ctx.r.job, R.JOB))


def workflow_jobs(ctx: Ctx) -> Reply:
    """Workflow jobs: here, those of sliced templates' launches (and the control surface's)."""
    s = ctx.state
    rows = [j for j in s.unified_jobs.values() if j.kind == "workflow_job"]
    fields = F.unified_job(ctx.now, R.WORKFLOW_JOB)
    return ok(list_objects(ctx.query, rows, fields, ctx.r.workflow_job, R.WORKFLOW_JOB))


def workflow_job_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.workflow_job(unified_job_or_404(ctx, id, "workflow_job")))


def _job(ctx: Ctx, id: str) -> UnifiedJob:
    return unified_job_or_404(ctx, id, "job")


def job_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.job(_job(ctx, id), detail=True))


def job_labels(ctx: Ctx, id: str) -> Reply:
    return _label_list(ctx, _job(ctx, id).label_ids)


def job_host_summaries(ctx: Ctx, id: str) -> Reply:
    job = _job(ctx, id)
    rows = ctx.state.summaries_by_job.get(job.id, [])
    return ok(list_objects(ctx.query, rows, F.HOST_SUMMARY, ctx.r.host_summary, R.HOST_SUMMARY))


def job_events(ctx: Ctx, id: str) -> Reply:
    return _events(ctx, _job(ctx, id), R.JOB_EVENT)


def project_update_events(ctx: Ctx, id: str) -> Reply:
    return _events(ctx, unified_job_or_404(ctx, id, "project_update"), R.PROJECT_UPDATE_EVENT)


def _events(ctx: Ctx, job: UnifiedJob, resource: Resource) -> Reply:
    rows = events_of(ctx.state, job)
    return ok(list_objects(ctx.query, rows, F.JOB_EVENT, ctx.r.job_event, resource))


def job_stdout(ctx: Ctx, id: str) -> Reply:
    return _stdout(ctx, _job(ctx, id))


def project_update_stdout(ctx: Ctx, id: str) -> Reply:
    return _stdout(ctx, unified_job_or_404(ctx, id, "project_update"))


# ?format= of AWX's UnifiedJobStdout: the text ones; json (the default for an API client)
TEXT_FORMATS = {
    "txt": "inline",
    "ansi": "inline",
    "txt_download": "attachment",
    "ansi_download": "attachment",
}


def _stdout(ctx: Ctx, job: UnifiedJob) -> Reply:
    text = stdout_text(events_of(ctx.state, job))
    fmt = dict(ctx.query.params).get("format", "json")
    if fmt in TEXT_FORMATS:
        headers = {}
        if TEXT_FORMATS[fmt] == "attachment":
            kind = "job" if job.kind == "job" else "project"
            headers["Content-Disposition"] = f'attachment; filename="{kind}_{job.id}.txt"'
        # AWX's download renderer answers text/plain without a charset (tests/awx)
        media = "text/plain" if TEXT_FORMATS[fmt] == "attachment" else "text/plain; charset=utf-8"
        return Reply(200, text, headers, media_type=media)
    if fmt != "json":
        raise ApiError(404, {"detail": "Not found."})
    lines = text.count("\r\n")
    return ok({"range": {"start": 0, "end": lines, "absolute_end": lines}, "content": text})


def job_cancel(ctx: Ctx, id: str) -> Reply:
    return _cancel(ctx, _job(ctx, id))


def project_update_cancel(ctx: Ctx, id: str) -> Reply:
    return _cancel(ctx, unified_job_or_404(ctx, id, "project_update"))


def _cancel(ctx: Ctx, job: UnifiedJob) -> Reply:
    """AWX's GenericCancelView: GET can_cancel; POST 202 with no body, or 405 once it is over."""
    can_cancel = not job.done and ctx.now < job.finished
    if ctx.method == "GET":
        return ok({"can_cancel": can_cancel})
    if not ctx.state.cancel(job, ctx.now):
        raise ApiError(405, {"detail": 'Method "POST" not allowed.'})
    return Reply(202, None)


def job_relaunch(ctx: Ctx, id: str) -> Reply:
    """AWX's JobRelaunch: GET what a relaunch needs; POST a copy of the job (201), refused
    when its project or inventory is gone, as JobRelaunchSerializer.validate refuses it."""
    s = ctx.state
    job = _job(ctx, id)
    if ctx.method == "GET":
        summaries = s.summaries_by_job.get(job.id, [])
        counts: Any = {"all": len(summaries), "failed": sum(r.failed for r in summaries)}
        if not job.done:
            counts = "Relaunch by host status not available until job finishes running."
        return ok({"passwords_needed_to_start": [], "retry_counts": counts})
    if job.project is None or job.project not in s.projects:
        raise ApiError(400, {"errors": ["Job Template Project is missing or undefined."]})
    if job.inventory is None or job.inventory not in s.inventories:
        raise ApiError(400, {"errors": ["Job Template Inventory is missing or undefined."]})
    new = s.relaunch(job, ctx.user_id, ctx.now)
    body = ctx.r.job(new)
    return Reply(201, {**body, "job": new.id}, {"Location": body["url"]})


def host_summary_detail(ctx: Ctx, id: str) -> Reply:
    return ok(ctx.r.host_summary(get_or_404(ctx.state.summaries, id)))
