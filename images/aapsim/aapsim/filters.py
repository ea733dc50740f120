"""AWX's list filter backends over in-memory rows: type, field lookups, search, order_by.

Behaviour follows awx/api/filters.py (TypeFilterBackend, FieldLookupBackend, OrderByBackend)
and DRF's SearchFilter; what the emulator cannot do (lookups across related objects,
`__search`, `role_level`) answers 400 {"detail": ...} naming the unsupported parameter,
the shape AWX's ParseError has. Messages are AWX's/Django's where a client may match them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import timeutil
from .errors import ApiError
from .schema import Resource

# Parameters the field-lookup backend leaves to other backends (AWX's RESERVED_NAMES).
RESERVED = {
    "page",
    "page_size",
    "format",
    "order",
    "order_by",
    "search",
    "type",
    "host_filter",
    "count_disabled",
    "no_truncate",
    "limit",
}
LOOKUPS = {
    "exact",
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "regex",
    "iregex",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "isnull",
    "search",
}
TEXT_LOOKUPS = {"contains", "icontains", "startswith", "istartswith", "endswith", "iendswith"}
TRUE = {"true", "1", "yes", "on", "t", "y"}
FALSE = {"false", "0", "no", "off", "f", "n", "none", "null", ""}
PASSWORD_FIELDS = {"password"}
PREVENT_SEARCH = {"token", "refresh_token", "client_secret"}  # AWX: __prevent_search__
BAD_VALUE = {
    "int": "“{}” value must be an integer.",
    "float": "“{}” value must be a float.",
    "datetime": "“{}” value has an invalid format. It must be in "
    "YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format.",
}


@dataclass(frozen=True)
class Field:
    kind: str  # int, str, bool, datetime, float
    get: Callable[[Any], Any]
    related: bool = False  # a foreign key: `name__x` would traverse it


Fields = dict[str, Field]
Predicate = Callable[[Any], bool]


def bad(detail: str) -> ApiError:
    return ApiError(400, {"detail": detail})


def unsupported(param: str, what: str) -> ApiError:
    return bad(f"The emulator does not support {what} ('{param}').")


def to_bool(raw: str) -> bool:
    low = raw.strip().lower()
    if low in TRUE:
        return True
    if low in FALSE:
        return False
    raise bad(f'Unable to convert "{raw}" to boolean')


def convert(field: Field, name: str, raw: str) -> Any:
    """A query value as the field's Python value, or AWX's 400 for a bad one."""
    if field.kind == "bool":
        return to_bool(raw)
    if field.related:
        if raw.lower() in ("none", "null"):
            return None
        try:
            return int(raw)
        except ValueError:
            raise bad(f"Invalid {name} id: {raw}") from None
    try:
        if field.kind == "int":
            return int(raw)
        if field.kind == "float":
            return float(raw)
        if field.kind == "datetime":
            return timeutil.parse(raw)
    except ValueError:
        raise bad(json.dumps([BAD_VALUE[field.kind].format(raw)], ensure_ascii=False)) from None
    return raw


def with_type(fields: Fields, resource: Resource) -> Fields:
    """Unified jobs and templates filter on `type` like on any field (polymorphic_ctype)."""
    if not resource.polymorphic or "type" in fields:
        return fields
    return {**fields, "type": Field("str", lambda _o, t=resource.type: t)}


def resolve(fields: Fields, resource: Resource, key: str) -> tuple[str, str, Field]:
    """(field name, lookup, field) for a filter key without prefixes."""
    lookup = "exact"
    path = key
    if "__" in key and key.rsplit("__", 1)[1] in LOOKUPS:
        path, lookup = key.rsplit("__", 1)
    if not path:
        raise bad("Query string field name not provided.")
    name = "id" if path == "pk" else path
    if name in PASSWORD_FIELDS:
        raise ApiError(403, {"detail": "Filtering on password fields is not allowed."})
    if name in PREVENT_SEARCH:
        raise ApiError(403, {"detail": f"Filtering on {name} is not allowed."})
    head = name.split("__", 1)[0]
    field = fields.get(name)
    if field is None and "__" in name and head in fields and fields[head].related:
        raise unsupported(key, "filtering across related objects")
    if field is None:
        raise bad(f"{resource.model} has no field named '{head}'")
    if lookup == "search":
        raise unsupported(key, "the __search lookup on related objects")
    return name, lookup, field


def predicate(fields: Fields, resource: Resource, key: str, raw: str) -> Predicate:
    """One lookup (no or__/chain__/not__ prefix) as a test on an object."""
    cast_int = key.endswith("__int")  # AWX's internal suffix: compare as an integer
    if cast_int:
        key = key[:-5]
    name, lookup, field = resolve(fields, resource, key)
    get = field.get
    if lookup == "isnull":
        want = to_bool(raw)
        return lambda o: (get(o) is None) == want
    if lookup == "in":
        if not raw:
            raise bad("cannot provide empty value for __in")
        values = {convert(field, name, part) for part in raw.split(",")}
        return lambda o: get(o) in values
    if lookup in ("regex", "iregex"):
        try:
            pattern = re.compile(raw, re.IGNORECASE if lookup == "iregex" else 0)
        except re.error as exc:
            raise bad(exc.msg) from None
        return lambda o: get(o) is not None and pattern.search(str(get(o))) is not None
    if lookup in TEXT_LOOKUPS:
        return _text(get, lookup, raw)
    if lookup == "iexact":
        if field.kind != "str":
            raise bad(
                f"{name} is not a text field and cannot be filtered by case-insensitive search"
            )
        low = raw.lower()
        return lambda o: get(o) is not None and str(get(o)).lower() == low
    target = int(raw) if cast_int and raw.lstrip("-").isdigit() else None
    if target is None:
        is_null = raw.lower() in ("none", "null") and field.kind != "str" and lookup == "exact"
        target = None if is_null else convert(field, name, raw)
    return _compare(get, lookup, target)


def _text(get: Callable[[Any], Any], lookup: str, raw: str) -> Predicate:
    fold = lookup.startswith("i")
    needle = raw.lower() if fold else raw
    op = lookup[1:] if fold else lookup

    def test(obj: Any) -> bool:
        value = get(obj)
        if value is None:
            return False
        text = str(value).lower() if fold else str(value)
        if op == "contains":
            return needle in text
        if op == "startswith":
            return text.startswith(needle)
        return text.endswith(needle)

    return test


def _compare(get: Callable[[Any], Any], lookup: str, target: Any) -> Predicate:
    if lookup == "exact":
        return lambda o: get(o) == target
    if target is None:
        return lambda o: False
    if lookup == "gt":
        return lambda o: (v := get(o)) is not None and v > target
    if lookup == "gte":
        return lambda o: (v := get(o)) is not None and v >= target
    if lookup == "lt":
        return lambda o: (v := get(o)) is not None and v < target
    return lambda o: (v := get(o)) is not None and v <= target


def type_filter(resource: Resource, params: list[tuple[str, str]]) -> Predicate | None:
    """AWX's TypeFilterBackend: `type=a,b` keeps objects whose type is listed (last wins)."""
    wanted = None
    for key, value in params:
        if key == "type":
            wanted = {part for part in value.split(",")}
    if not wanted:
        return None
    keep = resource.type in wanted
    return lambda _o: keep


