"""Preload many finished jobs for scale tests (--synthetic-jobs N).

Creates its own users, labels, inventory, hosts and job templates first, so the ids of
objects created later differ from a fresh install; use it for load, not for seeding checks.
"""

from __future__ import annotations

import random
from datetime import timedelta

from . import resources as R
from .models import Host, HostSummary, Inventory, JobTemplate, Label, User
from .state import SCM_REVISION, State

TEMPLATES = 5
LABELS = 4
USERS = 3
HOSTS = 3


def preload(state: State, count: int) -> None:
    rng = random.Random(42)
    now = state.now()
    t0 = now - timedelta(seconds=count + 120)
    users = [1]
    for n in range(1, USERS + 1):
        user = User(
            id=state.next_id("user"),
            gateway_id=state.next_id("gateway_user"),
            username=f"synthetic-user-{n}",
            password=f"synthetic-{rng.random()}",
            created=t0,
        )
        state.users[user.id] = user
        users.append(user.id)
    labels = []
    for n in range(1, LABELS + 1):
        label = Label(
            id=state.next_id("label"), name=f"synthetic-label-{n}", organization=1, created=t0
        )
        state.labels[label.id] = label
        labels.append(label.id)
    inv = Inventory(
        id=state.next_id("inventory"),
        name="Synthetic Inventory",
        description="",
        organization=1,
        created=t0,
        role_base=state.roles_for(R.INVENTORY),
    )
    state.inventories[inv.id] = inv
    hosts = []
    for n in range(1, HOSTS + 1):
        host = Host(
            id=state.next_id("host"),
            name=f"synthetic-host-{n}",
            description="",
            inventory=inv.id,
            created=t0,
        )
        state.hosts[host.id] = host
        hosts.append(host.id)
    templates = []
    for n in range(1, TEMPLATES + 1):
        jt = JobTemplate(
            id=state.next_id("ujt"),
            name=f"synthetic-jt-{n}",
            description="",
            organization=1,
            inventory=inv.id,
            project=6,
            playbook="hello_world.yml",
            created=t0,
            modified=t0,
            role_base=state.roles_for(R.JOB_TEMPLATE),
            execution_environment=2,
            label_ids=labels[: n % (LABELS + 1)],
        )
        state.job_templates[jt.id] = jt
        templates.append(jt)

    finished_rows = []
    for i in range(count):
        jt = templates[i % TEMPLATES]
        # About one job per second; jitter larger than the spacing reorders some finishes.
        finished = t0 + timedelta(seconds=i, microseconds=rng.randrange(0, 1_500_000))
        started = finished - timedelta(seconds=rng.uniform(1, 10))
        created = started - timedelta(milliseconds=rng.randrange(100, 900))
        failed = i % 10 == 9
        job = state.new_unified_job(
            "job",
            jt,
            created=created,
            started=started,
            finished=finished,
            launched_by=users[i % len(users)],
            final_status="failed" if failed else "successful",
            inventory=inv.id,
            project=6,
            organization=1,
            execution_environment=2,
            playbook=jt.playbook,
            label_ids=tuple(jt.label_ids),
            host_ids=tuple(hosts[: 1 + i % HOSTS]),
            work_unit_id=f"synthetic{i:08d}",
            scm_revision=SCM_REVISION,
            done=True,
        )
        state._add_job(job)
        finished_rows.append((finished, job.id))
    finished_rows.sort()
    for finished, job_id in finished_rows:
        job = state.unified_jobs[job_id]
        rows = []
        for host_id in job.host_ids:
            summary = HostSummary(
                id=state.next_id("host_summary"),
                job_id=job_id,
                host_id=host_id,
                host_name=state.hosts[host_id].name,
                created=finished,
                failed=job.final_status == "failed",
                failures=1 if job.final_status == "failed" else 0,
                changed=rng.randrange(0, 3),
            )
            state.summaries[summary.id] = summary
            rows.append(summary)
        state.summaries_by_job[job_id] = rows
    state.finished_index.extend(finished_rows)
    state.finished_index.sort()
