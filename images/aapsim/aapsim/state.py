"""In-memory AAP state: tables, id sequences, fresh-install objects and the job clock.

Job status is derived lazily from timestamps planned at launch; `advance(now)` runs the
completion side effects (host summaries, project playbooks) in completion order, so ids
come out as on a real AAP without background threads.
"""

from __future__ import annotations

import bisect
import heapq
import random
import secrets
import string
import threading
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from . import resources as R
from .credtypes import CredentialType, managed_types
from .models import (
    Application,
    Credential,
    ExecutionEnvironment,
    Group,
    Host,
    HostSummary,
    InstanceGroup,
    Inventory,
    JobTemplate,
    Label,
    Organization,
    Project,
    Schedule,
    Team,
    Token,
    UnifiedJob,
    User,
)
from .roles import role_id
from .settings import Settings

SCM_REVISION = "347e44fea036c94d5f60e544de006453ee5c71ad"
DEMO_PLAYBOOKS = ["hello_world.yml"]
NODE = "aapsim-controller.local"
AWX_VERSION = {"2.4": "4.5.15", "2.5": "4.6.21", "2.6": "4.7.4"}
DEFAULT_ORG_DESCRIPTION = {
    "2.4": "",
    "2.5": "The default organization for Ansible Automation Platform",
    "2.6": "The default organization for Ansible Automation Platform",
}
DEFAULT_EE = {
    "2.4": ("Default execution environment", "ansible-automation-platform-24/ee-supported-rhel8"),
    "2.5": ("Default execution environment", "ansible-automation-platform-25/ee-supported-rhel8"),
    "2.6": ("Default execution environment", "ansible-automation-platform-26/ee-supported-rhel9"),
}
SYSTEM_JOB_TEMPLATES = 5  # unified job template ids 1-5
SYSTEM_SCHEDULES = 5


