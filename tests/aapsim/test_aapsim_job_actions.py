"""Cancel, relaunch, edits and deletes as AWX answers them, and the job shapes they leave:
a job canceled before it started (started null, elapsed 0, no events, no host summaries),
a job whose template, inventory and host were deleted (null keys, host_name kept)."""

from __future__ import annotations

import pytest
from aapsim_support import VERSIONS, api_root


def launch(client, api: str, template: int = 7) -> dict:
    made = client.post(f"{api}job_templates/{template}/launch/", json={})
    assert made.status_code == 201, made.text
    return made.json()


@pytest.mark.parametrize("version", VERSIONS)
def test_a_job_canceled_before_it_started(make_client, clock, version: str) -> None:
    client = make_client(version, job_seconds=60)
    api = api_root(version)
    job = launch(client, api)
    assert client.get(f"{api}jobs/{job['id']}/cancel/").json() == {"can_cancel": True}
    canceled = client.post(f"{api}jobs/{job['id']}/cancel/")
    assert (canceled.status_code, canceled.content) == (202, b"")
    clock.tick(1)
    body = client.get(f"{api}jobs/{job['id']}/").json()
    assert body["status"] == "canceled" and body["failed"] is False
    assert body["started"] is None and body["finished"] is not None
    assert body["elapsed"] == 0 and body["canceled_on"] is not None
    assert body["event_processing_finished"] is True
    assert client.get(f"{api}jobs/{job['id']}/job_host_summaries/").json()["count"] == 0
    assert client.get(f"{api}jobs/{job['id']}/job_events/").json()["count"] == 0
    assert client.get(f"{api}jobs/{job['id']}/cancel/").json() == {"can_cancel": False}
    again = client.post(f"{api}jobs/{job['id']}/cancel/")
    assert again.status_code == 405 and again.json() == {"detail": 'Method "POST" not allowed.'}
    listed = client.get(f"{api}jobs/", params={"status": "canceled"}).json()
    assert [j["id"] for j in listed["results"]] == [job["id"]]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_running_job_canceled_keeps_its_start(make_client, clock, version: str) -> None:
    client = make_client(version, job_seconds=60)
    api = api_root(version)
    job = launch(client, api)
    clock.tick(30)  # started at 15 s, finishes at 75 s
    assert client.get(f"{api}jobs/{job['id']}/").json()["status"] == "running"
    assert client.post(f"{api}jobs/{job['id']}/cancel/").status_code == 202
    body = client.get(f"{api}jobs/{job['id']}/").json()
    assert body["status"] == "canceled" and body["started"] is not None
    assert body["elapsed"] == pytest.approx(15, abs=0.01)


@pytest.mark.parametrize("version", VERSIONS)
def test_relaunch_copies_the_job_and_survives_its_template(make_client, clock, version: str):
    client = make_client(version, job_seconds=1)
    api = api_root(version)
    job = launch(client, api)
    clock.tick(5)
    info = client.get(f"{api}jobs/{job['id']}/relaunch/").json()
    assert info == {"passwords_needed_to_start": [], "retry_counts": {"all": 1, "failed": 0}}
    options = client.options(f"{api}jobs/{job['id']}/relaunch/").json()["actions"]
    assert options["POST"]["hosts"]["choices"][0] == ["all", "No change to job limit"]
    again = client.post(f"{api}jobs/{job['id']}/relaunch/", json={})
    assert again.status_code == 201, again.text
    copy = again.json()
    assert copy["job"] == copy["id"] != job["id"] and copy["launch_type"] == "relaunch"
    assert (copy["job_template"], copy["inventory"]) == (job["job_template"], job["inventory"])
    # the template goes; the jobs stay, with no template, and still relaunch
    assert client.delete(f"{api}job_templates/7/").status_code == 204
    kept = client.get(f"{api}jobs/{job['id']}/").json()
    assert kept["job_template"] is None and kept["name"] == job["name"]
    assert client.post(f"{api}jobs/{job['id']}/relaunch/", json={}).status_code == 201
    # the inventory goes (202, AWX deletes it in the background): no relaunch, 400 as AWX
    assert client.delete(f"{api}inventories/{job['inventory']}/").status_code == 202
    refused = client.post(f"{api}jobs/{job['id']}/relaunch/", json={})
    assert refused.status_code == 400
    assert refused.json() == {"errors": ["Job Template Inventory is missing or undefined."]}
    summary = client.get(f"{api}jobs/{job['id']}/job_host_summaries/").json()["results"][0]
    assert summary["host"] is None and summary["host_name"] == "localhost"


@pytest.mark.parametrize("version", VERSIONS)
def test_edits_check_the_body_and_unique_names(make_client, version: str) -> None:
    client = make_client(version)
    api = api_root(version)
    made = client.post(f"{api}inventories/", json={"name": "inv2", "organization": 1})
    assert made.status_code == 201
    url = f"{api}inventories/{made.json()['id']}/"
    assert client.patch(url, json={"description": "d"}).json()["description"] == "d"
    taken = client.patch(url, json={"name": "Demo Inventory"})
    assert taken.status_code == 400 and "__all__" in taken.json()
    blank = client.put(url, json={"name": ""})
    assert blank.status_code == 400 and "name" in blank.json()
    assert client.get(url).json()["name"] == "inv2"


@pytest.mark.parametrize("version", ["2.5", "2.6"])
def test_the_gateways_objects_change_only_where_not_shared(make_client, version: str) -> None:
    client = make_client(version)
    api = api_root(version)
    renamed = client.patch(f"{api}organizations/1/", json={"name": "renamed"})
    assert renamed.status_code == 403
    # DRF keeps PermissionDenied's dict as given: a string, not a list
    assert renamed.json() == {
        "name": "Cannot change shared field 'name'. Alter this field via the platform ingress."
    }
    assert client.patch(f"{api}organizations/1/", json={"max_hosts": 5}).status_code == 200
    gone = client.delete(f"{api}users/1/")
    assert gone.status_code == 403 and "Deletion of this resource is not allowed" in gone.text
