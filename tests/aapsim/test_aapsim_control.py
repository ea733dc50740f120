"""The control surface: off by default, admin-only, faults per route, token expiry, edits."""

from __future__ import annotations

import time

import httpx
import pytest
from aapsim.settings import parse_args
from aapsim_support import PASSWORD, Clock, api_root
from test_aapsim_auth import make_app_token, token_url

JOBS = "/api/controller/v2/jobs/"
C = "/_imagetest/"


def test_off_unless_enabled(make_client) -> None:
    client = make_client("2.6")
    assert client.get(f"{C}faults").status_code == 404
    assert client.post(f"{C}tokens/expire", json={}).status_code == 404


def test_enabled_by_flag_or_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_args(["--admin-password", "x"]).control is False
    assert parse_args(["--admin-password", "x", "--control"]).control is True
    monkeypatch.setenv("AAPSIM_CONTROL", "1")
    assert parse_args(["--admin-password", "x"]).control is True


def test_admin_basic_only(make_client) -> None:
    client = make_client("2.6", control=True)
    assert client.get(C).status_code == 200
    assert "POST /_imagetest/faults" in client.get(C).json()["routes"]
    for auth in (None, ("admin", "wrong"), ("other", PASSWORD)):
        client.auth = auth
        answer = client.get(f"{C}faults")
        assert answer.status_code == 401, auth
        assert "admin" in answer.json()["detail"]


def test_status_fault_for_n_requests_then_gone(make_client) -> None:
    client = make_client("2.6", control=True)
    made = client.post(f"{C}faults", json={"match": "/jobs/$", "status": 503, "count": 2})
    assert made.status_code == 201, made.text
    assert [client.get(JOBS).status_code for _ in range(3)] == [503, 503, 200]
    # other routes were never touched, and the spent rule is gone
    assert client.get("/api/controller/v2/organizations/").status_code == 200
    assert client.get(f"{C}faults").json()["faults"] == []


def test_fault_methods_and_rate(make_client) -> None:
    client = make_client("2.6", control=True)
    client.post(f"{C}faults", json={"match": "jobs", "methods": ["POST"], "status": 500})
    assert client.get(JOBS).status_code == 200
    client.delete(f"{C}faults")
    client.post(f"{C}faults", json={"match": "jobs", "status": 502, "rate": 0.5})
    codes = [client.get(JOBS).status_code for _ in range(200)]
    assert 60 < codes.count(502) < 140  # about half, from a seeded generator
    assert client.delete(f"{C}faults").json() == {"removed": 1}


@pytest.mark.parametrize(
    ("rule", "word"),
    [
        ({"status": 500}, "match"),
        ({"match": "(", "status": 500}, "regular expression"),
        ({"match": "x"}, "effect"),
        ({"match": "x", "status": 700}, "status"),
        ({"match": "x", "rate": 2, "status": 500}, "rate"),
        ({"match": "x", "body": "odd"}, "body"),
        ({"match": "x", "colour": 1}, "colour"),
    ],
)
def test_bad_rules_named(make_client, rule: dict, word: str) -> None:
    client = make_client("2.6", control=True)
    answer = client.post(f"{C}faults", json=rule)
    assert answer.status_code == 400
    assert word in answer.json()["detail"]


def test_malformed_and_truncated_bodies(make_client) -> None:
    client = make_client("2.6", control=True)
    client.post(f"{C}faults", json={"match": "/jobs/$", "body": "malformed", "count": 1})
    client.post(f"{C}faults", json={"match": "/jobs/$", "body": "truncated", "count": 1})
    for _ in range(2):
        answer = client.get(JOBS)
        assert answer.status_code == 200
        with pytest.raises(ValueError):
            answer.json()
    assert client.get(JOBS).json()["count"] == 0


def test_latency_and_dropped_connection_over_http(live_server) -> None:
    server = live_server("2.6", control=True)
    with httpx.Client(base_url=server.url, auth=("admin", PASSWORD), timeout=5) as client:
        client.post(f"{C}faults", json={"match": "/jobs/$", "latency": 0.4, "count": 1})
        started = time.monotonic()
        assert client.get(JOBS).status_code == 200
        assert time.monotonic() - started >= 0.4
        client.post(f"{C}faults", json={"match": "/jobs/$", "drop": True, "count": 1})
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(JOBS)
        assert client.get(JOBS).status_code == 200  # the server lives on


def test_expire_tokens_then_refresh_works(make_client, clock: Clock) -> None:
    client = make_client("2.6", control=True)
    app, token = make_app_token(client, "2.6")
    bearer = {"Authorization": f"Bearer {token['token']}"}
    client.auth = None
    assert client.get(JOBS, headers=bearer).status_code == 200
    client.auth = ("admin", PASSWORD)
    assert client.post(f"{C}tokens/expire", json={}).json()["expired"] >= 1
    client.auth = None
    assert client.get(JOBS, headers=bearer).status_code == 401
    refreshed = client.post(
        token_url("2.6"),
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(app["client_id"], app["client_secret"]),
    )
    assert refreshed.status_code == 201
    fresh = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    assert client.get(JOBS, headers=fresh).status_code == 200


