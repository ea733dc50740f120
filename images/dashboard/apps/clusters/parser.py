"""Turn stored AAP job JSON (with its host summaries) into dashboard rows, in bulk."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from apps.clusters import models as m
from apps.clusters.upsert import Key, lookup, upsert
from apps.common import testbugs

JOB_STATUSES = {choice for choice, _ in m.Job.STATUSES}
COUNTERS = ("changed", "dark", "failures", "ok", "processed", "skipped", "ignored", "rescued")


class ParseError(ValueError):
    """The job JSON lacks something the dashboard needs."""


def _ts(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ParseError(f"bad timestamp {value!r}") from exc


def _summary(data: dict, name: str) -> dict | None:
    value = (data.get("summary_fields") or {}).get(name)
    return value if isinstance(value, dict) and value.get("id") is not None else None


def _host_key(summary: dict) -> tuple[int, str, str]:
    host = (summary.get("summary_fields") or {}).get("host") or {}
    name = str(host.get("name") or summary.get("host_name") or "")
    if host.get("id") is not None:
        return int(host["id"]), name, str(host.get("description") or "")
    # The host was deleted in AAP: a stable negative id keeps one row per name.
    return -(zlib.crc32(name.encode()) + 1), name, ""


@dataclass
class Batch:
    """Everything a set of jobs references, keyed by AAP identity; later jobs win."""

    orgs: dict[Key, dict] = field(default_factory=dict)
    users: dict[Key, dict] = field(default_factory=dict)
    inventories: dict[Key, dict] = field(default_factory=dict)
    ees: dict[Key, dict] = field(default_factory=dict)
    groups: dict[Key, dict] = field(default_factory=dict)
    projects: dict[Key, dict] = field(default_factory=dict)
    templates: dict[Key, dict] = field(default_factory=dict)
    labels: dict[Key, dict] = field(default_factory=dict)
    hosts: dict[Key, dict] = field(default_factory=dict)
    jobs: dict[Key, dict] = field(default_factory=dict)
    # job key -> its label keys / host key -> summary values
    job_labels: dict[Key, list[Key]] = field(default_factory=dict)
    job_hosts: dict[Key, dict[Key, dict]] = field(default_factory=dict)

    def add(self, data: dict) -> None:
        try:
            self._add(data)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ParseError):
                raise
            raise ParseError(f"job {data.get('id')!r}: malformed field ({exc!r})") from exc

    def _add(self, data: dict) -> None:
        job_id = data.get("id")
        if not isinstance(job_id, int):
            raise ParseError(f"job JSON has no integer id: {str(data)[:80]}")
        if data.get("type", "job") != "job":
            raise ParseError(f"job {job_id}: type is {data.get('type')!r}, not 'job'")
        if data.get("status") not in JOB_STATUSES:
            raise ParseError(f"job {job_id}: unknown status {data.get('status')!r}")
        if testbugs.active("drop-failed-jobs") and data.get("status") == "failed":
            return
        if testbugs.active("require-launched-by") and not (data.get("launched_by") or {}):
            raise ParseError(f"job {job_id}: launched_by has no id")
        org = _summary(data, "organization")
        if org is None:
            raise ParseError(f"job {job_id}: summary_fields.organization is missing")
        org_key = (org["id"],)
        self.orgs[org_key] = {"name": org["name"], "description": org.get("description")}
        job_key = (job_id,)
        refs: dict[str, Key | None] = {"organization": org_key}

        launched = data.get("launched_by") or {}
        refs["created_by"] = None
        if launched.get("id") is not None:
            user_key = (launched["id"], str(launched.get("type") or "user"))
            creator = _summary(data, "created_by") or {}
            same = creator.get("id") == launched["id"] and user_key[1] == "user"
            self.users[user_key] = {
                "username": str(launched.get("name") or creator.get("username") or ""),
                "first_name": creator.get("first_name") if same else None,
                "last_name": creator.get("last_name") if same else None,
            }
            refs["created_by"] = user_key

        refs["inventory"] = self._simple(data, "inventory", self.inventories, org_key)
        refs["execution_environment"] = self._ee(data)
        refs["instance_group"] = self._group(data)
        refs["project"] = self._project(data, org_key)
        refs["job_template"] = self._template(data, org_key, refs)

        labels = ((data.get("summary_fields") or {}).get("labels") or {}).get("results") or []
        label_keys = []
        for label in labels:
            key = (label["id"],)
            self.labels[key] = {"name": label["name"], "organization": org_key}
            label_keys.append(key)
        self.job_labels[job_key] = label_keys

        hosts: dict[Key, dict] = {}
        totals = dict.fromkeys(COUNTERS, 0)
        for summary in data.get("host_summaries") or []:
            host_id, name, description = _host_key(summary)
            self.hosts[(host_id,)] = {"name": name, "description": description}
            values = {c: int(summary.get(c) or 0) for c in COUNTERS}
            for counter, value in values.items():
                totals[counter] += value
            hosts[(host_id,)] = {
                **values,
                "host_name": str(summary.get("host_name") or name),
                "failed": bool(summary.get("failed")),
                "aap_created": _ts(summary.get("created")),
                "aap_modified": _ts(summary.get("modified")),
            }
        self.job_hosts[job_key] = hosts

        self.jobs[job_key] = {
            "name": str(data["name"]),
            "description": str(data.get("description") or ""),
            "status": data["status"],
            "job_type": str(data.get("job_type") or "run"),
            "launch_type": str(data.get("launch_type") or "manual"),
            "failed": bool(data.get("failed")),
            "started": _ts(data.get("started")),
            "finished": _ts(data.get("finished")),
            "elapsed": float(data["elapsed"]) if data.get("elapsed") is not None else None,
            "aap_created": _ts(data.get("created")),
            "aap_modified": _ts(data.get("modified")),
            "num_hosts": len(hosts),
            **totals,
            "_refs": refs,
        }

    def _simple(self, data: dict, name: str, target: dict, org_key: Key) -> Key | None:
        item = _summary(data, name)
        if item is None:
            return None
        org_id = item.get("organization_id")
        target[(item["id"],)] = {
            "name": item["name"],
            "description": item.get("description"),
            "organization": (org_id,) if org_id is not None else org_key,
        }
        return (item["id"],)

    def _ee(self, data: dict) -> Key | None:
        item = _summary(data, "execution_environment")
        if item is None:
            return None
        self.ees[(item["id"],)] = {
            "name": item["name"],
            "description": item.get("description"),
            "image": str(item.get("image") or ""),
        }
        return (item["id"],)

    def _group(self, data: dict) -> Key | None:
        item = _summary(data, "instance_group")
        if item is None:
            return None
        self.groups[(item["id"],)] = {
            "name": item["name"],
            "is_container_group": bool(item.get("is_container_group")),
        }
        return (item["id"],)

    def _project(self, data: dict, org_key: Key) -> Key | None:
        item = _summary(data, "project")
        if item is None:
            return None
        self.projects[(item["id"],)] = {
            "name": item["name"],
            "description": item.get("description"),
            "scm_type": str(item.get("scm_type") or ""),
            "organization": org_key,
        }
        return (item["id"],)

    def _template(self, data: dict, org_key: Key, refs: dict) -> Key | None:
        item = _summary(data, "job_template")
        if item is None:
            return None
        job_type = data.get("job_type") if data.get("job_type") in ("run", "check") else "run"
        self.templates[(item["id"],)] = {
            "name": item["name"],
            "description": item.get("description"),
            "job_type": job_type,
            "organization": org_key,
            "project": refs["project"],
            "inventory": refs["inventory"],
        }
        return (item["id"],)


def _resolve(rows: dict[Key, dict], refs: dict[str, dict[Key, int]]) -> dict[Key, dict]:
    """Replace AAP keys under FK names with dashboard primary keys."""
    out = {}
    for key, values in rows.items():
        resolved = {}
        for name, value in values.items():
            if name in refs:
                resolved[f"{name}_id"] = refs[name].get(value) if value is not None else None
            else:
                resolved[name] = value
        out[key] = resolved
    return out


def store(cluster: m.Cluster, batch: Batch) -> int:
    """Upsert the batch (call inside a transaction); returns the number of jobs written."""
    fixed = {"cluster": cluster}
    orgs = upsert(m.Organization, ("aap_org_id",), batch.orgs, fixed)
    # An inventory may belong to an organization no job of the batch carries.
    others = {v["organization"] for v in batch.inventories.values()} - orgs.keys()
    orgs.update(lookup(m.Organization, ("aap_org_id",), others - {None}, fixed))
    users = upsert(m.AAPUser, ("aap_user_id", "user_type"), batch.users, fixed)
    invs = upsert(
        m.Inventory,
        ("aap_inventory_id",),
        _resolve(batch.inventories, {"organization": orgs}),
        fixed,
    )
    ees = upsert(m.ExecutionEnvironment, ("aap_ee_id",), batch.ees, fixed)
    groups = upsert(m.InstanceGroup, ("aap_instance_group_id",), batch.groups, fixed)
    projects = upsert(
        m.Project, ("aap_project_id",), _resolve(batch.projects, {"organization": orgs}), fixed
    )
    templates = upsert(
        m.JobTemplate,
        ("aap_template_id",),
        _resolve(batch.templates, {"organization": orgs, "project": projects, "inventory": invs}),
        fixed,
    )
    labels = upsert(
        m.Label, ("aap_label_id",), _resolve(batch.labels, {"organization": orgs}), fixed
    )
    if testbugs.active("host-check-then-create"):
        hosts = _hosts_check_then_create(cluster, batch)
    else:
        hosts = upsert(m.Host, ("aap_host_id",), batch.hosts, fixed)
    refs = {
        "organization": orgs,
        "created_by": users,
        "inventory": invs,
        "execution_environment": ees,
        "instance_group": groups,
        "project": projects,
        "job_template": templates,
    }
    job_rows = {
        key: {**{k: v for k, v in values.items() if k != "_refs"}, **values["_refs"]}
        for key, values in batch.jobs.items()
    }
    jobs = upsert(m.Job, ("aap_job_id",), _resolve(job_rows, refs), fixed)
    _store_links(batch, jobs, labels, hosts)
    return len(jobs)


def _hosts_check_then_create(cluster: m.Cluster, batch: Batch) -> dict[Key, int]:
    """Test bug #244: each job creates the hosts missing when the batch started, and a host
    AAP deleted gets the lowest id so far minus one, counted from the batch's start (upstream
    counts in each parse, in parallel): two jobs give different hosts the same id."""
    fixed = {"cluster": cluster}
    existing = lookup(m.Host, ("aap_host_id",), batch.hosts.keys(), fixed)
    gone = m.Host.objects.filter(cluster=cluster, aap_host_id__lt=0)
    lowest = min([0, *gone.values_list("aap_host_id", flat=True)])
    for per_host in batch.job_hosts.values():
        next_id = lowest
        for key in per_host:
            if key in existing:
                continue
            if key[0] < 0 and not gone.filter(name=batch.hosts[key]["name"]).exists():
                next_id -= 1
                m.Host.objects.create(cluster=cluster, aap_host_id=next_id, **batch.hosts[key])
            elif key[0] >= 0:
                m.Host.objects.create(cluster=cluster, aap_host_id=key[0], **batch.hosts[key])
    found = lookup(m.Host, ("aap_host_id",), batch.hosts.keys(), fixed)
    for key, values in batch.hosts.items():
        if key[0] < 0:
            found[key] = gone.get(name=values["name"]).pk
    return found


def _store_links(
    batch: Batch, jobs: dict[Key, int], labels: dict[Key, int], hosts: dict[Key, int]
) -> None:
    job_ids = list(jobs.values())
    wanted_labels = {
        (jobs[job], labels[label]) for job, keys in batch.job_labels.items() for label in keys
    }
    current = set(m.JobLabel.objects.filter(job_id__in=job_ids).values_list("job_id", "label_id"))
    stale = current - wanted_labels
    for job_id, label_id in stale:
        m.JobLabel.objects.filter(job_id=job_id, label_id=label_id).delete()
    m.JobLabel.objects.bulk_create(
        [m.JobLabel(job_id=j, label_id=lbl) for j, lbl in sorted(wanted_labels - current)],
        ignore_conflicts=True,
    )
    summaries = [
        m.JobHostSummary(job_id=jobs[job_key], host_id=hosts[host_key], **values)
        for job_key, per_host in batch.job_hosts.items()
        for host_key, values in per_host.items()
    ]
    wanted_hosts = {(s.job_id, s.host_id) for s in summaries}
    present = m.JobHostSummary.objects.filter(job_id__in=job_ids).values_list("job_id", "host_id")
    for job_id, host_id in set(present) - wanted_hosts:
        m.JobHostSummary.objects.filter(job_id=job_id, host_id=host_id).delete()
    if summaries and testbugs.active("resync-duplicates"):
        m.JobHostSummary.objects.bulk_create(summaries)  # test bug #156: insert again
        return
    if summaries:
        summaries.sort(key=lambda s: (s.job_id, s.host_id))
        fields = sorted({*COUNTERS, "host_name", "failed", "aap_created", "aap_modified"})
        m.JobHostSummary.objects.bulk_create(
            summaries,
            update_conflicts=True,
            unique_fields=["job", "host"],
            update_fields=fields,
        )
