"""List envelopes as AWX/DRF write them: filters, order_by, page links."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

from . import timeutil
from .errors import ApiError

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 200
CONTROL_PARAMS = {"page", "page_size", "order_by", "order", "search", "count_disabled", "format"}
LOOKUPS = {
    "exact",
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "in",
    "isnull",
    "gt",
    "gte",
    "lt",
    "lte",
}
TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}


@dataclass(frozen=True)
class Field:
    kind: str  # int, str, bool, datetime, float
    get: Callable[[Any], Any]


Fields = dict[str, Field]


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


def _bad(detail: str) -> ApiError:
    return ApiError(400, {"detail": detail})


def _convert(kind: str, name: str, raw: str) -> Any:
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            low = raw.strip().lower()
            if low in TRUE:
                return True
            if low in FALSE:
                return False
            raise ValueError(raw)
        if kind == "datetime":
            return timeutil.parse(raw)
    except ValueError:
        raise _bad(f"Invalid value {raw!r} for field {name!r} ({kind} expected).") from None
    return raw


def _predicate(fields: Fields, key: str, raw: str) -> tuple[str, Callable[[Any], bool]]:
    """Return (group, predicate) where group is 'and' or 'or'."""
    group = "and"
    negate = False
    parts = key.split("__")
    while parts and parts[0] in ("not", "or", "chain"):
        prefix = parts.pop(0)
        if prefix == "not":
            negate = True
        elif prefix == "or":
            group = "or"
    lookup = "exact"
    if len(parts) > 1 and parts[-1] in LOOKUPS:
        lookup = parts.pop()
    name = "__".join(parts)
    if name == "pk":
        name = "id"
    field = fields.get(name)
    if field is None:
        raise _bad(f"Invalid field name: {name!r}. Choices are: {', '.join(sorted(fields))}.")
    get = field.get
    kind = field.kind
    test: Callable[[Any], bool]
    if lookup == "isnull":
        want = _convert("bool", name, raw)
        test = lambda v: (v is None) == want  # noqa: E731
    elif lookup == "in":
        values = {_convert(kind, name, part) for part in raw.split(",") if part != ""}
        test = lambda v: v in values  # noqa: E731
    elif lookup in ("contains", "icontains", "startswith", "istartswith", "endswith", "iendswith"):
        fold = lookup.startswith("i")
        needle = raw.lower() if fold else raw
        op = lookup[1:] if fold else lookup

        def test(v: Any) -> bool:
            if v is None:
                return False
            text = str(v).lower() if fold else str(v)
            if op == "contains":
                return needle in text
            if op == "startswith":
                return text.startswith(needle)
            return text.endswith(needle)

    elif lookup == "iexact":
        low = raw.lower()
        test = lambda v: v is not None and str(v).lower() == low  # noqa: E731
    else:
        if raw.lower() in ("none", "null") and kind != "str" and lookup == "exact":
            target = None
        else:
            target = _convert(kind, name, raw)
        test = _compare(lookup, target)

    def predicate(obj: Any) -> bool:
        return test(get(obj)) != negate

    return group, predicate


def _compare(lookup: str, target: Any) -> Callable[[Any], bool]:
    if lookup == "exact":
        return lambda v: v == target
    if lookup == "gt":
        return lambda v: v is not None and v > target
    if lookup == "gte":
        return lambda v: v is not None and v >= target
    if lookup == "lt":
        return lambda v: v is not None and v < target
    return lambda v: v is not None and v <= target


def parse_filters(fields: Fields, query: Query) -> Callable[[Any], bool] | None:
    ands: list[Callable[[Any], bool]] = []
    ors: list[Callable[[Any], bool]] = []
    for key, raw in query.params:
        if key in CONTROL_PARAMS:
            continue
        group, pred = _predicate(fields, key, raw)
        (ors if group == "or" else ands).append(pred)
    search = query.first("search")
    if search:
        needle = search.lower()
        name_get = fields["name"].get if "name" in fields else None
        if name_get is not None:
            ands.append(lambda o: needle in str(name_get(o) or "").lower())
    if not ands and not ors:
        return None

    def combined(obj: Any) -> bool:
        if not all(p(obj) for p in ands):
            return False
        return not ors or any(p(obj) for p in ors)

    return combined


def parse_order(fields: Fields, query: Query, default: str = "id") -> list[tuple[str, bool]]:
    raw = query.first("order_by") or query.first("order") or ""
    order: list[tuple[str, bool]] = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        desc = item.startswith("-")
        name = item.lstrip("-")
        if name == "pk":
            name = "id"
        if name not in fields:
            raise _bad(
                f"Cannot resolve keyword {name!r} into field. "
                f"Choices are: {', '.join(sorted(fields))}"
            )
        order.append((name, desc))
    if not any(name == default for name, _ in order):
        order.append((default, False))
    return order


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
) -> dict[str, Any]:
    """The general path: filter and sort in Python (fine for up to ~10^5 rows per request)."""
    predicate = parse_filters(fields, query)
    order = parse_order(fields, query)
    rows = [o for o in items if predicate(o)] if predicate else list(items)
    if order != [("id", False)]:
        sort_items(fields, rows, order)
    else:
        rows.sort(key=fields["id"].get)
    return envelope(query, len(rows), lambda a, b: rows[a:b], render)


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
    filters = [(k, v) for k, v in query.params if k not in CONTROL_PARAMS]
    if query.first("search"):
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
        bound = _convert("datetime", "finished", raw)
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
