"""setclusters / syncdata input handling, migrations and the web API of the reference dashboard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.conftest import Services, closed_port, clusters_yaml, manage

# one worker: the session's PostgreSQL/Redis (dashboard/conftest.py) and the label sweeps
pytestmark = [pytest.mark.docker, pytest.mark.xdist_group("dashboard")]

TABLES = {
    "clusters_cluster",
    "clusters_aapuser",
    "clusters_organization",
    "clusters_project",
    "clusters_jobtemplate",
    "clusters_job",
    "clusters_label",
    "clusters_joblabel",
    "clusters_jobhostsummary",
    "clusters_inventory",
    "clusters_host",
    "clusters_executionenvironment",
    "clusters_instancegroup",
    "clusters_clustersyncdata",
    "clusters_clustersyncstatus",
    "common_currency",
    "common_settings",
    "common_filterset",
    "scheduler_syncjob",
    "scheduler_syncschedule",
}


def test_migrations_create_tables_and_reference_data(dash_db: Services) -> None:
    from apps.common.models import Currency, Settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        present = {row[0] for row in cursor.fetchall()}
    assert present >= TABLES
    assert set(Currency.objects.values_list("code", flat=True)) == {
        "USD",
        "EUR",
        "GBP",
        "JPY",
        "CHF",
    }
    assert all(c.name and c.symbol for c in Currency.objects.all())
    assert Settings.objects.count() == 1


def assert_one_line_error(result: Any, *needles: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture(scope="module")
def live_aap(aapsim_server: Callable[..., Any]) -> dict[str, Any]:
    """An unseeded emulator is enough for setclusters' version check."""
    url, _ = aapsim_server("2.5")
    host, port = url.rsplit(":", 1)
    return {
        "aap_protocol": "http",
        "aap_address": host.split("//")[1],
        "aap_port": int(port),
        "access_token": "a",
        "refresh_token": "r",
        "client_id": "c",
        "client_secret": "s",
    }


