"""AWX-style timestamps: ISO 8601 with Z, microseconds only when non-zero."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_ISO = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)


def fmt(value: datetime | None) -> str | None:
    if value is None:
        return None
    # Hot path (4 per job in a list): state holds UTC datetimes, so skip the conversion.
    if value.tzinfo is not UTC and value.utcoffset():
        value = value.astimezone(UTC)
    # isoformat() drops the fraction when it is zero, like AWX; an aware value ends "+00:00".
    text = value.isoformat()
    return (text if value.tzinfo is None else text[:-6]) + "Z"


def parse(text: str) -> datetime:
    """Parse what Django's DateTimeField accepts in a filter; raise ValueError otherwise."""
    text = text.strip()
    # A raw '+' in a query string arrives as a space: "...00:00:00 00:00".
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", text)
    match = _ISO.match(text)
    if not match:
        raise ValueError(f"{text!r} is not an ISO 8601 date-time")
    date, hh, mm, ss, frac, zone = match.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    tz = "+00:00" if zone in (None, "Z", "z") else zone
    if len(tz) == 5:
        tz = tz[:3] + ":" + tz[3:]
    base = f"{date}T{hh or '00'}:{mm or '00'}:{ss or '00'}{tz}"
    return datetime.fromisoformat(base).replace(microsecond=micro).astimezone(UTC)
