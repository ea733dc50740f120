"""A schedule's rrule: checked as AWX's SchedulePreviewSerializer.validate_rrule checks it,
parsed with dateutil as AWX's Schedule.rrulestr parses it, and the times AWX computes from
it (dtstart, dtend, next_run, timezone, until)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from dateutil.rrule import rruleset, rrulestr
from dateutil.tz import tzutc

from .models import Schedule

MAX_COUNT = 999
DTSTART = re.compile(r".*?(DTSTART(;[^:]+)?\:[0-9]+T[0-9]+Z?)")
NAIVE_DTSTART = re.compile(r".*?(DTSTART:[0-9]+T[0-9]+) ")
RULE = re.compile(r".*?(RULE\:[^\s]*)")
NUMBERED_BYDAY = re.compile(r".*?BYDAY[\:\=][0-9]+[a-zA-Z]{2}")


def parse(rrule: str) -> rruleset:
    return rrulestr(rrule, forceset=True)


def rrule_errors(value: str) -> list[str]:
    """AWX's validate_rrule, in its order and words."""
    errors: list[str] = []
    starts = DTSTART.findall(value)
    if not starts:
        errors.append(
            "Valid DTSTART required in rrule. Value should start with: DTSTART:YYYYMMDDTHHMMSSZ"
        )
    if NAIVE_DTSTART.findall(value):
        errors.append("DTSTART cannot be a naive datetime.  Specify ;TZINFO= or YYYYMMDDTHHMMSSZZ.")
    if len(starts) > 1:
        errors.append("Multiple DTSTART is not supported.")
    lowered = value.lower()
    if "rrule:" not in lowered:
        errors.append("One or more rule required in rrule.")
    for word in ("exdate", "rdate"):
        if f"{word}:" in lowered:
            return [f"{word.upper()} not allowed in rrule."]
    for rule in RULE.findall(value):
        if "interval" not in rule.lower():
            errors.append(f"INTERVAL required in rrule: {rule}")
        elif "secondly" in rule.lower():
            errors.append(f"SECONDLY is not supported: {rule}")
        if NUMBERED_BYDAY.match(rule):
            errors.append(f"BYDAY with numeric prefix not supported: {rule}")
        if "COUNT" in rule and "UNTIL" in rule:
            errors.append(f"RRULE may not contain both COUNT and UNTIL: {rule}")
        count = re.match(r".*?(COUNT\=[0-9]+)", rule)
        if count and int(count.group(1).split("=")[1]) > MAX_COUNT:
            errors.append(f"COUNT > 999 is unsupported: {rule}")
    try:
        parse(value)
    except (ValueError, TypeError, IndexError) as exc:
        errors.append(f"rrule parsing failed validation: {exc}")
    return errors


def computed(schedule: Schedule, now: datetime) -> dict[str, Any]:
    """dtstart, dtend, next_run (UTC; none when disabled), timezone and until."""
    rules = parse(schedule.rrule)
    first = rules._rrule[0]  # a set keeps its rules only there
    utc = tzutc()
    tzinfo = first._dtstart.tzinfo
    zone = "UTC" if tzinfo is None or tzinfo == utc else _zone_name(tzinfo)
    bounded = any(r._count or r._until for r in rules._rrule)
    start = next(iter(rules), None)  # an unbounded rule runs to year 9999: never count it
    last = list(rules)[-1] if bounded and start is not None else None
    nxt = rules.after(now) if schedule.enabled else None
    until = ""
    if first._until:
        until = first._until.astimezone(tzinfo).replace(tzinfo=None).isoformat()
    return {
        "dtstart": start.astimezone(utc) if start is not None else None,
        "dtend": last.astimezone(utc) if last else None,
        "next_run": nxt.astimezone(utc) if nxt else None,
        "timezone": zone,
        "until": until,
    }


def _zone_name(tzinfo: Any) -> str:
    name = getattr(tzinfo, "_filename", "") or ""
    marker = "zoneinfo/"
    return name.split(marker, 1)[1] if marker in name else name
