"""The control surface: what a test needs that a real AAP does not offer.

Served under ``/_imagetest/`` only when enabled (``--control`` / ``AAPSIM_CONTROL=1``),
with the admin's Basic credentials, and never mixed with the AAP API: no AAP route starts
with this prefix, and faults never apply to it. Answers are plain JSON.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from . import resources as R
from .auth import decode_basic
from .faults import FaultError, Faults
from .models import JobTemplate, Organization
from .state import State

PREFIX = "/_imagetest/"
FINAL_STATUSES = ("successful", "failed", "error", "canceled")


class ControlError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


Handler = Callable[[Any, list[str]], tuple[int, Any]]


class ControlPlane:
    def __init__(self, state: State, faults: Faults) -> None:
        self.state = state
        self.faults = faults
        # (method, first path part) -> handler(body, remaining parts)
        self.routes: dict[tuple[str, str], Handler] = {
            ("GET", ""): self.index,
            ("GET", "faults"): lambda _b, _p: (200, {"faults": self.faults.listing()}),
            ("POST", "faults"): self.add_fault,
            ("DELETE", "faults"): self.delete_faults,
            ("POST", "tokens"): self.tokens,
            ("POST", "jobs"): self.create_jobs,
            ("PATCH", "jobs"): self.edit_job,
            ("POST", "recreate"): self.recreate,
            ("POST", "rename"): self.rename,
            ("POST", "hosts"): self.delete_hosts,
        }

    # -- entry ---------------------------------------------------------------------------

    def handle(self, method: str, path: str, authorization: str, raw: bytes) -> tuple[int, Any]:
        if not self._admin(authorization):
            return 401, {"detail": "control surface: Basic credentials of the admin user needed"}
        parts = [p for p in path[len(PREFIX) :].split("/") if p]
        key = (method, parts[0] if parts else "")
        handler = self.routes.get(key)
        if handler is None:
            known = sorted({f"{m} {PREFIX}{p}" for m, p in self.routes})
            return 404, {"detail": f"no control route {method} {path}", "routes": known}
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            return 400, {"detail": f"control surface: the body is not JSON ({exc})"}
        try:
            with self.state.lock:
                self.state.advance(self.state.now())
                return handler(body, parts[1:])
        except (ControlError, FaultError) as exc:
            return getattr(exc, "status", 400), {"detail": str(exc)}

    def _admin(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        pair = decode_basic(value)
        admin = self.state.users.get(1)
        if pair is None or admin is None or pair[0] != admin.username:
            return False
        return hmac.compare_digest(pair[1], admin.password)

    def index(self, _body: Any, _parts: list[str]) -> tuple[int, Any]:
        return 200, {"routes": sorted(f"{m} {PREFIX}{p}" for m, p in self.routes)}

    # -- faults and tokens ---------------------------------------------------------------

    def add_fault(self, body: Any, _parts: list[str]) -> tuple[int, Any]:
        return 201, self.faults.add(body).describe()

    def delete_faults(self, _body: Any, parts: list[str]) -> tuple[int, Any]:
        if parts:
            if not parts[0].isdigit() or not self.faults.remove(int(parts[0])):
                raise ControlError(404, f"no fault {parts[0]}")
            return 200, {"removed": 1}
        return 200, {"removed": self.faults.clear()}

    def tokens(self, body: Any, parts: list[str]) -> tuple[int, Any]:
        """POST tokens/expire: access tokens expire now; {"refresh": true} also revokes the
        refresh tokens (a refresh grant then answers invalid_grant)."""
        if parts != ["expire"]:
            raise ControlError(404, "token action must be tokens/expire")
        return 200, expire_tokens(self.state, revoke_refresh=bool(_get(body, "refresh", False)))

    # -- state edits ---------------------------------------------------------------------

    def create_jobs(self, body: Any, _parts: list[str]) -> tuple[int, Any]:
        """Finished jobs written straight into the state (no launch): {"template": id,
        "count": n, "status": failed, "started": null, "launched_by": null, "hosts": [...],
        "host_suffix": "job", "labels": [...], "slices": k}. With slices, each of the n is a
        sliced run as AAP records one: a workflow job and k jobs (launch_type workflow,
        job_slice_number 1..k), each on every k-th of the hosts."""
        s = self.state
        jt = self._template(_get(body, "template", None))
        count = _int(body, "count", 1, 1, 10_000)
        status = str(_get(body, "status", "successful"))
        if status not in FINAL_STATUSES:
            raise ControlError(400, f"status must be one of {', '.join(FINAL_STATUSES)}")
        launched_by = _get(body, "launched_by", 1)
        if launched_by is not None and launched_by not in s.users:
            raise ControlError(400, f"launched_by: no user {launched_by}")
        no_start = "started" in body and body["started"] is None
        # {"host_suffix": "job"}: each job ran on hosts of its own, named <host>-<job id>.
        suffix = _get(body, "host_suffix", None)
        if suffix not in (None, "job"):
            raise ControlError(400, 'host_suffix must be "job"')
        names = _get(body, "hosts", None)
        host_ids = [] if suffix else self._hosts(jt, names)
        # {"labels": []}: the labels the job was launched with (AWX: prompted at launch),
        # by default its template's.
        labels = _get(body, "labels", None)
        if labels is None:
            label_ids = tuple(jt.label_ids)
        elif isinstance(labels, list) and all(i in s.labels for i in labels):
            label_ids = tuple(labels)
        else:
            raise ControlError(400, "labels must be a list of label ids")
        slices = _int(body, "slices", 1, 1, 100)
        now = s.now()
        ids = []
        for i in range(count):
            if suffix:
                if not isinstance(names, list):
                    raise ControlError(400, "host_suffix needs hosts (a list of names)")
                job_id = s.peek_id("unified_job")
                host_ids = self._hosts(jt, [f"{n}-{job_id}" for n in names])
            created = now - timedelta(seconds=2, microseconds=count - i)
            finished = now - timedelta(microseconds=count - i)
            job = s.new_unified_job(
                "job",
                jt,
                created=created,
                started=created + timedelta(seconds=1),
                finished=finished,
                launched_by=launched_by,
                inventory=jt.inventory,
                project=jt.project,
                organization=jt.organization,
                execution_environment=jt.execution_environment,
                playbook=jt.playbook,
                label_ids=label_ids,
                host_ids=tuple(host_ids),
                final_status=status,
                work_unit_id=s.unit_id(),
            )
            if slices > 1:
                ids += [j.id for j in s.add_finished_slices(job, slices)]
                continue
            s.add_finished_job(job)
            if no_start:
                job.started = finished  # the clock needs a start; the render hides it
                job.hide_started = True
            ids.append(job.id)
        return 201, {"ids": ids}

    def edit_job(self, body: Any, parts: list[str]) -> tuple[int, Any]:
        """PATCH jobs/<id>: {"started": null}, {"launched_by": null}, {"status": "failed"}."""
        if len(parts) != 1 or not parts[0].isdigit():
            raise ControlError(404, "use PATCH jobs/<id>")
        job = self.state.unified_jobs.get(int(parts[0]))
        if job is None or job.kind != "job":
            raise ControlError(404, f"no job {parts[0]}")
        if not job.done:
            raise ControlError(409, f"job {job.id} has not finished; edit it once it has")
        for key in body:
            if key not in ("started", "launched_by", "status"):
                known = "started, launched_by, status"
                raise ControlError(400, f"unknown job edit {key!r}; known: {known}")
        if "started" in body:
            if body["started"] is not None:
                raise ControlError(400, "started can only be set to null")
            job.hide_started = True
        if "launched_by" in body:
            user = body["launched_by"]
            if user is not None and user not in self.state.users:
                raise ControlError(400, f"launched_by: no user {user}")
            job.launched_by = user
        if "status" in body:
            if body["status"] not in FINAL_STATUSES:
                raise ControlError(400, f"status must be one of {', '.join(FINAL_STATUSES)}")
            job.final_status = body["status"]
        job.edited = self.state.now()  # AAP bumps `modified` on a change
        return 200, {"id": job.id}

    def recreate(self, body: Any, _parts: list[str]) -> tuple[int, Any]:
        """Delete a job template or organization and create one with the same name."""
        kind = _get(body, "kind", None)
        ident = _get(body, "id", None)
        if kind == "job_template":
            old_jt = self._template(ident)
            return 201, {"old": old_jt.id, "new": recreate_template(self.state, old_jt).id}
        if kind == "organization":
            old_org = self.state.orgs.get(ident) if isinstance(ident, int) else None
            if old_org is None:
                raise ControlError(404, f"no organization {ident}")
            return 201, {"old": old_org.id, "new": recreate_org(self.state, old_org).id}
        raise ControlError(400, "kind must be job_template or organization")

    def rename(self, body: Any, _parts: list[str]) -> tuple[int, Any]:
        kind, ident, name = (_get(body, k, None) for k in ("kind", "id", "name"))
        if not isinstance(name, str) or not name:
            raise ControlError(400, "name must be a non-empty string")
        table: dict[int, Any] = {
            "job_template": self.state.job_templates,
            "organization": self.state.orgs,
        }.get(kind, {})
        target = table.get(ident) if isinstance(ident, int) else None
        if target is None:
            raise ControlError(404, f"no {kind} {ident}")
        target.name = name
        target.modified = self.state.now()
        return 200, {"id": ident, "name": name}

    def delete_hosts(self, body: Any, parts: list[str]) -> tuple[int, Any]:
        """POST hosts/delete {"names": [...]} or {"matching": regex}: AAP deletes these hosts;
        the summaries of jobs that ran on them keep host_name and lose their host (AWX's
        SET_NULL)."""
        if parts != ["delete"]:
            raise ControlError(404, "host action must be hosts/delete")
        names, pattern = _get(body, "names", None), _get(body, "matching", None)
        hosts = self.state.hosts
        if pattern is not None:
            try:
                found = [h.id for h in hosts.values() if re.search(str(pattern), h.name)]
            except re.error as exc:
                raise ControlError(400, f"matching is not a regular expression: {exc}") from None
            if not found:
                raise ControlError(404, f"no host name matches {pattern!r}")
        else:
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise ControlError(400, "give names (a list of host names) or matching (a regex)")
            found = [h.id for h in hosts.values() if h.name in names]
            missing = sorted(set(names) - {hosts[i].name for i in found})
            if missing:
                raise ControlError(404, f"no host named {', '.join(missing)}")
        for ident in found:
            del hosts[ident]
        return 200, {"deleted": found}

    # -- helpers -------------------------------------------------------------------------

    def _template(self, ident: Any) -> JobTemplate:
        jt = self.state.job_templates.get(ident) if isinstance(ident, int) else None
        if jt is None:
            raise ControlError(404, f"no job template {ident!r}")
        return jt

    def _hosts(self, jt: JobTemplate, names: Any) -> list[int]:
        """Host ids by name in the template's inventory, created when missing."""
        s = self.state
        if names is None:
            return s.inventory_host_ids(jt.inventory) if jt.inventory else []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ControlError(400, "hosts must be a list of host names")
        if jt.inventory is None:
            raise ControlError(400, f"job template {jt.id} has no inventory for hosts")
        return [s.ensure_host(jt.inventory, name).id for name in names]