class State:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.version = settings.aap_version
        self.lock = threading.RLock()
        self.users: dict[int, User] = {}
        self.orgs: dict[int, Organization] = {}
        self.labels: dict[int, Label] = {}
        self.teams: dict[int, Team] = {}
        self.projects: dict[int, Project] = {}
        self.inventories: dict[int, Inventory] = {}
        self.hosts: dict[int, Host] = {}
        self.credentials: dict[int, Credential] = {}
        self.credential_types: dict[int, CredentialType] = {}
        self.ees: dict[int, ExecutionEnvironment] = {}
        self.instance_groups: dict[int, InstanceGroup] = {}
        self.job_templates: dict[int, JobTemplate] = {}
        self.unified_jobs: dict[int, UnifiedJob] = {}
        self.summaries: dict[int, HostSummary] = {}
        self.summaries_by_job: dict[int, list[HostSummary]] = {}
        self.events_by_job: dict[int, list[Any]] = {}  # events.py, made when first asked
        self.groups: dict[int, Group] = {}
        self.schedules: dict[int, Schedule] = {}
        self.applications: dict[int, Application] = {}
        self.tokens: dict[int, Token] = {}
        self.token_index: dict[str, Token] = {}
        self.refresh_index: dict[str, Token] = {}
        self.sessions: dict[str, int] = {}  # 2.4 session login: cookie value -> user id
        # Roles granted (roles.py): role id -> the users, and the teams, that hold it
        self.role_users: dict[int, set[int]] = {}
        self.role_teams: dict[int, set[int]] = {}
        # Indexes that keep the job list fast at 100k jobs.
        self.job_ids: list[int] = []  # jobs (not project updates), ascending id
        self.finished_index: list[tuple[datetime, int]] = []  # completed jobs by (finished, id)
        self._queue: list[tuple[datetime, int]] = []  # unfinished unified jobs by finish time
        self._seq: dict[str, int] = {}
        self._rand = random.Random(20250808)
        self.install(settings.clock())

    # -- sequences -----------------------------------------------------------------------

    def next_id(self, name: str) -> int:
        value = self._seq.get(name, 1)
        self._seq[name] = value + 1
        return value

    def peek_id(self, name: str) -> int:
        """The id next_id(name) will give, without taking it."""
        return self._seq.get(name, 1)

    def set_next(self, name: str, value: int) -> None:
        self._seq[name] = value

    def new_roles(self, count: int) -> int:
        base = self._seq.get("role", 1)
        self._seq["role"] = base + count
        return base

    @property
    def unified_job_templates(self) -> dict[int, Project | JobTemplate]:
        """Projects and job templates: one id sequence, as AWX's UnifiedJobTemplate."""
        return {**self.projects, **self.job_templates}

    def managed_type(self, namespace: str) -> CredentialType:
        return next(t for t in self.credential_types.values() if t.namespace == namespace)

    def roles_for(self, resource: R.Resource) -> int:
        """The first of a new object's roles, one per `object_roles` entry (roles.py)."""
        return self.new_roles(len(resource.object_roles))

    def unit_id(self) -> str:
        letters = string.ascii_letters
        return NODE.replace(".", "").replace("-", "") + "".join(
            self._rand.choice(letters) for _ in range(8)
        )

    # -- fresh install -------------------------------------------------------------------

    def install(self, now: datetime) -> None:
        """Objects and id sequences of a freshly installed AAP (API-FACTS §5)."""
        t = now - timedelta(hours=1)
        self.users[1] = User(
            id=1,
            gateway_id=2,
            username="admin",
            password=self.settings.admin_password,
            created=t,
            email="admin@example.com",
            is_superuser=True,
        )
        self.set_next("user", 2)
        self.set_next("gateway_user", 3)  # gateway id 1 is its internal system user
        self.new_roles(8)  # system roles come first on a real install
        self.orgs[1] = Organization(
            id=1,
            name="Default",
            description=DEFAULT_ORG_DESCRIPTION[self.version],
            created=t,
            modified=t,
            ansible_id=str(uuid.UUID(int=self._rand.getrandbits(128), version=4)),
            role_base=self.roles_for(R.ORGANIZATION),
        )
        self.set_next("org", 2)
        self.instance_groups[1] = InstanceGroup(id=1, name="default", created=t)
        self.instance_groups[2] = InstanceGroup(id=2, name="controlplane", created=t)
        self.set_next("instance_group", 3)
        ee_name, ee_image = DEFAULT_EE[self.version]
        self.ees[1] = ExecutionEnvironment(
            id=1,
            name="Control Plane Execution Environment",
            description="",
            image=f"registry.redhat.io/{ee_image.split('/')[0]}/ee-supported-rhel8:latest",
            created=t,
            managed=True,
        )
        self.ees[2] = ExecutionEnvironment(
            id=2,
            name=ee_name,
            description="",
            image=f"registry.redhat.io/{ee_image}:latest",
            created=t,
        )
        self.set_next("ee", 3)
        self.credential_types = managed_types(t)
        self.set_next("credential_type", max(self.credential_types) + 1)
        galaxy = self.managed_type("galaxy_api_token")
        # Roles in the order AWX 24.6.1 creates the Demo objects' (tests/awx): the project's,
        # the two credentials', the inventory's, then the template's.
        project_roles = self.roles_for(R.PROJECT)
        self.credentials[1] = Credential(
            id=1,
            name="Demo Credential",
            description="",
            organization=None,
            credential_type=1,
            kind="ssh",
            inputs={"username": "admin"},
            created=t,
            user=1,
            role_base=self.roles_for(R.CREDENTIAL),
        )
        self.credentials[2] = Credential(
            id=2,
            name="Ansible Galaxy",
            description="",
            organization=None,
            credential_type=galaxy.id,
            kind="galaxy_api_token",
            inputs={"url": "https://galaxy.ansible.com/"},
            created=t,
            role_base=self.roles_for(R.CREDENTIAL),
            managed=True,
        )
        self.set_next("credential", 3)
        # made for admin, who holds its admin role (its owner)
        self.role_users[role_id(R.CREDENTIAL, self.credentials[1], "admin_role")] = {1}
        self.inventories[1] = Inventory(
            id=1,
            name="Demo Inventory",
            description="",
            organization=1,
            created=t,
            role_base=self.roles_for(R.INVENTORY),
        )
        self.set_next("inventory", 2)
        self.hosts[1] = Host(
            id=1,
            name="localhost",
            description="",
            inventory=1,
            created=t,
            variables="ansible_connection: local",
        )
        self.set_next("host", 2)
        self.set_next("ujt", SYSTEM_JOB_TEMPLATES + 1)
        # AWX's install schedules its system jobs: a user's first schedule is 6 (tests/awx)
        self.set_next("schedule", SYSTEM_SCHEDULES + 1)
        demo_project = Project(
            id=self.next_id("ujt"),
            name="Demo Project",
            description="",
            organization=1,
            created=t,
            role_base=project_roles,
            scm_url="https://github.com/ansible/ansible-tower-samples",
            playbooks=list(DEMO_PLAYBOOKS),
            scm_revision=SCM_REVISION,
            preset_status="successful",
        )
        self.projects[demo_project.id] = demo_project
        demo_jt = JobTemplate(
            id=self.next_id("ujt"),
            name="Demo Job Template",
            description="",
            organization=1,
            inventory=1,
            project=demo_project.id,
            playbook="hello_world.yml",
            created=t,
            modified=t,
            role_base=self.roles_for(R.JOB_TEMPLATE),
            credential_ids=[1],
            opa_query_path=None,
        )
        self.job_templates[demo_jt.id] = demo_jt
        # labels, unified jobs, host summaries, applications and tokens all start at 1

    # -- clock ---------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.settings.clock()

    def advance(self, now: datetime) -> None:
        """Run completion side effects of every unified job finished by `now`."""
        queue = self._queue
        while queue and queue[0][0] <= now:
            _, job_id = heapq.heappop(queue)
            job = self.unified_jobs[job_id]
            if not job.done:  # a canceled one completed when it was canceled
                self._complete(job)

    def _complete(self, job: UnifiedJob) -> None:
        job.done = True
        if job.kind == "workflow_job":
            children = [self.unified_jobs[i] for i in job.child_ids]
            if job.final_status != "canceled" and any(
                c.final_status != "successful" for c in children
            ):
                job.final_status = "failed"  # AWX: a workflow fails when a node fails
            return
        if job.kind == "project_update":
            project = self.projects.get(job.template_id)
            if project is not None:
                project.playbooks = list(DEMO_PLAYBOOKS)
                project.scm_revision = SCM_REVISION
            return
        rows = []
        for host_id in job.host_ids:
            host = self.hosts.get(host_id)
            summary = HostSummary(
                id=self.next_id("host_summary"),
                job_id=job.id,
                host_id=host_id,
                host_name=host.name if host else f"host-{host_id}",
                created=job.finished,
                failed=job.final_status == "failed",
                failures=1 if job.final_status == "failed" else 0,
            )
            self.summaries[summary.id] = summary
            rows.append(summary)
            if host is not None:
                host.runs.append((job.id, summary.id))
        self.summaries_by_job[job.id] = rows
        bisect.insort(self.finished_index, (job.finished, job.id))

    def _plan(self, created: datetime, busy_until: datetime | None) -> tuple[datetime, datetime]:
        seconds = self.settings.job_seconds
        started = created + timedelta(seconds=seconds / 4)
        if busy_until is not None and busy_until > started:
            started = busy_until
        return started, started + timedelta(seconds=seconds)

    # -- unified jobs --------------------------------------------------------------------

    def new_unified_job(
        self,
        kind: str,
        template: Project | JobTemplate,
        *,
        created: datetime,
        started: datetime,
        finished: datetime,
        launched_by: int | None,
        **fields: Any,
    ) -> UnifiedJob:
        """A job or project update of `template` (named after it), with the next id."""
        return UnifiedJob(
            id=self.next_id("unified_job"),
            kind=kind,
            template_id=template.id,
            name=template.name,
            description=template.description,
            created=created,
            started=started,
            finished=finished,
            launched_by=launched_by,
            **fields,
        )

    def start_project_update(self, project: Project, user_id: int, now: datetime) -> UnifiedJob:
        last = self.unified_jobs.get(project.update_ids[-1]) if project.update_ids else None
        started, finished = self._plan(now, last.finished if last else None)
        update = self.new_unified_job(
            "project_update",
            project,
            created=now,
            started=started,
            finished=finished,
            launched_by=user_id,
            launch_type="manual",
            project=project.id,
            organization=project.organization,
            work_unit_id=self.unit_id(),
        )
        self.unified_jobs[update.id] = update
        project.update_ids.append(update.id)
        heapq.heappush(self._queue, (update.finished, update.id))
        return update

    def launch(
        self, jt: JobTemplate, user_id: int, now: datetime, simultaneous: bool = False
    ) -> UnifiedJob:
        busy = None if jt.allow_simultaneous or simultaneous else jt.busy_until
        started, finished = self._plan(now, busy)
        inventory = jt.inventory
        job = self.new_unified_job(
            "job",
            jt,
            created=now,
            started=started,
            finished=finished,
            launched_by=user_id,
            inventory=inventory,
            project=jt.project,
            organization=jt.organization,
            execution_environment=jt.execution_environment,
            playbook=jt.playbook,
            extra_vars=jt.extra_vars or "{}",
            job_type=jt.job_type,
            label_ids=tuple(jt.label_ids),
            host_ids=tuple(self.inventory_host_ids(inventory)) if inventory else (),
            allow_simultaneous=jt.allow_simultaneous,
            work_unit_id=self.unit_id(),
            scm_revision=SCM_REVISION,
            limit=jt.limit,
            forks=jt.forks,
            verbosity=jt.verbosity,
            timeout=jt.timeout,
        )
        if not simultaneous:
            jt.busy_until = max(jt.busy_until or finished, finished)
        self._add_job(job)
        heapq.heappush(self._queue, (job.finished, job.id))
        return job

    def launch_sliced(
        self, jt: JobTemplate, slices: int, user_id: int, now: datetime
    ) -> UnifiedJob:
        """AWX's launch of a template with job_slice_count > 1: a workflow job (is_sliced_job)
        whose jobs run side by side, job i on every slices-th host from the i-th
        (Inventory.get_sliced_hosts), launch_type workflow."""
        hosts = sorted(self.inventory_host_ids(jt.inventory) if jt.inventory else [],
                       key=lambda h: self.hosts[h].name)  # fmt: skip
        started, _ = self._plan(now, None)
        workflow = self.new_unified_job(
            "workflow_job", jt, created=now, started=started, finished=started,
            launched_by=user_id, inventory=jt.inventory, organization=jt.organization,
            is_sliced_job=True, slice_count=slices, limit=jt.limit,
            work_unit_id="",
        )  # fmt: skip
        self.unified_jobs[workflow.id] = workflow
        children = []
        for number in range(1, slices + 1):
            job = self.launch(jt, user_id, started, simultaneous=True)
            job.launch_type = "workflow"
            job.workflow_job = workflow.id
            job.slice_number, job.slice_count = number, slices
            job.host_ids = tuple(hosts[number - 1 :: slices])
            children.append(job)
        workflow.child_ids = tuple(c.id for c in children)
        # it ends after its last job (and completes after it, by the queue's order)
        workflow.finished = max(c.finished for c in children) + timedelta(milliseconds=1)
        heapq.heappush(self._queue, (workflow.finished, workflow.id))
        return workflow

    def cancel(self, job: UnifiedJob, now: datetime) -> bool:
        """AWX's cancel of a pending or running job or update: it ends now, `canceled`, with
        no host results (no recap ran). One canceled before it started keeps `started` null
        and `elapsed` 0, as AWX's task manager leaves it. False when it is already over."""
        if job.done or now >= job.finished:
            return False
        if now < job.started:
            job.started = now  # the clock needs a start; the render hides it
            job.hide_started = True
        job.finished = now
        job.canceled_on = now
        job.final_status = "canceled"
        job.host_ids = ()
        self._complete(job)
        return True

    def relaunch(self, old: UnifiedJob, user_id: int, now: datetime) -> UnifiedJob:
        """AWX's copy_unified_job: a new job with the old one's own fields (its template may
        be gone), launched by this user, launch_type relaunch."""
        started, finished = self._plan(now, None)
        inventory = old.inventory
        fields = {
            name: getattr(old, name)
            for name in ("name", "description", "project", "organization", "playbook",
                         "execution_environment", "extra_vars", "job_type", "label_ids",
                         "limit", "forks", "verbosity", "timeout", "allow_simultaneous")
        }  # fmt: skip
        job = UnifiedJob(
            id=self.next_id("unified_job"),
            kind="job",
            template_id=old.template_id,
            created=now,
            started=started,
            finished=finished,
            launched_by=user_id,
            launch_type="relaunch",
            inventory=inventory,
            host_ids=tuple(self.inventory_host_ids(inventory)) if inventory else (),
            work_unit_id=self.unit_id(),
            scm_revision=SCM_REVISION,
            **fields,
        )
        self._add_job(job)
        heapq.heappush(self._queue, (job.finished, job.id))
        return job

    def _add_job(self, job: UnifiedJob) -> None:
        self.unified_jobs[job.id] = job
        self.job_ids.append(job.id)
        jt = self.job_templates.get(job.template_id)
        if jt is not None:
            jt.job_ids.append(job.id)

    def add_finished_job(self, job: UnifiedJob) -> None:
        """A job that is already over (control surface): stored and completed at once."""
        self._add_job(job)
        self._complete(job)

    def add_finished_slices(self, job: UnifiedJob, slices: int) -> list[UnifiedJob]:
        """`job` run as a sliced template runs it: its workflow job (taking `job`'s id) and
        one finished copy per slice, each on every slices-th of its hosts."""
        workflow = replace(job, kind="workflow_job", is_sliced_job=True, slice_count=slices,
                           host_ids=(), label_ids=())  # fmt: skip
        self.unified_jobs[workflow.id] = workflow
        children = []
        for number in range(1, slices + 1):
            child = replace(job, id=self.next_id("unified_job"), launch_type="workflow",
                            workflow_job=workflow.id, slice_number=number, slice_count=slices,
                            host_ids=job.host_ids[number - 1 :: slices])  # fmt: skip
            self.add_finished_job(child)
            children.append(child)
        workflow.child_ids = tuple(c.id for c in children)
        self._complete(workflow)
        return children

    def ensure_host(self, inventory_id: int, name: str) -> Host:
        for host in self.hosts.values():
            if host.inventory == inventory_id and host.name == name:
                return host
        host = Host(
            id=self.next_id("host"),
            name=name,
            description="",
            inventory=inventory_id,
            created=self.now(),
        )
        self.hosts[host.id] = host
        return host

    def inventory_host_ids(self, inventory_id: int) -> list[int]:
        return [h.id for h in self.hosts.values() if h.inventory == inventory_id]

    def jobs(self) -> list[UnifiedJob]:
        return [self.unified_jobs[i] for i in self.job_ids]

    # -- tokens --------------------------------------------------------------------------

    def issue_token(
        self,
        user_id: int,
        application_id: int | None,
        scope: str,
        description: str,
        now: datetime,
    ) -> Token:
        token = Token(
            id=self.next_id("token"),
            token=secrets.token_urlsafe(24),
            refresh_token=secrets.token_urlsafe(24) if application_id is not None else None,
            application_id=application_id,
            user_id=user_id,
            scope=scope,
            description=description,
            created=now,
            expires=now + timedelta(seconds=self.settings.access_token_seconds),
        )
        self.tokens[token.id] = token
        self.token_index[token.token] = token
        if token.refresh_token:
            self.refresh_index[token.refresh_token] = token
        return token

    def revoke(self, token: Token) -> None:
        self.tokens.pop(token.id, None)
        self.token_index.pop(token.token, None)
        if token.refresh_token:
            self.refresh_index.pop(token.refresh_token, None)

    def delete_application(self, app: Application) -> None:
        for token in [t for t in self.tokens.values() if t.application_id == app.id]:
            self.revoke(token)
        self.applications.pop(app.id, None)

    def new_application(self, **fields: object) -> Application:
        app = Application(
            id=self.next_id("application"),
            client_id=secrets.token_urlsafe(30)[:40],
            client_secret=secrets.token_urlsafe(48),
            **fields,  # type: ignore[arg-type]
        )
        self.applications[app.id] = app
        return app

    def new_ansible_id(self) -> str:
        return str(uuid.UUID(int=self._rand.getrandbits(128), version=4))
