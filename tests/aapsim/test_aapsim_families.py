"""The families a controller user touches beyond templates and jobs, as AWX answers them:
roles and their grants (AWX's checks; behind the 2.5/2.6 gateway, membership is the
gateway's), credential types and the inputs they allow, schedules and their rrule times,
and the jobs of a sliced template's launch (a workflow job and its slices)."""

from __future__ import annotations

import pytest
from aapsim.control import PREFIX
from aapsim_support import VERSIONS, api_root

EVERY_DAY = "DTSTART:20250101T060000Z RRULE:FREQ=DAILY;INTERVAL=1"


def object_roles(client, path: str) -> dict[str, int]:
    roles = client.get(path).json()["summary_fields"]["object_roles"]
    return {name: role["id"] for name, role in roles.items()}


@pytest.mark.parametrize("version", VERSIONS)
def test_a_fresh_install_numbers_its_roles_as_aap(make_client, version: str) -> None:
    """Recorded on AAP 2.5 and 2.6: the Default organization holds roles 9-21 and the Demo Job
    Template 37-39 (the Demo credentials, inventory and project hold the ones between)."""
    client = make_client(version)
    api = api_root(version)
    org = object_roles(client, f"{api}organizations/1/")
    assert (min(org.values()), max(org.values())) == (9, 21)
    assert object_roles(client, f"{api}job_templates/7/") == {
        "admin_role": 37, "execute_role": 38, "read_role": 39,
    }  # fmt: skip
    role = client.get(f"{api}roles/38/")
    assert role.headers["Warning"].startswith("299 awx")  # AWX marks the view deprecated
    body = role.json()
    assert (body["name"], body["description"]) == ("Execute", "May run the job template")
    assert body["summary_fields"]["resource_type"] == "job_template"
    assert body["related"]["job_template"].endswith("/job_templates/7/")


@pytest.mark.parametrize("version", VERSIONS)
def test_roles_granted_and_revoked_on_either_side(make_client, version: str) -> None:
    client = make_client(version)
    api = api_root(version)
    execute = object_roles(client, f"{api}job_templates/7/")["execute_role"]
    assert client.post(f"{api}users/1/roles/", json={"id": execute}).status_code == 204
    users = client.get(f"{api}roles/{execute}/users/").json()["results"]
    assert [u["username"] for u in users] == ["admin"]
    # admin also holds the Demo Credential's admin role: the install made it for admin
    held = {r["id"]: r for r in client.get(f"{api}users/1/roles/").json()["results"]}
    demo = object_roles(client, f"{api}credentials/1/")["admin_role"]
    assert sorted(held) == sorted([demo, execute])
    assert held[execute]["summary_fields"]["user_capabilities"] == {"unattach": True}
    gone = client.post(f"{api}roles/{execute}/users/", json={"id": 1, "disassociate": True})
    assert gone.status_code == 204
    assert [r["id"] for r in client.get(f"{api}users/1/roles/").json()["results"]] == [demo]
    missing = client.post(f"{api}users/1/roles/", json={})
    assert missing.json() == {"msg": "Role 'id' field is missing."}
    unknown = client.post(f"{api}users/1/roles/", json={"id": 99999})
    assert unknown.status_code == 400
    assert unknown.json() == {"detail": "Role matching query does not exist."}
    member = object_roles(client, f"{api}organizations/1/")["member_role"]
    joined = client.post(f"{api}users/1/roles/", json={"id": member})
    if version == "2.4":
        assert joined.status_code == 204
    else:  # ALLOW_LOCAL_RESOURCE_MANAGEMENT is off behind the gateway
        assert joined.status_code == 403
        assert joined.json() == {
            "msg": "Cannot directly modify user membership to organization. "
            "Direct shared resource management disabled"
        }


