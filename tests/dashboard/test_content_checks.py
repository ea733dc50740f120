"""Content checks of the scenarios against the reference dashboard's real schema: a synced
database passes them, and each kind of wrong content reads like the count contract."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from imagetest.model.profile import load_profile
from imagetest.scenarios.checks import Checker, snapshot
from tests.dashboard.conftest import Services, seeded_aap, setup_and_sync

# one worker: the session's PostgreSQL/Redis (dashboard/conftest.py) and the label sweeps
pytestmark = [pytest.mark.docker, pytest.mark.xdist_group("dashboard")]


class Rollback(Exception):
    """Ends the transaction of the wrong contents."""


@pytest.fixture
def synced(
    dash_db: Services, aapsim_server: Callable[..., Any], tmp_path: Path
) -> Iterator[psycopg.Connection[Any]]:
    setup_and_sync(seeded_aap(aapsim_server, "2.6", tmp_path), tmp_path)
    env = dash_db.env
    url = (
        f"postgresql://{env['DB_USER']}:{env['DB_PASSWORD']}@{env['DB_HOST']}:"
        f"{env['DB_PORT']}/{env['DB_NAME']}"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


def test_synced_data_passes_and_wrong_content_is_named(synced: psycopg.Connection[Any]) -> None:
    snapshots = {"before": snapshot(synced, load_profile("reference"))}
    checker = Checker(synced, load_profile("reference"), snapshots)
    good = {
        "entity": "Job",
        "aap_id": 6,
        "expect": {
            "template": "jobtemplate3-org1",
            "organization": "Default",
            "labels": ["label2-org1", "label1-org1"],  # a set: order does not matter
            "launched_by": "admin",
            "hosts": ["localhost"],
            "status": "successful",
        },
    }

    def texts(check: dict[str, Any]) -> list[str]:
        return [problem.text for problem in checker.run(check)[1]]

    for check in (
        {"row": good},
        {"counts": {"Job": 4, "Host": 1}},
        {"no_duplicates": ["Job", "JobTemplate", "Organization", "Label", "AAPUser", "Host"]},
        {"times_ordered": "Job"},
        {"syncjobs": {"terminal": True, "failed": 0}},
        {"kept": "before"},
    ):
        assert checker.run(check)[1] == [], check

    wrong = {"entity": "Job", "aap_id": 6, "expect": {"template": "JT1", "labels": ["x"]}}
    assert texts({"row": wrong}) == [
        "Job 6: expected template 'JT1', got 'jobtemplate3-org1'",
        "Job 6: expected labels {x}, got {label1-org1, label2-org1}",
    ]
    # the facts a known failure would name
    first = checker.run({"row": wrong})[1][0]
    assert (first.check, first.entity, first.aap_id, first.field) == ("row", "Job", 6, "template")
    assert (first.expected, first.found) == ("JT1", "jobtemplate3-org1")
    assert texts({"row": {"entity": "Job", "aap_id": 99}}) == ["Job 99: expected one row, found 0"]
    assert texts({"counts": {"Job": 5}}) == ["Job: expected 5 rows, found 4"]
    assert (
        "no logical field 'colour'"
        in texts({"row": {"entity": "Job", "aap_id": 6, "expect": {"colour": 1}}})[0]
    )

    # wrong contents, in a transaction rolled back at the end (the constraint drop too)
    with pytest.raises(Rollback), synced.transaction(), synced.cursor() as cur:
        cur.execute(
            "UPDATE clusters_job SET finished = started - interval '1 hour' WHERE aap_job_id = 5"
        )
        cur.execute("DELETE FROM clusters_jobtemplate WHERE aap_template_id = 7")
        # an image without the unique constraint, as the upstream's Host race needed
        cur.execute("ALTER TABLE clusters_host DROP CONSTRAINT clusters_host_unique")
        cur.execute(
            "INSERT INTO clusters_host (cluster_id, aap_host_id, name, description) "
            "SELECT cluster_id, aap_host_id, name, description FROM clusters_host"
        )
        assert texts({"times_ordered": "Job"})[0].startswith("Job 5: finished ")
        assert texts({"kept": "before"}) == ["JobTemplate: rows synced before are gone (AAP ids 7)"]
        assert texts({"no_duplicates": ["Host"]}) == [
            "Host 1: 2 rows for one AAP object, expected 1"
        ]
        raise Rollback
