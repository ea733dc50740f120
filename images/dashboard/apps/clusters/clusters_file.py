"""Parsing and validation of the clusters YAML file that setclusters reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from dateutil.rrule import rrulestr

REQUIRED_STRINGS = ("address", "access_token", "client_id", "client_secret")
OPTIONAL_STRINGS = ("refresh_token",)


class ClustersFileError(ValueError):
    """The file cannot be used; the message names the place and the fix."""


@dataclass
class ScheduleSpec:
    name: str
    rrule: str
    enabled: bool


@dataclass
class ClusterSpec:
    protocol: str
    address: str
    port: int
    access_token: str
    refresh_token: str
    client_id: str
    client_secret: str
    verify_ssl: bool
    sync_schedules: list[ScheduleSpec] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"{self.protocol}://{self.address}:{self.port}"


def load(path: Path) -> list[ClusterSpec]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ClustersFileError(f"{path}: cannot read the file ({exc.strerror})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where else ""
        raise ClustersFileError(f"{path}: not valid YAML{line}") from exc
    return parse(data, str(path))


def parse(data: Any, source: str) -> list[ClusterSpec]:
    if not isinstance(data, dict) or not isinstance(data.get("clusters"), list):
        raise ClustersFileError(f"{source}: expected a mapping with a 'clusters:' list")
    if not data["clusters"]:
        raise ClustersFileError(f"{source}: 'clusters:' is empty; list at least one cluster")
    specs = [_cluster(item, f"{source}: clusters[{i}]") for i, item in enumerate(data["clusters"])]
    seen: set[str] = set()
    for spec in specs:
        if spec.base_url in seen:
            raise ClustersFileError(f"{source}: cluster {spec.base_url} is listed twice")
        seen.add(spec.base_url)
    return specs


def _cluster(item: Any, where: str) -> ClusterSpec:
    if not isinstance(item, dict):
        raise ClustersFileError(f"{where} must be a mapping")
    protocol = item.get("protocol")
    if protocol not in ("http", "https"):
        raise ClustersFileError(f"{where}.protocol must be 'http' or 'https', not {protocol!r}")
    port = item.get("port")
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ClustersFileError(f"{where}.port must be an integer 1-65535, not {port!r}")
    values: dict[str, str] = {}
    for key in REQUIRED_STRINGS:
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ClustersFileError(f"{where}.{key} is missing or empty; give a string")
        values[key] = value.strip()
    for key in OPTIONAL_STRINGS:
        value = item.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ClustersFileError(f"{where}.{key} must be a string")
        values[key] = value.strip()
    if "/" in values["address"]:
        raise ClustersFileError(
            f"{where}.address must be a host name only (put the scheme in protocol, the port "
            f"in port), not {values['address']!r}"
        )
    verify = item.get("verify_ssl", True)
    if not isinstance(verify, bool):
        raise ClustersFileError(f"{where}.verify_ssl must be true or false, not {verify!r}")
    schedules = item.get("sync_schedules") or []
    if not isinstance(schedules, list):
        raise ClustersFileError(f"{where}.sync_schedules must be a list")
    parsed = [_schedule(s, f"{where}.sync_schedules[{i}]") for i, s in enumerate(schedules)]
    names = [s.name for s in parsed]
    if len(set(names)) != len(names):
        raise ClustersFileError(f"{where}.sync_schedules: schedule names must be unique")
    return ClusterSpec(
        protocol=protocol,
        port=port,
        verify_ssl=verify,
        sync_schedules=parsed,
        **values,
    )


def _schedule(item: Any, where: str) -> ScheduleSpec:
    if not isinstance(item, dict):
        raise ClustersFileError(f"{where} must be a mapping with name, rrule, enabled")
    name, rule, enabled = item.get("name"), item.get("rrule"), item.get("enabled", True)
    if not isinstance(name, str) or not name.strip():
        raise ClustersFileError(f"{where}.name is missing or empty")
    if not isinstance(rule, str) or not rule.strip():
        raise ClustersFileError(f"{where}.rrule is missing or empty")
    try:
        rrulestr(rule, forceset=True)
    except (ValueError, TypeError) as exc:
        raise ClustersFileError(f"{where}.rrule is not a valid RFC 5545 rule ({exc})") from exc
    if not isinstance(enabled, bool):
        raise ClustersFileError(f"{where}.enabled must be true or false")
    return ScheduleSpec(name=name.strip(), rrule=rule.strip(), enabled=enabled)