def test_a_team_holds_roles_but_not_an_organizations_membership(make_client) -> None:
    client = make_client("2.4")
    api = api_root("2.4")
    team = client.post(f"{api}teams/", json={"name": "t", "organization": 1}).json()
    read = object_roles(client, f"{api}job_templates/7/")["read_role"]
    assert client.post(f"{api}teams/{team['id']}/roles/", json={"id": read}).status_code == 204
    assert [t["id"] for t in client.get(f"{api}roles/{read}/teams/").json()["results"]] == [
        team["id"]
    ]
    member = object_roles(client, f"{api}organizations/1/")["member_role"]
    refused = client.post(f"{api}teams/{team['id']}/roles/", json={"id": member})
    assert refused.status_code == 400
    assert "Organization participation role" in refused.json()["msg"]
    # a credential of another organization cannot be granted to a user outside it
    other = client.post(f"{api}organizations/", json={"name": "o2"}).json()
    cred = client.post(f"{api}credentials/", json={
        "name": "c", "credential_type": 1, "organization": other["id"], "inputs": {},
    }).json()  # fmt: skip
    use = cred["summary_fields"]["object_roles"]["use_role"]["id"]
    outside = client.post(f"{api}users/1/roles/", json={"id": use})
    assert outside.status_code == 400 and "not in the credentials' organization" in outside.text


@pytest.mark.parametrize("version", VERSIONS)
def test_credential_types_and_the_inputs_they_allow(make_client, version: str) -> None:
    client = make_client(version)
    api = api_root(version)
    types = client.get(f"{api}credential_types/", params={"page_size": 50}).json()
    names = {t["namespace"]: (t["id"], t["name"], t["managed"]) for t in types["results"]}
    assert names["ssh"] == (1, "Machine", True)
    assert names["scm"][1] == "Source Control"
    galaxy = client.get(f"{api}credentials/2/").json()
    assert galaxy["credential_type"] == names["galaxy_api_token"][0]
    assert galaxy["summary_fields"]["credential_type"]["name"] == names["galaxy_api_token"][1]
    ownerless = client.post(f"{api}credentials/", json={"name": "m", "credential_type": 1})
    assert ownerless.json() == {"detail": ["Missing 'user', 'team', or 'organization'."]}
    made = client.post(f"{api}credentials/", json={
        "name": "m", "user": 1, "credential_type": 1,
        "inputs": {"username": "u", "password": "pw"},
    })  # fmt: skip
    assert made.status_code == 201 and made.json()["inputs"]["password"] == "$encrypted$"
    owners = made.json()["summary_fields"]["owners"]
    assert [(o["type"], o["name"]) for o in owners] == [("user", "admin")]
    assert made.json()["related"]["named_url"].endswith("/credentials/m++Machine+ssh++/")
    bad = client.post(f"{api}credentials/", json={
        "name": "m2", "credential_type": 1, "organization": 1, "inputs": {"token": "x"},
    })  # fmt: skip
    assert bad.json() == {
        "inputs": ["Additional properties are not allowed ('token' was unexpected)"]
    }
    managed = client.delete(f"{api}credential_types/1/")
    assert managed.status_code == 403
    custom = client.post(f"{api}credential_types/", json={
        "name": "api", "kind": "cloud",
        "inputs": {"fields": [{"id": "key", "label": "Key", "type": "string", "secret": True}]},
    })  # fmt: skip
    assert custom.status_code == 201 and custom.json()["namespace"] is None
    ctype = custom.json()["id"]
    cred = client.post(f"{api}credential_types/{ctype}/credentials/", json={
        "name": "k", "organization": 1, "inputs": {"key": "s"},
    }).json()  # fmt: skip
    assert cred["credential_type"] == ctype and cred["inputs"] == {"key": "$encrypted$"}
    in_use = client.delete(f"{api}credential_types/{ctype}/")
    assert in_use.json() == {"detail": "Credential types that are in use cannot be deleted"}
    assert client.delete(f"{api}credentials/{cred['id']}/").status_code == 204
    assert client.delete(f"{api}credential_types/{ctype}/").status_code == 204
    wrong = client.post(f"{api}credential_types/", json={"name": "x", "kind": "ssh"})
    assert wrong.json() == {"kind": ["Must be 'cloud' or 'net', not ssh"]}


