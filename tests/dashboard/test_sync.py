"""The reference dashboard's sync path against real PostgreSQL/Redis and the emulator."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.conftest import (
    Services,
    clusters_yaml,
    counts,
    run_worker,
    seeded_aap,
    setup_and_sync,
)
from tests.data_model import DATA_MODEL

# one worker: the session's PostgreSQL/Redis (dashboard/conftest.py) and the label sweeps
pytestmark = [pytest.mark.docker, pytest.mark.xdist_group("dashboard")]

VERSIONS = ("2.4", "2.5", "2.6")
# the data model's rows after one sync, with the SyncJob split (2 sync + 4 parse)
EXPECTED = {**DATA_MODEL, "SyncJob sync_jobs": 2, "SyncJob parse_job_data": 4}
ENTITIES = [k for k in EXPECTED if not k.startswith("SyncJob")]


def statuses() -> dict[str, int]:
    from apps.scheduler.models import SyncJob
    from django.db.models import Count

    return dict(SyncJob.objects.values_list("status").annotate(n=Count("id")))


@pytest.mark.parametrize("version", VERSIONS)
def test_counts_after_sync(
    version: str, dash_db: Services, aapsim_server: Callable[..., Any], tmp_path: Path
) -> None:
    from apps.clusters.models import Cluster, ClusterSyncData
    from apps.scheduler.models import SyncJob

    access = seeded_aap(aapsim_server, version, tmp_path)
    setup_and_sync(access, tmp_path)

    assert counts() == EXPECTED
    assert statuses() == {"completed": 6}
    assert Cluster.objects.get().aap_version == version
    assert ClusterSyncData.objects.count() == 0
    scheduled = SyncJob.objects.filter(type=SyncJob.TYPE_SYNC, schedule__isnull=False)
    assert scheduled.count() == 1


@pytest.mark.parametrize("version", ["2.5"])
def test_second_sync_adds_no_rows(
    version: str, dash_db: Services, aapsim_server: Callable[..., Any], tmp_path: Path
) -> None:
    from django.core.management import call_command

    access = seeded_aap(aapsim_server, version, tmp_path)
    setup_and_sync(access, tmp_path)
    before = counts()
    call_command("syncdata", since="2026-01-01", until="2036-01-01")
    run_worker()
    after = counts()
    assert after["SyncJob sync_jobs"] == before["SyncJob sync_jobs"] + 1
    assert after["SyncJob parse_job_data"] == before["SyncJob parse_job_data"]
    assert {k: after[k] for k in ENTITIES} == {k: before[k] for k in ENTITIES}
    assert statuses() == {"completed": 7}


def test_tokens_encrypted_and_refreshed(
    dash_db: Services, aapsim_server: Callable[..., Any], tmp_path: Path
) -> None:
    import time

    from apps.clusters.models import Cluster
    from django.db import connection

    access = seeded_aap(aapsim_server, "2.6", tmp_path, token_lifetime=2)
    from django.core.management import call_command

    call_command("setclusters", str(clusters_yaml(access, tmp_path / "c.yaml")))
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token, client_secret FROM clusters_cluster")
        stored = cursor.fetchone()
    for secret, raw in zip(
        (access["access_token"], access["refresh_token"], access["client_secret"]),
        stored,
        strict=True,
    ):
        assert secret not in raw and raw.startswith("gAAAA")  # a Fernet token
    time.sleep(2.5)  # let the access token expire: the first GET gets a 401
    call_command("syncdata", since="2026-01-01", until="2036-01-01")
    run_worker()
    assert counts() == EXPECTED
    cluster = Cluster.objects.get()
    assert cluster.access_token != access["access_token"]
    assert cluster.refresh_token != access["refresh_token"]


def test_setclusters_rerun_updates(
    dash_db: Services, aapsim_server: Callable[..., Any], tmp_path: Path
) -> None:
    from apps.clusters.models import Cluster
    from apps.scheduler.models import SyncSchedule
    from django.core.management import call_command

    access = seeded_aap(aapsim_server, "2.5", tmp_path)
    call_command("setclusters", str(clusters_yaml(access, tmp_path / "a.yaml")))
    SyncSchedule.objects.update(next_run_at="2030-01-01T00:00:00Z")
    call_command(
        "setclusters",
        str(
            clusters_yaml(
                access,
                tmp_path / "b.yaml",
                rrule="FREQ=DAILY",
                access_token="changed-token",
                verify_ssl=True,
            )
        ),
    )
    cluster = Cluster.objects.get()
    assert (cluster.access_token, cluster.verify_ssl) == ("changed-token", True)
    schedule = SyncSchedule.objects.get()
    assert (schedule.rrule, schedule.next_run_at) == ("FREQ=DAILY", None)


def test_failing_aap_fails_job_and_worker_continues(
    dash_db: Services, aapsim_server: Callable[..., Any], tmp_path: Path, bad_aap: Callable
) -> None:
    from apps.clusters.models import Cluster
    from apps.scheduler.models import SyncJob
    from django.core.management import call_command

    access = seeded_aap(aapsim_server, "2.5", tmp_path)
    call_command("setclusters", str(clusters_yaml(access, tmp_path / "c.yaml", sync_schedules=[])))
    good = Cluster.objects.get()
    cases = {
        "down": "unreachable",
        "500": "failed after 3 attempts (status 500)",
        "malformed": "malformed JSON",
        "awx": "not an AAP controller",
    }
    failing = {}
    for mode in cases:
        port = bad_aap(mode)
        failing[mode] = Cluster.objects.create(
            protocol="http", address="127.0.0.1", port=port, access_token="t", aap_version="2.5"
        )
    for cluster in [*failing.values(), good]:
        call_command("syncdata", since="2026-01-01", until="2036-01-01", cluster=cluster.pk)
    run_worker()
    for mode, cluster in failing.items():
        job = SyncJob.objects.get(cluster=cluster)
        assert job.status == SyncJob.FAILED, mode
        assert cases[mode] in (job.error_message or ""), (mode, job.error_message)
        assert job.completed_at is not None and job.started_at is not None
    assert SyncJob.objects.get(cluster=good, type=SyncJob.TYPE_SYNC).status == "completed"
    assert counts()["Job"] == 4


def test_concurrent_workers_never_share_a_job(
    dash_db: Services, aapsim_server: Callable[..., Any], tmp_path: Path
) -> None:
    import subprocess
    import sys

    from apps.clusters.models import Job
    from apps.scheduler.models import SyncJob
    from django.core.management import call_command

    from tests.dashboard.conftest import DASHBOARD_DIR

    access = seeded_aap(aapsim_server, "2.6", tmp_path, synthetic_jobs=400)
    call_command("setclusters", str(clusters_yaml(access, tmp_path / "c.yaml")))
    for _ in range(2):
        call_command("syncdata", since="2000-01-01", until="2036-01-01")
    env = {
        **__import__("os").environ,
        **dash_db.env,
        "DISPATCHER_PARSE_BATCH": "10",
        "LOG_LEVEL": "INFO",
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "run_dispatcher", "--until-idle"],
            cwd=DASHBOARD_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    logs = [w.communicate(timeout=300)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], logs

    parsed = sum(
        int(line.split("parsed ")[1].split()[0])
        for log in logs
        for line in log.splitlines()
        if "parsed " in line
    )
    completed_syncs = sum(log.count("completed:") for log in logs)
    total_jobs = Job.objects.count()
    assert total_jobs >= 404
    assert SyncJob.objects.filter(type=SyncJob.TYPE_PARSE).count() == total_jobs
    assert parsed == total_jobs  # each parse job ran exactly once across both workers
    assert completed_syncs == SyncJob.objects.filter(type=SyncJob.TYPE_SYNC).count() == 3
    assert statuses() == {"completed": total_jobs + 3}
    assert len({w for w in SyncJob.objects.values_list("worker", flat=True)}) == 2
    runs = sorted(
        SyncJob.objects.filter(type=SyncJob.TYPE_SYNC).values_list("started_at", "completed_at")
    )
    for (_, end), (start, _) in itertools.pairwise(runs):
        assert end <= start  # the Redis lock kept one cluster's syncs apart


def test_redis_wait_as_long_as_the_clients_socket_timeout(dash_db: Services) -> None:
    """The worker's default wait (5 s) equals redis-py's default socket timeout: it must end
    as a plain timeout, not a TimeoutError or a hang; a wake-up ends it at once."""
    import threading
    import time

    from apps.common.redis_client import wait_for_wake, wake_dispatcher

    started = time.monotonic()
    assert wait_for_wake(5.0) is False
    assert 4.5 < time.monotonic() - started < 8

    threading.Timer(0.5, wake_dispatcher).start()
    started = time.monotonic()
    assert wait_for_wake(5.0) is True
    assert time.monotonic() - started < 3
