"""Date arguments of syncdata: ISO date or datetime, read as UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def parse_bound(text: str, *, end: bool) -> datetime:
    """A date alone means its first (since) or last (until) microsecond in UTC."""
    value = text.strip()
    if not value:
        raise ValueError("empty date")
    if len(value) == 10:
        day = date.fromisoformat(value)
        return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def aap_timestamp(moment: datetime) -> str:
    """The form AAP filters expect: UTC, microseconds, Z suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