def _get(body: Any, key: str, default: Any) -> Any:
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body.get(key, default)


def _int(body: Any, key: str, default: int, low: int, high: int) -> int:
    value = _get(body, key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ControlError(400, f"{key} must be an integer from {low} to {high}")
    return value


def expire_tokens(state: State, *, revoke_refresh: bool) -> dict[str, int]:
    now = state.now()
    expired = 0
    for token in state.tokens.values():
        if token.expires > now:
            token.expires = now
            expired += 1
    revoked = 0
    if revoke_refresh:
        revoked = len(state.refresh_index)
        state.refresh_index.clear()
    return {"expired": expired, "refresh_revoked": revoked}


def recreate_template(state: State, old: JobTemplate) -> JobTemplate:
    """The old template is gone (its jobs keep its id and name); a new id takes its name."""
    now = state.now()
    new = JobTemplate(
        id=state.next_id("ujt"),
        name=old.name,
        description=old.description,
        organization=old.organization,
        inventory=old.inventory,
        project=old.project,
        playbook=old.playbook,
        created=now,
        modified=now,
        role_base=state.roles_for(R.JOB_TEMPLATE),
        execution_environment=old.execution_environment,
        credential_ids=list(old.credential_ids),
        label_ids=list(old.label_ids),
    )
    del state.job_templates[old.id]
    state.job_templates[new.id] = new
    return new


def recreate_org(state: State, old: Organization) -> Organization:
    """A new organization with the old name; the old one's objects move to it (as an admin
    re-attaching them would), while existing jobs keep the old, deleted, organization."""
    now = state.now()
    new = Organization(
        id=state.next_id("org"),
        name=old.name,
        description=old.description,
        created=now,
        modified=now,
        ansible_id=state.new_ansible_id(),
        role_base=state.roles_for(R.ORGANIZATION),
    )
    del state.orgs[old.id]
    state.orgs[new.id] = new
    tables = (state.labels, state.projects, state.inventories, state.job_templates)
    for table in tables:
        for item in table.values():
            if getattr(item, "organization", None) == old.id:
                item.organization = new.id
    return new


def is_control(path: str) -> bool:
    return path.startswith(PREFIX) or path + "/" == PREFIX
