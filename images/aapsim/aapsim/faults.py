"""Faults the control surface injects into the AAP API: per route pattern, for N requests
or at a rate. Kept apart from the API handlers: a fault is decided before a request reaches
them, so the API code never knows about tests."""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

BODIES = ("malformed", "truncated")
ACTION_KEYS = ("status", "latency", "body", "drop", "expire_tokens", "revoke_refresh")
RULE_KEYS = ("match", "methods", "count", "rate", *ACTION_KEYS)


class FaultError(ValueError):
    """A fault rule the control surface refuses; the message names the field."""


@dataclass
class Fault:
    id: int
    match: str
    methods: frozenset[str] = frozenset()  # empty: every method
    status: int | None = None
    latency: float = 0.0
    body: str | None = None
    drop: bool = False
    expire_tokens: bool = False
    revoke_refresh: bool = False
    count: int | None = None  # requests left to hit; None: until cleared
    rate: float = 1.0
    hits: int = 0
    pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.pattern = re.compile(self.match)

    def applies(self, method: str, path: str) -> bool:
        if self.methods and method not in self.methods:
            return False
        return self.pattern.search(path) is not None

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "match": self.match, "hits": self.hits}
        if self.methods:
            out["methods"] = sorted(self.methods)
        for key in ACTION_KEYS:
            value = getattr(self, key)
            if value not in (None, False, 0.0):
                out[key] = value
        out["count"] = self.count
        out["rate"] = self.rate
        return out


def _number(data: dict[str, Any], key: str, kind: type, low: float, high: float) -> Any:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultError(f"fault field {key!r} must be a number")
    if not low <= value <= high:
        raise FaultError(f"fault field {key!r} must be between {low} and {high}")
    return kind(value)


def parse_rule(data: Any, fault_id: int) -> Fault:
    """A Fault from a JSON rule; FaultError names the field that is wrong."""
    if not isinstance(data, dict):
        raise FaultError("a fault rule must be a JSON object")
    unknown = sorted(set(data) - set(RULE_KEYS))
    if unknown:
        raise FaultError(f"unknown fault field {unknown[0]!r}; known: {', '.join(RULE_KEYS)}")
    match = data.get("match")
    if not isinstance(match, str) or not match:
        raise FaultError("fault field 'match' (a regular expression on the path) is required")
    try:
        re.compile(match)
    except re.error as exc:
        raise FaultError(f"fault field 'match' is not a regular expression: {exc}") from None
    methods = data.get("methods") or []
    if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
        raise FaultError("fault field 'methods' must be a list of HTTP methods")
    body = data.get("body")
    if body is not None and body not in BODIES:
        raise FaultError(f"fault field 'body' must be one of {', '.join(BODIES)}")
    fault = Fault(
        id=fault_id,
        match=match,
        methods=frozenset(m.upper() for m in methods),
        status=_number(data, "status", int, 100, 599),
        latency=_number(data, "latency", float, 0, 600) or 0.0,
        body=body,
        drop=bool(data.get("drop")),
        expire_tokens=bool(data.get("expire_tokens")),
        revoke_refresh=bool(data.get("revoke_refresh")),
        count=_number(data, "count", int, 1, 1_000_000),
        rate=_number(data, "rate", float, 0, 1) if data.get("rate") is not None else 1.0,
    )
    effects = (fault.status, fault.latency, fault.body, fault.drop, fault.expire_tokens)
    if not any(effects) and not fault.revoke_refresh:
        raise FaultError(
            "a fault needs an effect: status, latency, body, drop, expire_tokens or revoke_refresh"
        )
    return fault


class Faults:
    """The active rules; the first rule that applies (and fires, for a rate) wins."""

    def __init__(self, seed: int = 20250808) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []
        self._next = 1
        self._rand = random.Random(seed)

    def add(self, data: Any) -> Fault:
        with self._lock:
            fault = parse_rule(data, self._next)
            self._next += 1
            self._rules.append(fault)
            return fault

    def clear(self) -> int:
        with self._lock:
            removed = len(self._rules)
            self._rules.clear()
            return removed

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [f for f in self._rules if f.id != fault_id]
            return len(self._rules) != before

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.describe() for f in self._rules]

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault this request gets, if any; counts it against the rule's budget."""
        with self._lock:
            for fault in self._rules:
                if not fault.applies(method, path):
                    continue
                if fault.rate < 1.0 and self._rand.random() >= fault.rate:
                    continue
                fault.hits += 1
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._rules.remove(fault)
                return fault
            return None
