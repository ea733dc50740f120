"""What AAP holds after `scripts/setup_aap.py`: read it through the API and check it.

Shared by the seeding tests against the in-process emulator and against its image.
"""

from __future__ import annotations

from typing import Any

import httpx

API_ROOT = {"2.4": "/api/v2", "2.5": "/api/controller/v2", "2.6": "/api/controller/v2"}
# What real AAP holds after seeding a fresh install (API-FACTS §5, §6).
EXPECTED_IDS = {
    "organizations": [1, 2],
    "labels": [1, 2, 3, 4],
    "projects": [6, 8, 9, 10],
    "job_templates": [7, 11, 12],
    "jobs": [4, 5, 6, 7],
}
EXPECTED_JOBS = {
    4: {"template": 11, "labels": [1], "summaries": 1},
    5: {"template": 11, "labels": [1], "summaries": 1},
    6: {"template": 12, "labels": [1, 2], "summaries": 1},
    7: {"template": 12, "labels": [1, 2], "summaries": 1},
}
EXPECTED_TEMPLATES = {11: {"project": 8, "labels": [1]}, 12: {"project": 9, "labels": [1, 2]}}
EXPECTED_LABEL_NAMES = ["label1-org1", "label2-org1", "label3-org2", "label4-org2"]
EXPECTED_PROJECT_NAMES = {"project2-org1", "project3-org1", "project4-org2"}


def list_all(client: httpx.Client, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    url: str | None = path
    while url:
        resp = client.get(url)
        assert resp.status_code == 200, f"GET {url}: {resp.status_code}"
        page = resp.json()
        items.extend(page["results"])
        url = page["next"]
    return items


def snapshot(url: str, password: str, version: str) -> dict[str, Any]:
    """The AAP contents the seeding is responsible for, read as admin through the API."""
    root = API_ROOT[version]
    with httpx.Client(base_url=url, auth=("admin", password), timeout=10) as client:
        state: dict[str, Any] = {
            kind: sorted(r["id"] for r in list_all(client, f"{root}/{kind}/"))
            for kind in EXPECTED_IDS
        }
        jobs = {}
        for job in list_all(client, f"{root}/jobs/"):
            summaries = list_all(client, f"{root}/jobs/{job['id']}/job_host_summaries/")
            jobs[job["id"]] = {
                "template": job["job_template"],
                "labels": sorted(x["id"] for x in job["summary_fields"]["labels"]["results"]),
                "summaries": len(summaries),
                "status": job["status"],
            }
        state["job_details"] = jobs
        state["templates"] = {
            jt["id"]: {
                "project": jt["project"],
                "labels": sorted(x["id"] for x in jt["summary_fields"]["labels"]["results"]),
            }
            for jt in list_all(client, f"{root}/job_templates/")
        }
        state["names"] = {
            kind: sorted(r["name"] for r in list_all(client, f"{root}/{kind}/"))
            for kind in ("organizations", "labels", "projects", "job_templates")
        }
    return state


def assert_seeded_contents(state: dict[str, Any]) -> None:
    """`state` (from `snapshot`) is exactly what one seeding of a fresh AAP leaves.

    Messages carry both sides: pytest does not rewrite asserts outside test modules.
    """
    for kind, ids in EXPECTED_IDS.items():
        assert state[kind] == ids, f"{kind}: ids {state[kind]}, expected {ids}"
    for job_id, expected in EXPECTED_JOBS.items():
        want = {**expected, "status": "successful"}
        got = state["job_details"].get(job_id)
        assert got == want, f"job {job_id}: {got}, expected {want}"
    for jt_id, want in EXPECTED_TEMPLATES.items():
        got = state["templates"].get(jt_id)
        assert got == want, f"job template {jt_id}: {got}, expected {want}"
    labels = state["names"]["labels"]
    assert labels == EXPECTED_LABEL_NAMES, f"label names: {labels}"
    orgs = state["names"]["organizations"]
    assert "org2" in orgs, f"organization names: {orgs}"
    missing = EXPECTED_PROJECT_NAMES - set(state["names"]["projects"])
    assert not missing, f"projects missing: {sorted(missing)}"