@pytest.mark.parametrize("version", VERSIONS)
def test_schedules_check_their_rrule_and_compute_their_times(
    make_client, clock, version: str
) -> None:
    client = make_client(version)
    api = api_root(version)
    made = client.post(f"{api}job_templates/7/schedules/", json={"name": "n", "rrule": EVERY_DAY})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["dtstart"] == "2025-01-01T06:00:00Z" and body["timezone"] == "UTC"
    assert body["next_run"] > clock().strftime("%Y-%m-%dT%H:%M:%S")
    assert body["dtend"] is None and body["until"] == ""
    assert body["summary_fields"]["unified_job_template"]["unified_job_type"] == "job"
    twice = client.post(f"{api}schedules/", json={
        "name": "n", "rrule": EVERY_DAY, "unified_job_template": 7,
    })  # fmt: skip
    assert twice.json() == {
        "__all__": ["Schedule with this Unified job template and Name already exists."]
    }
    bad = client.post(f"{api}schedules/", json={
        "name": "b", "unified_job_template": 7, "rrule": "RRULE:FREQ=SECONDLY;INTERVAL=1",
    })  # fmt: skip
    assert bad.json()["rrule"] == [
        "Valid DTSTART required in rrule. Value should start with: DTSTART:YYYYMMDDTHHMMSSZ",
        "SECONDLY is not supported: RULE:FREQ=SECONDLY;INTERVAL=1",
    ]
    counted = client.post(f"{api}schedules/", json={
        "name": "c", "unified_job_template": 7,
        "rrule": "DTSTART;TZID=Europe/Paris:20250101T060000 RRULE:FREQ=DAILY;INTERVAL=1;COUNT=3",
    }).json()  # fmt: skip
    assert counted["timezone"] == "Europe/Paris"
    assert (counted["dtstart"], counted["dtend"]) == (
        "2025-01-01T05:00:00Z",
        "2025-01-03T05:00:00Z",
    )
    assert counted["next_run"] is None  # all three runs are past
    off = client.patch(f"{api}schedules/{body['id']}/", json={"enabled": False}).json()
    assert off["next_run"] is None
    assert client.delete(f"{api}job_templates/7/").status_code == 204
    assert client.get(f"{api}schedules/").json()["count"] == 0  # gone with their template


@pytest.mark.parametrize("version", VERSIONS)
def test_a_sliced_template_launches_a_workflow_of_slices(make_client, clock, version) -> None:
    client = make_client(version)
    api = api_root(version)
    for name in ("h-a", "h-b", "h-c"):
        client.post(f"{api}hosts/", json={"name": name, "inventory": 1})
    client.patch(f"{api}job_templates/7/", json={"job_slice_count": 2})
    launched = client.post(f"{api}job_templates/7/launch/", json={}).json()
    assert launched["type"] == "workflow_job" and launched["is_sliced_job"] is True
    clock.tick(60)
    jobs = client.get(f"{api}jobs/", params={"launch_type": "workflow"}).json()["results"]
    assert [(j["job_slice_number"], j["job_slice_count"]) for j in jobs] == [(1, 2), (2, 2)]
    source = jobs[0]["summary_fields"]["source_workflow_job"]
    assert source["id"] == launched["id"] and source["status"] == "successful"
    hosts = [
        [
            s["host_name"]
            for s in client.get(f"{api}jobs/{j['id']}/job_host_summaries/").json()["results"]
        ]
        for j in jobs
    ]
    assert hosts == [["h-a", "h-c"], ["h-b", "localhost"]]
    workflow = client.get(f"{api}workflow_jobs/{launched['id']}/").json()
    assert (workflow["status"], workflow["job_template"]) == ("successful", 7)


def test_sliced_runs_through_the_control_surface(make_client) -> None:
    client = make_client("2.6", control=True)
    made = client.post(f"{PREFIX}jobs", json={
        "template": 7, "count": 1, "slices": 2, "hosts": ["a", "b", "c"], "status": "failed",
    })  # fmt: skip
    assert made.status_code == 201, made.text
    api = api_root("2.6")
    jobs = client.get(f"{api}jobs/", params={"job_slice_count": 2}).json()["results"]
    assert [j["id"] for j in jobs] == made.json()["ids"]
    workflow = client.get(f"{api}workflow_jobs/").json()["results"]
    assert [(w["status"], w["is_sliced_job"]) for w in workflow] == [("failed", True)]
