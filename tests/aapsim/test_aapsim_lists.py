"""Pagination links, filters, ordering and bad input."""

from __future__ import annotations

import pytest
from aapsim_support import Clock

API = "/api/controller/v2/"


@pytest.fixture
def client(make_client, clock: Clock):
    client = make_client("2.6", job_seconds=1.0)
    for _ in range(30):
        assert client.post(f"{API}job_templates/7/launch/", json={}).status_code == 201
        clock.tick(0.1)
    clock.tick(120)
    return client


def test_pages_and_links(client) -> None:
    first = client.get(f"{API}jobs/?page_size=10&finished__gt=2026-01-01T00:00:00Z").json()
    assert first["count"] == 30 and len(first["results"]) == 10
    assert first["previous"] is None
    assert first["next"] == (
        f"{API}jobs/?finished__gt=2026-01-01T00%3A00%3A00Z&page=2&page_size=10"
    )
    second = client.get(first["next"]).json()
    assert second["previous"].endswith("page=1&page_size=10")
    assert [j["id"] for j in second["results"]] == list(range(11, 21))
    default = client.get(f"{API}jobs/").json()
    assert len(default["results"]) == 25
    capped = client.get(f"{API}jobs/?page_size=500").json()
    assert capped["next"] is None and len(capped["results"]) == 30
    assert client.get(f"{API}jobs/?page_size=1000&page_size=1").json()["next"] is None
    two = client.get(f"{API}jobs/?page_size=250&page=1").json()
    assert two["count"] == 30
    past = client.get(f"{API}jobs/?page=9")
    assert past.status_code == 404 and past.json() == {"detail": "Invalid page."}
    assert client.get(f"{API}jobs/?page=abc").status_code == 404
    assert len(client.get(f"{API}jobs/?page_size=0").json()["results"]) == 25


def test_page_size_cap_written_in_links(make_client, clock: Clock) -> None:
    client = make_client("2.6", job_seconds=0.0, synthetic_jobs=450)
    body = client.get(f"{API}jobs/?page_size=500").json()
    assert len(body["results"]) == 200
    assert body["next"] == f"{API}jobs/?page=2&page_size=200"


def test_finished_window_is_strict_and_microsecond_exact(client) -> None:
    jobs = client.get(f"{API}jobs/?order_by=finished&page_size=100").json()["results"]
    finished = [j["finished"] for j in jobs]
    assert finished == sorted(finished)
    pivot = jobs[9]["finished"]
    after = client.get(f"{API}jobs/?order_by=finished&page_size=100&finished__gt={pivot}").json()
    assert after["count"] == 20 and after["results"][0]["id"] == jobs[10]["id"]
    upto = client.get(f"{API}jobs/?order_by=finished&finished__lte={pivot}").json()
    assert upto["count"] == 10
    assert client.get(f"{API}jobs/?finished__gte={pivot}&order_by=finished").json()["count"] == 21
    assert client.get(f"{API}jobs/?finished__lt={pivot}").json()["count"] == 9
    # Same window through the general (non-indexed) path gives the same answer.
    general = client.get(f"{API}jobs/?finished__gt={pivot}&status=successful").json()
    assert general["count"] == 20


def test_filters_and_ordering(client) -> None:
    assert client.get(f"{API}jobs/?id__in=3,5,7").json()["count"] == 3
    assert client.get(f"{API}jobs/?id__gt=25").json()["count"] == 5
    assert client.get(f"{API}jobs/?name__icontains=DEMO").json()["count"] == 30
    assert client.get(f"{API}jobs/?name__startswith=Demo&status=successful").json()["count"] == 30
    assert client.get(f"{API}jobs/?not__id=1").json()["count"] == 29
    assert client.get(f"{API}jobs/?job_template=7&organization=1").json()["count"] == 30
    assert client.get(f"{API}jobs/?finished__isnull=true").json()["count"] == 0
    assert client.get(f"{API}jobs/?name__iexact=demo job template").json()["count"] == 30
    desc = client.get(f"{API}jobs/?order_by=-id&page_size=3").json()["results"]
    assert [j["id"] for j in desc] == [30, 29, 28]
    multi = client.get(f"{API}jobs/?order_by=name,-id&page_size=2").json()["results"]
    assert [j["id"] for j in multi] == [30, 29]
    created = client.get(f"{API}jobs/?created__gt=2026-03-01T12:00:01.5Z").json()
    assert created["count"] == 14
    assert client.get(f"{API}organizations/?name=Default").json()["count"] == 1
    assert client.get(f"{API}organizations/?or__name=Default&or__name=x").json()["count"] == 1


@pytest.mark.parametrize(
    "query",
    [
        "nope=1",
        "order_by=nope",
        "id=abc",
        "finished__gt=yesterday",
        "failed=maybe",
        "name__regexx=1",
        "order_by=finished&finished__gt=not-a-date",
    ],
)
def test_bad_filters_are_400(client, query: str) -> None:
    response = client.get(f"{API}jobs/?{query}")
    assert response.status_code == 400, response.text
    assert "detail" in response.json()


def test_host_summaries_with_and_without_slash(client) -> None:
    with_slash = client.get(f"{API}jobs/3/job_host_summaries/?order_by=modified").json()
    without = client.get(f"{API}jobs/3/job_host_summaries?page_size=100&page=1&order_by=modified")
    assert without.status_code == 200
    assert without.json()["results"] == with_slash["results"]
    assert client.get(f"{API}jobs/999/job_host_summaries/").status_code == 404


