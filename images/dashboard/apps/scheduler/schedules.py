"""rrule arithmetic for SyncSchedule: when is the next run due."""

from __future__ import annotations

from datetime import UTC, datetime

from dateutil.rrule import rrulestr


def next_run(rule: str, after: datetime) -> datetime | None:
    """The first occurrence strictly after `after`; rules without DTSTART start at `after`."""
    start = after.replace(microsecond=0)
    try:
        occurrences = rrulestr(rule, forceset=True, dtstart=start)
        following = occurrences.after(after)
    except TypeError:  # the rule carries a naive DTSTART: read it as UTC
        occurrences = rrulestr(rule, forceset=True, dtstart=start.replace(tzinfo=None))
        following = occurrences.after(after.astimezone(UTC).replace(tzinfo=None))
        if following is not None:
            following = following.replace(tzinfo=UTC)
    return following
