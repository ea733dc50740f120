"""The upstream seeding calls (API-FACTS §6), written out with httpx, give the expected ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from aapsim_support import PASSWORD, VERSIONS, Clock, api_root


def post_created(client: httpx.Client, url: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST as admin, as setup_aap.py does; the call must answer 201."""
    r = client.post(url, auth=("admin", PASSWORD), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def seed(client: httpx.Client, version: str, wait: Callable[[float], None]) -> dict[str, object]:
    api = api_root(version).rstrip("/")
    auth = ("admin", PASSWORD)
    # 1. version detection (no auth)
    ping = client.get("/api/gateway/v1/ping/", auth=None)
    if version == "2.4":
        assert ping.status_code == 404
        ping = client.get("/api/v2/ping/", auth=None)
        assert ping.json()["version"].startswith("4.5.")
    else:
        assert ping.status_code == 200
        assert ping.json()["version"] == version
    # 2-3. OAuth2 application and token (the gateway on 2.5/2.6, the controller on 2.4)
    oauth = api if version == "2.4" else "/api/gateway/v1"
    app = post_created(
        client,
        f"{oauth}/applications/",
        {
            "name": "ad-app",
            "description": "ad-app-desc",
            "organization": 1,
            "redirect_uris": "https://dashboard:8447/auth-callback",
            "app_url": "",
            "client_type": "confidential",
            "authorization_grant_type": "authorization-code",
        },
    )
    token = post_created(
        client,
        f"{oauth}/tokens/",
        {"description": "ad-aap-token", "scope": "read", "application": app["id"], "user": 2},
    )
    # 4. me
    assert client.get(f"{api}/me/", auth=auth).status_code == 200
    if version != "2.4":
        assert client.get("/api/gateway/v1/me/", auth=auth).status_code == 200
    # 5. org2
    orgs = api if version == "2.4" else "/api/gateway/v1"
    org = post_created(
        client,
        f"{orgs}/organizations/",
        {"name": "org2", "description": "org2-desc", "max_hosts": 0},
    )
    assert org["id"] == 2
    wait(5)
    # 6. labels
    for n, (name, org_id) in enumerate(
        [("label1-org1", 1), ("label2-org1", 1), ("label3-org2", 2), ("label4-org2", 2)], 1
    ):
        body = {"name": name, "organization": org_id}
        assert post_created(client, f"{api}/labels/", body)["id"] == n
    # 7. projects
    for n, (name, org_id) in enumerate(
        [("project2-org1", 1), ("project3-org1", 1), ("project4-org2", 2)], 8
    ):
        body = {
            "name": name,
            "description": name,
            "scm_url": "https://github.com/ansible/ansible-tower-samples",
            "scm_type": "git",
            "organization": org_id,
        }
        assert post_created(client, f"{api}/projects/", body)["id"] == n
    wait(10)
    # 8. job templates
    for n, (name, project) in enumerate([("jobtemplate2-org1", 8), ("jobtemplate3-org1", 9)], 11):
        body = {
            "name": name,
            "description": name,
            "inventory": 1,
            "project": project,
            "playbook": "hello_world.yml",
            "credential": 1,
            "execution_environment": 2,
        }
        assert post_created(client, f"{api}/job_templates/", body)["id"] == n
    # 9. label associations
    for jt, label, org_id in [
        (11, "label1-org1", 1),
        (12, "label1-org1", 1),
        (12, "label2-org1", 1),
    ]:
        r = client.post(
            f"{api}/job_templates/{jt}/labels/",
            auth=auth,
            json={"name": label, "organization": org_id},
        )
        assert r.status_code in (201, 204), r.text
    # 10. launches
    for n, jt in enumerate([11, 11, 12, 12], 4):
        job = post_created(client, f"{api}/job_templates/{jt}/launch/", {})
        assert job["id"] == n == job["job"]
        wait(1)
    return {"app": app, "token": token}


def check_seeded(client: httpx.Client, version: str) -> None:
    api = api_root(version)
    auth = ("admin", PASSWORD)
    jobs = client.get(f"{api}jobs/?page_size=100&page=1&order_by=finished", auth=auth).json()
    assert jobs["count"] == 4
    assert {j["id"] for j in jobs["results"]} == {4, 5, 6, 7}
    assert all(j["status"] == "successful" for j in jobs["results"])
    by_id = {j["id"]: j for j in jobs["results"]}
    assert [lb["id"] for lb in by_id[4]["summary_fields"]["labels"]["results"]] == [1]
    assert [lb["id"] for lb in by_id[7]["summary_fields"]["labels"]["results"]] == [1, 2]
    assert by_id[5]["job_template"] == 11 and by_id[6]["project"] == 9
    assert by_id[4]["launched_by"]["id"] == 1
    summary_ids = set()
    for job_id in (4, 5, 6, 7):
        # the dashboard's URL has no trailing slash: a 301 to it, as AWX answers (requests follows)
        answer = client.get(
            f"{api}jobs/{job_id}/job_host_summaries?page_size=100&page=1&order_by=modified",
            auth=auth,
            follow_redirects=True,
        )
        assert [r.status_code for r in answer.history] == [301]
        rows = answer.json()["results"]
        assert [r["host_name"] for r in rows] == ["localhost"]
        summary_ids.add(rows[0]["id"])
    assert summary_ids == {1, 2, 3, 4}
    updates = client.get(f"{api}project_updates/", auth=auth).json()
    assert [u["id"] for u in updates["results"]] == [1, 2, 3]
    assert client.get(f"{api}organizations/", auth=auth).json()["count"] == 2
    assert client.get(f"{api}job_templates/", auth=auth).json()["count"] == 3
    assert client.get(f"{api}labels/", auth=auth).json()["count"] == 4


@pytest.mark.parametrize("version", VERSIONS)
def test_seeding_in_process_gives_upstream_ids(make_client, clock: Clock, version: str) -> None:
    client = make_client(version, job_seconds=3.0)
    seed(client, version, clock.tick)
    jobs = client.get(f"{api_root(version)}jobs/").json()["results"]
    assert any(j["status"] in ("pending", "running") for j in jobs)
    clock.tick(60)
    check_seeded(client, version)
    # Jobs of one template run one after another: 5 starts when 4 has finished.
    by_id = {j["id"]: j for j in client.get(f"{api_root(version)}jobs/").json()["results"]}
    assert by_id[5]["started"] >= by_id[4]["finished"]
    assert by_id[7]["started"] >= by_id[6]["finished"]


def test_finish_order_follows_template_queues(make_client, clock: Clock) -> None:
    """With 8 s jobs launched 1 s apart, 4 and 6 finish first: order 4, 6, 5, 7 (as recorded)."""
    client = make_client("2.5", job_seconds=8.0)
    seed(client, "2.5", clock.tick)
    clock.tick(60)
    jobs = client.get("/api/controller/v2/jobs/?order_by=finished").json()["results"]
    assert [j["id"] for j in jobs] == [4, 6, 5, 7]
    summaries = {
        j: client.get(f"/api/controller/v2/jobs/{j}/job_host_summaries/").json()["results"][0]["id"]
        for j in (4, 5, 6, 7)
    }
    assert summaries == {4: 1, 6: 2, 5: 3, 7: 4}


@pytest.mark.parametrize("version", VERSIONS)
def test_seeding_over_real_http(live_server, version: str) -> None:
    import time

    server = live_server(version, job_seconds=0.2)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        seed(client, version, lambda s: time.sleep(min(s, 0.3)))
        time.sleep(1.5)
        check_seeded(client, version)