def test_bad_input(make_client, clock: Clock) -> None:
    client = make_client("2.6", job_seconds=5.0)
    r = client.post(f"{API}labels/", json={})
    assert r.status_code == 400
    assert r.json() == {
        "name": ["This field is required."],
        "organization": ["This field is required."],
    }
    r = client.post(f"{API}labels/", json={"name": "a", "organization": 99})
    assert r.json() == {"organization": ['Invalid pk "99" - object does not exist.']}
    r = client.post(f"{API}labels/", json={"name": "a", "organization": [1]})
    assert r.json()["organization"][0].startswith("Incorrect type")
    assert client.post(f"{API}labels/", json={"name": "a", "organization": 1}).status_code == 201
    dup = client.post(f"{API}labels/", json={"name": "a", "organization": 1})
    assert dup.status_code == 400 and "__all__" in dup.json()
    assert (
        client.post(
            f"{API}labels/", content=b"{not json", headers={"content-type": "application/json"}
        ).status_code
        == 400
    )
    assert client.post(f"{API}labels/", json=[1, 2]).status_code == 400
    forbidden = client.post(f"{API}organizations/", json={"name": "x"})
    assert forbidden.status_code == 403
    assert forbidden.json()["detail"].startswith("Creation of this resource is not allowed.")
    project = client.post(
        f"{API}projects/",
        json={"name": "p", "organization": 1, "scm_type": "git", "scm_url": "https://example/x"},
    ).json()
    # The same template three times: before the project's update has playbooks, then
    # once it has them, then again (a duplicate name).
    jt_body = {
        "name": "jt",
        "project": project["id"],
        "inventory": 1,
        "playbook": "hello_world.yml",
    }
    early = client.post(f"{API}job_templates/", json=jt_body)
    assert early.status_code == 400
    assert early.json() == {"playbook": ["Playbook not found for project."]}
    clock.tick(30)
    jt = client.post(f"{API}job_templates/", json=jt_body)
    assert jt.status_code == 201 and jt.headers["Location"] == jt.json()["url"]
    assert client.post(f"{API}job_templates/", json=jt_body).status_code == 400
    assert (
        client.post(
            f"{API}job_templates/",
            json={"name": "x", "project": project["id"], "playbook": "hello_world.yml"},
        ).status_code
        == 400
    )
    assert client.get(f"{API}jobs/12345/").status_code == 404
    assert client.get(f"{API}job_templates/abc/").status_code == 404
    not_allowed = client.delete(f"{API}jobs/")
    assert not_allowed.status_code == 405
    assert not_allowed.json() == {"detail": 'Method "DELETE" not allowed.'}
    assert client.put(f"{API}ping/").status_code == 405


def test_label_association_rules(make_client) -> None:
    client = make_client("2.4")
    api = "/api/v2/"
    created = client.post(f"{api}job_templates/7/labels/", json={"name": "new", "organization": 1})
    assert created.status_code == 201 and created.headers["Location"].endswith("/labels/1/")
    assert (
        client.post(
            f"{api}job_templates/7/labels/", json={"name": "new", "organization": 1}
        ).status_code
        == 204
    )
    other = client.post(f"{api}labels/", json={"name": "other", "organization": 1}).json()
    assert client.post(f"{api}job_templates/7/labels/", json={"id": other["id"]}).status_code == 204
    labels = client.get(f"{api}job_templates/7/labels/").json()
    assert labels["count"] == 2
    gone = client.post(f"{api}job_templates/7/labels/", json={"id": 1, "disassociate": True})
    assert gone.status_code == 204
    assert client.get(f"{api}labels/1/").status_code == 404  # attached to nothing: deleted
    assert client.post(f"{api}job_templates/7/labels/", json={"id": "x"}).status_code == 400
    assert (
        client.post(f"{api}job_templates/7/labels/", json={"disassociate": True}).status_code == 400
    )
    job = client.post(f"{api}job_templates/7/launch/", json={"extra": 1})
    assert job.status_code == 201 and job.json()["ignored_fields"] == {"extra": 1}
    assert job.json()["summary_fields"]["labels"]["results"] == [{"id": 2, "name": "other"}]


def test_job_lifecycle_and_timestamps(make_client, clock: Clock) -> None:
    client = make_client("2.5", job_seconds=4.0)
    job = client.post(f"{API}job_templates/7/launch/", json={}).json()
    assert job["status"] == "pending" and job["started"] is None
    clock.tick(2)
    running = client.get(f"{API}jobs/{job['id']}/").json()
    assert running["status"] == "running" and running["finished"] is None
    clock.tick(10)
    done = client.get(f"{API}jobs/{job['id']}/").json()
    assert done["status"] == "successful" and done["elapsed"] == 4.0
    assert done["finished"].endswith("Z") and done["created"] == "2026-03-01T12:00:00Z"
    assert done["started"] == "2026-03-01T12:00:01Z"
    assert done["launched_by"] == {
        "id": 1,
        "name": "admin",
        "type": "user",
        "url": f"{API}users/1/",
    }
    jt = client.get(f"{API}job_templates/7/").json()
    assert jt["summary_fields"]["last_job"]["id"] == job["id"] and jt["status"] == "successful"


@pytest.mark.parametrize(
    "name, raw",
    [
        ("Étiquette ✓", '"\\u00c9tiquette \\u2713"'),  # served as UTF-8 by the fast encoder
        ("\ud800-lone", '"\\ud800-lone"'),  # a lone surrogate: the stdlib fallback escapes it
    ],
)
def test_any_stored_string_is_served_as_json(make_client, name: str, raw: str) -> None:
    client = make_client("2.6")
    body = '{"name": ' + raw + ', "organization": 1}'
    made = client.post(f"{API}labels/", content=body, headers={"content-type": "application/json"})
    assert made.status_code == 201, made.text
    assert made.headers["content-type"] == "application/json"
    listed = client.get(f"{API}labels/?page_size=200")
    assert listed.status_code == 200
    assert [lb["name"] for lb in listed.json()["results"]] == [name]