def search_filter(fields: Fields, resource: Resource, text: str) -> Predicate | None:
    """DRF's SearchFilter: every term (split on spaces/commas) in some search field."""
    terms = [t for t in re.split(r"[\s,]+", text) if t]
    getters = [fields[n].get for n in resource.search_fields if n in fields]
    if not terms or not getters:
        return None
    folded = [t.lower() for t in terms]

    def test(obj: Any) -> bool:
        haystack = [str(g(obj) or "").lower() for g in getters]
        return all(any(term in h for h in haystack) for term in folded)

    return test


def parse_filters(
    fields: Fields, resource: Resource, params: list[tuple[str, str]]
) -> Predicate | None:
    """Every filter of a query combined as AWX does: ANDs, one OR group, chains, search."""
    fields = with_type(fields, resource)
    ands: list[Predicate] = []
    ors: list[Predicate] = []
    for key, raw in params:
        if key in RESERVED:
            continue
        if key == "role_level":
            raise unsupported(key, "role-based filtering")
        group = "and"
        if key.startswith("chain__"):
            key = key[7:]  # a chained filter narrows like an AND on plain fields
        elif key.startswith("or__"):
            key, group = key[4:], "or"
        negate = key.startswith("not__")
        if negate:
            key = key[5:]
        test = predicate(fields, resource, key, raw)
        pred = (lambda o, t=test: not t(o)) if negate else test
        (ors if group == "or" else ands).append(pred)
    for extra in (
        type_filter(resource, params),
        search_filter(fields, resource, _last(params, "search") or ""),
    ):
        if extra is not None:
            ands.append(extra)
    if not ands and not ors:
        return None
    return lambda o: all(p(o) for p in ands) and (not ors or any(p(o) for p in ors))


def parse_order(
    fields: Fields, resource: Resource, params: list[tuple[str, str]], default: str = "id"
) -> list[tuple[str, bool]]:
    """AWX's OrderByBackend: comma list, '-' for descending, `type` dropped, id last."""
    raw = _last(params, "order_by") or _last(params, "order") or ""
    order: list[tuple[str, bool]] = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        desc = item.startswith("-")
        name = item.lstrip("-")
        name = "id" if name == "pk" else name
        if name == "type":
            continue  # one type per list here: sorting by it changes nothing
        if name not in fields:
            raise bad(f"{resource.model} has no field named '{name.split('__', 1)[0]}'")
        order.append((name, desc))
    if not any(name == default for name, _ in order):
        order.append((default, False))
    return order


def _last(params: list[tuple[str, str]], key: str) -> str | None:
    found = None
    for k, v in params:
        if k == key:
            found = v
    return found