BAD_FILES = {
    "not yaml": ("clusters: [unclosed", "not valid YAML"),
    "no clusters": ("other: 1\n", "'clusters:' list"),
    "empty list": ("clusters: []\n", "is empty"),
}
BAD_FIELDS = {
    "protocol": ({"protocol": "ftp"}, "clusters[0].protocol"),
    "port": ({"port": 70000}, "clusters[0].port"),
    "token": ({"access_token": ""}, "clusters[0].access_token"),
    "verify": ({"verify_ssl": "yes"}, "clusters[0].verify_ssl"),
    "rrule": (
        {"sync_schedules": [{"name": "x", "rrule": "FREQ=SOMETIMES", "enabled": True}]},
        "clusters[0].sync_schedules[0].rrule",
    ),
    "address": ({"address": "http://host"}, "clusters[0].address"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_setclusters_rejects_malformed_file(dash_db: Services, tmp_path: Path, case: str) -> None:
    from apps.clusters.models import Cluster

    text, needle = BAD_FILES[case]
    path = tmp_path / "c.yaml"
    path.write_text(text)
    assert_one_line_error(manage(dash_db, "setclusters", str(path)), needle)
    assert Cluster.objects.count() == 0


@pytest.mark.parametrize("case", sorted(BAD_FIELDS))
def test_setclusters_rejects_bad_field(
    dash_db: Services, tmp_path: Path, live_aap: dict[str, Any], case: str
) -> None:
    import yaml
    from apps.clusters.models import Cluster

    override, needle = BAD_FIELDS[case]
    good = yaml.safe_load(clusters_yaml(live_aap, tmp_path / "good.yaml").read_text())
    bad = yaml.safe_load(clusters_yaml(live_aap, tmp_path / "bad.yaml", **override).read_text())
    bad["clusters"][0]["address"] = override.get("address", "other.example")
    # A valid first cluster must not be written when the second is bad.
    (tmp_path / "both.yaml").write_text(
        yaml.safe_dump({"clusters": [good["clusters"][0], bad["clusters"][0]]})
    )
    result = manage(dash_db, "setclusters", str(tmp_path / "both.yaml"))
    assert_one_line_error(result, needle.replace("clusters[0]", "clusters[1]"))
    assert Cluster.objects.count() == 0


def test_setclusters_unreachable_aap(dash_db: Services, tmp_path: Path) -> None:
    from apps.clusters.models import Cluster

    access = {
        "aap_protocol": "http",
        "aap_address": "127.0.0.1",
        "aap_port": closed_port(),
        "access_token": "a",
        "refresh_token": "r",
        "client_id": "c",
        "client_secret": "s",
    }
    result = manage(dash_db, "setclusters", str(clusters_yaml(access, tmp_path / "c.yaml")))
    assert_one_line_error(result, "unreachable")
    assert Cluster.objects.count() == 0


def test_setclusters_missing_file(dash_db: Services, tmp_path: Path) -> None:
    assert_one_line_error(
        manage(dash_db, "setclusters", str(tmp_path / "nope.yaml")), "cannot read"
    )


def test_setclusters_rerun_does_not_duplicate(
    dash_db: Services, tmp_path: Path, live_aap: dict[str, Any]
) -> None:
    from apps.clusters.models import Cluster, ClusterSyncStatus
    from apps.scheduler.models import SyncSchedule

    path = clusters_yaml(live_aap, tmp_path / "c.yaml")
    for _ in range(2):
        result = manage(dash_db, "setclusters", str(path))
        assert result.returncode == 0, result.stderr
    assert "updated" in result.stdout
    assert (Cluster.objects.count(), SyncSchedule.objects.count()) == (1, 1)
    assert ClusterSyncStatus.objects.count() == 1
    assert Cluster.objects.get().aap_version == "2.5"


SYNCDATA_ERRORS = {
    "no since": (["--until", "2026-01-01"], "--since is required"),
    "bad date": (["--since", "2026-13-01", "--until", "2026-01-01"], "not an ISO date"),
    "reversed": (["--since", "2026-02-01", "--until", "2026-01-01"], "is after --until"),
}


@pytest.mark.parametrize("case", sorted(SYNCDATA_ERRORS))
def test_syncdata_errors(
    dash_db: Services, tmp_path: Path, live_aap: dict[str, Any], case: str
) -> None:
    from apps.scheduler.models import SyncJob

    manage(dash_db, "setclusters", str(clusters_yaml(live_aap, tmp_path / "c.yaml")))
    args, needle = SYNCDATA_ERRORS[case]
    assert_one_line_error(manage(dash_db, "syncdata", *args), needle)
    assert SyncJob.objects.count() == 0


def test_syncdata_without_cluster(dash_db: Services) -> None:
    result = manage(dash_db, "syncdata", "--since", "2026-01-01", "--until", "2026-01-02")
    assert_one_line_error(result, "no cluster is registered", "setclusters")


def test_syncdata_date_bounds_and_wake(
    dash_db: Services, tmp_path: Path, live_aap: dict[str, Any]
) -> None:
    from apps.common.redis_client import WAKE_KEY, get_redis
    from apps.scheduler.models import SyncJob

    manage(dash_db, "setclusters", str(clusters_yaml(live_aap, tmp_path / "c.yaml")))
    result = manage(dash_db, "syncdata", "--since", "2026-01-01", "--until", "2026-01-31")
    assert result.returncode == 0, result.stderr
    job = SyncJob.objects.get()
    assert (job.type, job.status) == ("sync_jobs", "pending")
    assert job.since == datetime(2026, 1, 1, tzinfo=UTC)
    assert job.until == datetime(2026, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert get_redis().llen(WAKE_KEY) >= 1  # the worker is woken, not only polled


def test_ping_and_list_api(
    dash_db: Services, aapsim_server: Callable[..., Any], tmp_path: Path
) -> None:
    from django.test import Client

    from tests.dashboard.conftest import seeded_aap, setup_and_sync

    setup_and_sync(seeded_aap(aapsim_server, "2.4", tmp_path), tmp_path)
    client = Client()
    ping = client.get("/api/v1/ping/")
    assert ping.status_code == 200
    assert ping.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    jobs = client.get("/api/v1/jobs/?page_size=3").json()
    assert jobs["count"] == 4 and len(jobs["results"]) == 3 and jobs["next"]
    assert client.get(jobs["next"]).json()["results"][0]["aap_job_id"] in {4, 5, 6, 7}
    clusters = client.get("/api/v1/clusters/").json()["results"]
    assert "access_token" not in clusters[0]
    assert client.get("/api/v1/nothing/").status_code == 404


def test_ping_reports_redis_down(dash_db: Services) -> None:
    from apps.common.redis_client import get_redis
    from django.test import Client, override_settings

    get_redis.cache_clear()
    try:
        with override_settings(REDIS_PORT=closed_port()):
            response = Client().get("/api/v1/ping/")
    finally:
        get_redis.cache_clear()
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["redis"].startswith("error")
