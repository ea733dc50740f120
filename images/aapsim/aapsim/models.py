"""The objects the emulator keeps in memory. Plain records; behaviour lives in state.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class User:
    id: int
    gateway_id: int
    username: str
    password: str
    created: datetime
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    is_superuser: bool = False
    modified: datetime | None = None
    last_login: datetime | None = None  # a session login's (Django's update_last_login)


@dataclass(slots=True)
class Organization:
    id: int
    name: str
    description: str
    created: datetime
    modified: datetime
    ansible_id: str
    role_base: int
    max_hosts: int = 0
    created_by: int = 1
    default_environment: int | None = None


@dataclass(slots=True)
class Team:
    id: int
    name: str
    description: str
    organization: int
    created: datetime
    role_base: int
    created_by: int = 1


@dataclass(slots=True)
class Label:
    id: int
    name: str
    organization: int
    created: datetime
    created_by: int = 1


@dataclass(slots=True)
class Project:
    id: int
    name: str
    description: str
    organization: int | None
    created: datetime
    role_base: int
    scm_type: str = "git"
    scm_url: str = ""
    scm_branch: str = ""
    credential: int | None = None
    default_environment: int | None = None
    allow_override: bool = False
    scm_update_on_launch: bool = False
    timeout: int = 0
    local_path: str = ""
    created_by: int = 1
    # Filled by a successful project update.
    playbooks: list[str] = field(default_factory=list)
    scm_revision: str = ""
    update_ids: list[int] = field(default_factory=list)
    preset_status: str | None = None  # Demo Project: successful without an update job


@dataclass(slots=True)
class UnifiedJob:
    """A project update or a job: both take ids from one sequence and run on the clock."""

    id: int
    kind: str  # "job", "project_update" or "workflow_job"
    template_id: int
    name: str
    description: str
    created: datetime
    started: datetime
    finished: datetime
    launched_by: int | None
    launch_type: str = "manual"
    final_status: str = "successful"
    # Job-only fields, copied from the template at launch.
    inventory: int | None = None
    project: int | None = None
    organization: int | None = None
    execution_environment: int | None = None
    instance_group: int | None = 1
    playbook: str = ""
    extra_vars: str = "{}"
    job_type: str = "run"
    label_ids: tuple[int, ...] = ()
    host_ids: tuple[int, ...] = ()
    allow_simultaneous: bool = False
    work_unit_id: str = ""
    scm_revision: str = ""
    limit: str = ""
    forks: int = 0
    verbosity: int = 0
    timeout: int = 0
    # A slice of a sliced job, or a node of a workflow: its workflow job, and which slice
    slice_number: int = 0
    slice_count: int = 1
    workflow_job: int | None = None
    is_sliced_job: bool = False  # a workflow job made by a sliced template's launch
    child_ids: tuple[int, ...] = ()  # a workflow job's jobs
    done: bool = False  # set once the completion side effects ran
    # Set only through the control surface: states the public API cannot create.
    hide_started: bool = False  # AAP answered `started: null` for a finished job
    edited: datetime | None = None  # a later change bumps `modified`
    canceled_on: datetime | None = None  # POST .../cancel/ (state.cancel)

    def status(self, now: datetime) -> str:
        if now < self.started:
            return "pending"
        if now < self.finished:
            return "running"
        return self.final_status

    def started_at(self, now: datetime) -> datetime | None:
        return self.started if now >= self.started and not self.hide_started else None

    def finished_at(self, now: datetime) -> datetime | None:
        return self.finished if now >= self.finished else None

    def modified_at(self, now: datetime) -> datetime:
        if now >= self.finished:
            return max(self.finished, self.edited or self.finished)
        if now >= self.started:
            return self.started
        return self.created

    def elapsed(self, now: datetime) -> float:
        if now < self.started:
            return 0.0
        end = min(now, self.finished)
        return round((end - self.started).total_seconds(), 3)


@dataclass(slots=True)
class Inventory:
    id: int
    name: str
    description: str
    organization: int | None
    created: datetime
    role_base: int
    kind: str = ""
    variables: str = ""
    created_by: int = 1


@dataclass(slots=True)
class Host:
    id: int
    name: str
    description: str
    inventory: int
    created: datetime
    enabled: bool = True
    variables: str = ""
    instance_id: str = ""
    created_by: int = 1
    # (job id, its summary id) of the jobs that ran on it, in the order they finished
    runs: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class Group:
    id: int
    name: str
    description: str
    inventory: int
    created: datetime
    variables: str = ""
    created_by: int = 1
    modified: datetime | None = None
    host_ids: list[int] = field(default_factory=list)  # its hosts, in the order added


@dataclass(slots=True)
class Credential:
    id: int
    name: str
    description: str
    organization: int | None
    credential_type: int
    kind: str
    inputs: dict[str, object]
    created: datetime
    role_base: int
    managed: bool = False
    created_by: int = 1
    user: int | None = None  # the user it was made for (given its admin role)
    team: int | None = None


@dataclass(slots=True)
class ExecutionEnvironment:
    id: int
    name: str
    description: str
    image: str
    created: datetime
    organization: int | None = None
    managed: bool = False
    pull: str = ""
    credential: int | None = None


@dataclass(slots=True)
class InstanceGroup:
    id: int
    name: str
    created: datetime
    is_container_group: bool = False
    capacity: int = 136


@dataclass(slots=True)
class JobTemplate:
    id: int
    name: str
    description: str
    organization: int | None
    inventory: int | None
    project: int
    playbook: str
    created: datetime
    modified: datetime
    role_base: int
    execution_environment: int | None = None
    allow_simultaneous: bool = False
    job_type: str = "run"
    extra_vars: str = ""
    limit: str = ""
    forks: int = 0
    verbosity: int = 0
    timeout: int = 0
    ask_inventory_on_launch: bool = False
    ask_variables_on_launch: bool = False
    # fields a client may set that change nothing here (scm_branch, diff_mode, ask_*, ...);
    # rendered as stored, else as AWX's defaults
    options: dict[str, Any] = field(default_factory=dict)
    credential_ids: list[int] = field(default_factory=list)
    label_ids: list[int] = field(default_factory=list)
    job_ids: list[int] = field(default_factory=list)
    busy_until: datetime | None = None  # finish of the last queued job (no simultaneous runs)
    created_by: int = 1
    # 2.5/2.6: "" when saved through the API, null on the Demo Job Template (FX job_templates).
    opa_query_path: str | None = ""


@dataclass(slots=True)
class HostSummary:
    id: int
    job_id: int
    host_id: int
    host_name: str
    created: datetime
    ok: int = 2
    changed: int = 0
    dark: int = 0
    failures: int = 0
    processed: int = 1
    skipped: int = 0
    ignored: int = 0
    rescued: int = 0
    failed: bool = False


@dataclass(slots=True)
class Application:
    id: int
    name: str
    description: str
    organization: int
    client_id: str
    client_secret: str
    client_type: str
    authorization_grant_type: str
    redirect_uris: str
    user_id: int
    created: datetime
    app_url: str = ""
    skip_authorization: bool = False


@dataclass(slots=True)
class Token:
    id: int
    token: str
    refresh_token: str | None
    application_id: int | None
    user_id: int
    scope: str
    description: str
    created: datetime
    expires: datetime
    last_used: datetime | None = None


@dataclass(slots=True)
class Schedule:
    """When to launch a template (schedules.py); its launch settings override the template's."""

    id: int
    name: str
    description: str
    unified_job_template: int
    rrule: str
    created: datetime
    modified: datetime
    enabled: bool = True
    extra_data: Any = field(default_factory=dict)
    inventory: int | None = None
    scm_branch: str | None = None
    job_type: str | None = None
    job_tags: str | None = None
    skip_tags: str | None = None
    limit: str | None = None
    diff_mode: bool | None = None
    verbosity: int | None = None
    execution_environment: int | None = None
    forks: int | None = None
    job_slice_count: int | None = None
    timeout: int | None = None
    created_by: int = 1
