"""List envelopes as AWX/DRF write them: page links, counts; filters live in filters.py."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

from .errors import ApiError
from .filters import RESERVED, Field, Fields, convert, parse_filters, parse_order
from .schema import Resource

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 200


@dataclass
class Query:
    """What the request asked for, parsed once."""

    path: str
    raw_query: str
    params: list[tuple[str, str]]

    def first(self, key: str) -> str | None:
        for k, v in self.params:
            if k == key:
                return v
        return None


def sort_items(fields: Fields, items: list[Any], order: list[tuple[str, bool]]) -> list[Any]:
    # Stable sorts from the last key to the first; NULLs last ascending, first descending
    # (PostgreSQL's default).
    for name, desc in reversed(order):
        get = fields[name].get

        def key(obj: Any, get: Callable[[Any], Any] = get) -> tuple[bool, Any]:
            value = get(obj)
            return (value is None, 0 if value is None else value)

        items.sort(key=key, reverse=desc)
    return items


def page_params(query: Query) -> tuple[int, int, bool]:
    """(page, page_size, capped) with DRF's rules: bad size -> default, size capped at 200."""
    size = DEFAULT_PAGE_SIZE
    capped = False
    raw_size = query.first("page_size")
    if raw_size is not None:
        try:
            value = int(raw_size)
            if value > 0:
                size = value
        except ValueError:
            pass
    if size > MAX_PAGE_SIZE:
        size = MAX_PAGE_SIZE
        capped = True
    raw_page = query.first("page") or "1"
    if raw_page == "last":
        return -1, size, capped
    try:
        page = int(raw_page)
    except ValueError:
        raise ApiError(404, {"detail": "Invalid page."}) from None
    if page < 1:
        raise ApiError(404, {"detail": "Invalid page."})
    return page, size, capped


def _link(query: Query, page: int, size: int, capped: bool) -> str:
    values = parse_qs(query.raw_query, keep_blank_values=True)
    values["page"] = [str(page)]
    if capped:
        values["page_size"] = [str(size)]
    return f"{query.path}?{urlencode(sorted(values.items()), doseq=True)}"


def envelope(
    query: Query,
    count: int,
    fetch: Callable[[int, int], Sequence[Any]],
    render: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """Page `count` items; fetch(start, stop) returns that slice of the ordered result."""
    page, size, capped = page_params(query)
    pages = max(1, math.ceil(count / size))
    if page == -1:
        page = pages
    if page > pages:
        raise ApiError(404, {"detail": "Invalid page."})
    start = (page - 1) * size
    rows = fetch(start, min(start + size, count))
    body: dict[str, Any] = {
        "count": count,
        "next": _link(query, page + 1, size, capped) if page < pages else None,
        "previous": _link(query, page - 1, size, capped) if page > 1 else None,
        "results": [render(row) for row in rows],
    }
    if query.first("count_disabled") in ("1", "true", "True"):
        del body["count"]
    return body


def list_objects(
    query: Query,
    items: Sequence[Any],
    fields: Fields,
    render: Callable[[Any], dict[str, Any]],
    resource: Resource,
) -> dict[str, Any]:
    """The general path: filter and sort in Python (fine for up to ~10^5 rows per request)."""
    predicate = parse_filters(fields, resource, query.params)
    order = parse_order(fields, resource, query.params)
    rows = [o for o in items if predicate(o)] if predicate else list(items)
    if order != [("id", False)]:
        sort_items(fields, rows, order)
    else:
        rows.sort(key=fields["id"].get)
    return envelope(query, len(rows), lambda a, b: rows[a:b], render)


FINISHED = Field("datetime", lambda j: j.finished)
FINISHED_LOOKUPS = {"finished__gt", "finished__gte", "finished__lt", "finished__lte"}


def jobs_fast_path(
    query: Query,
    job_ids: list[int],
    finished_index: list[tuple[datetime, int]],
    unfinished: Callable[[], list[int]],
    lookup_job: Callable[[int], Any],
    render: Callable[[Any], dict[str, Any]],
) -> dict[str, Any] | None:
    """Serve the dashboard's job queries from indexes, or None when not applicable.

    Applies to: no filters, or only finished__gt/gte/lt/lte; ordered by id (default),
    finished or -finished (id as tiebreaker).
    """
    filters = [(k, v) for k, v in query.params if k not in RESERVED]
    if any(k in ("search", "type") for k, _ in query.params):
        return None
    if any(k not in FINISHED_LOOKUPS for k, _ in filters):
        return None
    raw_order = (query.first("order_by") or query.first("order") or "").replace(" ", "")
    if raw_order in ("", "id", "pk") and not filters:
        return envelope(
            query, len(job_ids), lambda a, b: [lookup_job(i) for i in job_ids[a:b]], render
        )
    if raw_order not in ("finished", "finished,id", "-finished", "-finished,id"):
        return None
    lo, hi = 0, len(finished_index)
    has_bound = bool(filters)
    for key, raw in filters:
        bound = convert(FINISHED, "finished", raw)
        if key == "finished__gt":
            lo = max(lo, bisect.bisect_right(finished_index, (bound, math.inf)))
        elif key == "finished__gte":
            lo = max(lo, bisect.bisect_left(finished_index, (bound, -math.inf)))
        elif key == "finished__lt":
            hi = min(hi, bisect.bisect_left(finished_index, (bound, -math.inf)))
        else:
            hi = min(hi, bisect.bisect_right(finished_index, (bound, math.inf)))
    hi = max(lo, hi)
    tail = [] if has_bound else unfinished()  # NULL finished: last ascending, first descending
    count = hi - lo + len(tail)
    desc = raw_order.startswith("-")

    def fetch(a: int, b: int) -> list[Any]:
        out: list[Any] = []
        for pos in range(a, b):
            if desc:
                if pos < len(tail):
                    job_id = tail[pos]
                else:
                    job_id = finished_index[hi - 1 - (pos - len(tail))][1]
            elif pos < hi - lo:
                job_id = finished_index[lo + pos][1]
            else:
                job_id = tail[pos - (hi - lo)]
            out.append(lookup_job(job_id))
        return out

    return envelope(query, count, fetch, render)


__all__ = ["Field", "Fields", "Query", "envelope", "jobs_fast_path", "list_objects"]
