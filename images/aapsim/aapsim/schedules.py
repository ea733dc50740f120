"""Schedules of job templates and projects (AWX's ScheduleList/Detail and the templates'
schedules/ sub-lists), their rrule checked and their times computed in rrules.py. The
emulator launches nothing from a schedule."""

from __future__ import annotations

from typing import Any

from . import fields as F
from . import resources as R
from .context import Ctx, Reply, created, ok
from .controller import write_detail
from .errors import ApiError, get_or_404
from .listing import list_objects
from .models import Schedule
from .rrules import rrule_errors

DUPLICATE = ApiError(
    400, {"__all__": ["Schedule with this Unified job template and Name already exists."]}
)


def schedules(ctx: Ctx, template_id: int | None = None) -> Reply:
    s = ctx.state
    if ctx.method == "POST":
        skip = ("unified_job_template",) if template_id is not None else ()
        body, v = ctx.read(R.SCHEDULE, skip=skip)
        if template_id is not None:
            v["unified_job_template"] = template_id
        _check(ctx, body.errors, v)
        body.check()
        if _taken(ctx, v, None):
            raise DUPLICATE
        schedule = Schedule(
            id=s.next_id("schedule"), created=ctx.now, modified=ctx.now,
            created_by=ctx.user_id, **v,
        )  # fmt: skip
        s.schedules[schedule.id] = schedule
        return created(ctx.r.schedule(schedule))
    rows = [
        x for x in s.schedules.values()
        if template_id is None or x.unified_job_template == template_id
    ]  # fmt: skip
    return ok(list_objects(ctx.query, rows, F.SCHEDULE, ctx.r.schedule, R.SCHEDULE))


def template_schedules(ctx: Ctx, id: str) -> Reply:
    return schedules(ctx, get_or_404(ctx.state.job_templates, id).id)


def project_schedules(ctx: Ctx, id: str) -> Reply:
    return schedules(ctx, get_or_404(ctx.state.projects, id).id)


def schedule_detail(ctx: Ctx, id: str) -> Reply:
    schedule: Schedule = get_or_404(ctx.state.schedules, id)

    def clash(values: dict[str, Any]) -> ApiError | None:
        errors: dict[str, list[str]] = {}
        _check(ctx, errors, values)
        if errors:
            return ApiError(400, errors)
        return DUPLICATE if _taken(ctx, values, schedule) else None

    done = write_detail(ctx, schedule, R.SCHEDULE, clash)
    return done or ok(ctx.r.schedule(schedule))


def _check(ctx: Ctx, errors: dict[str, list[str]], values: dict[str, Any]) -> None:
    """What AWX's schedule serializer refuses beyond the field specs."""
    s = ctx.state
    rrule = values.get("rrule")
    if isinstance(rrule, str) and "rrule" not in errors:
        found = rrule_errors(rrule)
        if found:
            errors["rrule"] = found
    template = s.projects.get(values.get("unified_job_template", -1))
    if template is not None and not template.scm_type and "unified_job_template" not in errors:
        errors["unified_job_template"] = ["Manual Project cannot have a schedule set."]


def _taken(ctx: Ctx, values: dict[str, Any], own: Schedule | None) -> bool:
    """AWX's unique (unified_job_template, name)."""
    return any(
        x.name == values["name"] and x.unified_job_template == values["unified_job_template"]
        for x in ctx.state.schedules.values()
        if x is not own
    )