def test_fault_expires_and_revokes_refresh_mid_sync(make_client) -> None:
    client = make_client("2.6", control=True)
    app, token = make_app_token(client, "2.6")
    rule = {"match": "/jobs/$", "expire_tokens": True, "revoke_refresh": True, "count": 1}
    client.post(f"{C}faults", json=rule)
    client.auth = None
    bearer = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/controller/v2/organizations/", headers=bearer).status_code == 200
    assert client.get(JOBS, headers=bearer).status_code == 401
    refused = client.post(
        token_url("2.6"),
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(app["client_id"], app["client_secret"]),
    )
    assert refused.status_code == 400
    assert refused.json() == {"error": "invalid_grant"}


def test_created_jobs_failed_null_started_no_launcher_shared_hosts(make_client) -> None:
    client = make_client("2.6", control=True)
    body = {"template": 7, "count": 3, "status": "failed", "started": None, "launched_by": None}
    made = client.post(f"{C}jobs", json={**body, "hosts": ["h1", "h2"]})
    assert made.status_code == 201, made.text
    ids = made.json()["ids"]
    assert len(ids) == 3
    for job_id in ids:
        job = client.get(f"{JOBS}{job_id}/").json()
        assert (job["status"], job["failed"], job["started"]) == ("failed", True, None)
        assert job["finished"] is not None
        assert job["launched_by"] == {}
        assert "created_by" not in job["summary_fields"]
        hosts = client.get(f"{JOBS}{job_id}/job_host_summaries/").json()["results"]
        assert sorted(h["summary_fields"]["host"]["name"] for h in hosts) == ["h1", "h2"]
        assert all(h["failed"] for h in hosts)
    # the hosts are shared: two hosts in the inventory, not six
    names = [h["name"] for h in client.get("/api/controller/v2/hosts/").json()["results"]]
    assert sorted(names) == ["h1", "h2", "localhost"]


def test_edit_finished_job(make_client, clock: Clock) -> None:
    client = make_client("2.6", control=True)
    job_id = client.post("/api/controller/v2/job_templates/7/launch/", json={}).json()["id"]
    assert client.patch(f"{C}jobs/{job_id}", json={"started": None}).status_code == 409
    clock.tick(5)
    before = client.get(f"{JOBS}{job_id}/").json()
    edited = client.patch(f"{C}jobs/{job_id}", json={"started": None, "launched_by": None})
    assert edited.status_code == 200, edited.text
    after = client.get(f"{JOBS}{job_id}/").json()
    assert after["started"] is None and before["started"] is not None
    assert after["launched_by"] == {}
    assert after["modified"] > before["modified"]
    bad = client.patch(f"{C}jobs/{job_id}", json={"name": "x"})
    assert bad.status_code == 400 and "name" in bad.json()["detail"]


def test_recreate_template_and_org_keep_names(make_client) -> None:
    client = make_client("2.6", control=True)
    root = api_root("2.6")
    made = client.post(f"{C}recreate", json={"kind": "job_template", "id": 7}).json()
    assert made["old"] == 7 and made["new"] > 7
    assert client.get(f"{root}job_templates/7/").status_code == 404
    assert client.get(f"{root}job_templates/{made['new']}/").json()["name"] == "Demo Job Template"
    org = client.post(f"{C}recreate", json={"kind": "organization", "id": 1}).json()
    assert client.get(f"{root}organizations/1/").status_code == 404
    moved = client.get(f"{root}job_templates/{made['new']}/").json()
    assert moved["organization"] == org["new"]
    assert client.get(f"{root}organizations/{org['new']}/").json()["name"] == "Default"
    renamed = client.post(
        f"{C}rename", json={"kind": "job_template", "id": made["new"], "name": "JT-r"}
    )
    assert renamed.status_code == 200
    assert client.get(f"{root}job_templates/{made['new']}/").json()["name"] == "JT-r"
    assert client.post(f"{C}recreate", json={"kind": "job_template", "id": 999}).status_code == 404


def test_jobs_show_their_template_as_it_is_now(make_client, clock: Clock) -> None:
    """As AWX serializes the job's foreign key: a rename shows on jobs launched before it;
    once the template is deleted the job has no template (its own name stays)."""
    client = make_client("2.6", control=True)
    old = client.post("/api/controller/v2/job_templates/7/launch/", json={}).json()["id"]
    clock.tick(120)
    client.post(f"{C}rename", json={"kind": "job_template", "id": 7, "name": "JT-r"})
    job = client.get(f"{JOBS}{old}/").json()
    assert job["name"] == "Demo Job Template"
    assert job["summary_fields"]["job_template"]["name"] == "JT-r"
    assert job["summary_fields"]["unified_job_template"]["name"] == "JT-r"
    hosts = client.get(f"{JOBS}{old}/job_host_summaries/").json()["results"]
    assert hosts
    assert {h["summary_fields"]["job"]["job_template_name"] for h in hosts} == {"JT-r"}

    client.post(f"{C}recreate", json={"kind": "job_template", "id": 7})
    job = client.get(f"{JOBS}{old}/").json()
    assert (job["job_template"], job["unified_job_template"]) == (None, None)
    assert "job_template" not in job["summary_fields"]
    assert "job_template" not in job["related"]
    assert job["name"] == "Demo Job Template"
    hosts = client.get(f"{JOBS}{old}/job_host_summaries/").json()["results"]
    assert all("job_template_name" not in h["summary_fields"]["job"] for h in hosts)
