"""Root documents and OPTIONS metadata, per version, checked against the emulator's own routes."""

from __future__ import annotations

import pytest
from aapsim.metadata import FORM_VIEWS
from aapsim.resources import CREDENTIAL_KINDS
from aapsim.routes import controller_routes, gateway_routes
from aapsim.schema import NO_DEFAULT
from aapsim_support import VERSIONS, api_root

BRANDING = {"custom_logo": "", "custom_login_info": "", "login_redirect_override": ""}


def test_24_api_root_is_awx_with_oauth2(make_client) -> None:
    client = make_client("2.4")
    client.auth = None
    root = client.get("/api/")
    assert root.status_code == 200
    assert root.json() == {
        "description": "AWX REST API",
        "current_version": "/api/v2/",
        "available_versions": {"v2": "/api/v2/"},
        "oauth2": "/api/o/",
        **BRANDING,
    }
    assert root.headers["X-API-Product-Name"] == "Red Hat Ansible Automation Platform"
    oauth = client.get(root.json()["oauth2"]).json()
    assert oauth["token"] == "/api/o/token/"
    # AWX has no service prefixes: the 2.5 paths are plain 404s.
    for path in ("/api/controller/", "/api/gateway/"):
        missing = client.get(path)
        assert missing.status_code == 404
        assert missing.json() == {"detail": "The requested resource could not be found."}


@pytest.mark.parametrize("version", ["2.5", "2.6"])
def test_platform_roots_point_at_both_services(make_client, version: str) -> None:
    client = make_client(version)
    client.auth = None
    root = client.get("/api/")
    assert root.status_code == 200
    body = root.json()
    assert body["description"] == "AAP gateway REST API"
    assert body["current_version"] == "/api/gateway/v1/"
    assert root.headers["X-API-Product-Name"] == "AAP gateway"
    controller = client.get(body["apis"]["controller"])
    # Byte for byte what AWX behind the gateway answers (189 bytes in awx#16081's log).
    assert controller.json() == {
        "description": "AWX REST API",
        "current_version": "/api/controller/v2/",
        "available_versions": {"v2": "/api/controller/v2/"},
        **BRANDING,
    }
    assert len(controller.content) == 189
    assert controller.headers["X-API-Product-Name"] == "Red Hat Ansible Automation Platform"
    gateway = client.get(body["apis"]["gateway"]).json()
    assert gateway["available_versions"] == {"v1": "/api/gateway/v1/"}
    for version_root in (controller.json()["current_version"], gateway["current_version"]):
        assert client.get(version_root).status_code == 200
    # Other /api/ paths stay the gateway's HTML 404, like /api/v2/ in the recordings.
    for path in ("/api/v2/", "/api/o/", "/api/unknown/"):
        miss = client.get(path)
        assert miss.status_code == 404
        assert miss.headers["content-type"].startswith("text/html")


def _parents(client, version: str) -> dict[str, str]:
    """An existing id per parent collection, for the nested list routes."""
    api = api_root(version)
    job = client.post(f"{api}job_templates/7/launch/", json={}).json()
    oauth = api if version == "2.4" else "/api/gateway/v1/"
    app = client.post(
        f"{oauth}applications/",
        json={
            "name": "discovery-app",
            "organization": 1,
            "client_type": "confidential",
            "authorization_grant_type": "password",
        },
    ).json()
    client.post(f"{oauth}tokens/", json={"application": app["id"], "scope": "read"})
    update = client.post(f"{api}projects/6/update/").json()
    group = client.post(f"{api}groups/", json={"name": "g", "inventory": 1}).json()
    client.post(f"{api}groups/{group['id']}/hosts/", json={"id": 1})
    rrule = "DTSTART:20240101T000000Z RRULE:FREQ=DAILY;INTERVAL=1"
    made = client.post(f"{api}job_templates/7/schedules/", json={"name": "s", "rrule": rrule})
    assert made.status_code == 201, made.text
    execute = client.get(f"{api}job_templates/7/").json()["summary_fields"]["object_roles"]
    granted = client.post(f"{api}users/1/roles/", json={"id": execute["execute_role"]["id"]})
    assert granted.status_code == 204, granted.text
    teams = {}
    if version == "2.4":  # on 2.5/2.6 the gateway makes teams; the controller has none here
        team = client.post(f"{api}teams/", json={"name": "t", "organization": 1}).json()
        client.post(f"{api}teams/{team['id']}/roles/", json={"id": execute["read_role"]["id"]})
        teams["teams"] = str(team["id"])
    return {
        **teams,
        "users": "1",
        "roles": str(execute["execute_role"]["id"]),
        "credential_types": "1",
        "groups": str(group["id"]),
        "hosts": "1",
        "project_updates": str(update["id"]),
        "job_templates": "7",
        "jobs": str(job["id"]),
        "projects": "6",
        "inventories": "1",
        "applications": str(app["id"]),
    }


def _list_routes(version: str, parents: dict[str, str]) -> list[tuple[str, object]]:
    """(path with ids filled in, route) for every list route of the controller and gateway."""
    gateway = version != "2.4"
    families = [(api_root(version), controller_routes(gateway))]
    if gateway:
        families.append(("/api/gateway/v1/", gateway_routes()))
    out = []
    for prefix, routes in families:
        for route in routes:
            if route.view.resource is None or route.view.kind in ("detail", "launch", *FORM_VIEWS):
                continue
            path = route.pattern.pattern.strip("^$")
            parent = path.split("/", 1)[0]
            if "(?P<id>" in path and parent not in parents:
                continue
            path = path.replace("(?P<id>[0-9]+)", parents[parent]) if parent in parents else path
            out.append((prefix + path, route))
    return out


# Keys an object renders with that AWX's OPTIONS leaves out (seen on AWX 24.6.1, tests/awx).
UNLISTED = {"auth"}


@pytest.mark.parametrize("version", VERSIONS)
def test_options_on_every_list_route_matches_what_the_route_does(
    make_client, clock, version: str
) -> None:
    client = make_client(version)
    parents = _parents(client, version)
    clock.tick(60)
    routes = _list_routes(version, parents)
    assert len(routes) >= 15
    for path, route in routes:
        meta = client.options(path)
        assert meta.status_code == 200, path
        body = meta.json()
        resource = route.view.resource
        assert body["types"] == [resource.type], path
        assert body["max_page_size"] == 200
        actions = body["actions"]
        # GET lists exactly the keys an object of this list renders with.
        rows = client.get(path).json()["results"]
        if rows:
            assert set(actions["GET"]) == set(rows[0]) - UNLISTED, path
        # POST is offered exactly where the route takes it (not on read-only lists). On
        # 2.5/2.6 that includes the gateway's objects behind the controller, as AWX's metadata
        # does: its view, not its permissions, refuses their creation.
        assert ("POST" in actions) == ("POST" in route.methods), path
        assert ("POST" in meta.headers["Allow"]) == ("POST" in route.methods), path
        # Every field marked filterable is accepted by the list, and the others are refused.
        for name, info in actions["GET"].items():
            if "filterable" not in info:
                continue
            answer = client.get(path, params={f"{name}__isnull": "false"})
            assert (answer.status_code == 200) == info["filterable"], (path, name)


@pytest.mark.parametrize("version", VERSIONS)
def test_post_metadata_is_what_the_validator_enforces(make_client, version: str) -> None:
    """Required fields in OPTIONS are exactly those a POST of {} reports as required."""
    client = make_client(version)
    api = api_root(version)
    for name in ("labels", "projects", "inventories", "hosts", "credentials", "job_templates"):
        post = client.options(f"{api}{name}/").json()["actions"]["POST"]
        required = {field for field, info in post.items() if info["required"]}
        errors = client.post(f"{api}{name}/", json={}).json()
        reported = {f for f, msgs in errors.items() if "This field is required." in msgs}
        assert reported == required, name
        for field, info in post.items():
            if info.get("max_length") and info["type"] == "string":
                too_long = client.post(
                    f"{api}{name}/", json={field: "x" * (info["max_length"] + 1)}
                )
                message = f"Ensure this field has no more than {info['max_length']} characters."
                assert message in too_long.json().get(field, []), (name, field)
            if info["type"] == "choice":
                bad = client.post(f"{api}{name}/", json={field: "not-a-choice"})
                assert bad.json()[field] == ['"not-a-choice" is not a valid choice.'], field
                assert info["choices"], field


@pytest.mark.parametrize("version", VERSIONS)
def test_options_defaults_are_what_a_minimal_create_stores(make_client, version: str) -> None:
    client = make_client(version)
    api = api_root(version)
    post = client.options(f"{api}job_templates/").json()["actions"]["POST"]
    assert ("opa_query_path" in post) == (version != "2.4")
    made = client.post(
        f"{api}job_templates/",
        json={"name": "jt-min", "project": 6, "inventory": 1, "playbook": "hello_world.yml"},
    ).json()
    for field, info in post.items():
        if "default" in info:
            assert made[field] == info["default"], field
    credential = client.options(f"{api}credentials/").json()["actions"]["POST"]
    assert credential["inputs"]["type"] == "json"
    kinds = client.options(f"{api}credential_types/").json()["actions"]["POST"]["kind"]
    assert [k for k, _ in kinds["choices"]] == [k for k, _ in CREDENTIAL_KINDS]
    assert NO_DEFAULT is not None


@pytest.mark.parametrize("version", VERSIONS)
def test_options_on_details_and_special_routes(make_client, version: str) -> None:
    client = make_client(version)
    api = api_root(version)
    jt = client.options(f"{api}job_templates/7/").json()
    assert set(jt["actions"]) == {"GET", "PUT"}
    assert "max_page_size" not in jt and "search_fields" not in jt
    labels = client.options(f"{api}job_templates/7/labels/").json()
    assert set(labels["actions"]["POST"]) == {"id"}  # attach/detach by id
    job = client.post(f"{api}job_templates/7/launch/", json={}).json()
    detail = client.options(f"{api}jobs/{job['id']}/").json()
    assert set(detail["actions"]["GET"]) == set(client.get(f"{api}jobs/{job['id']}/").json())
    ping = client.options(f"{api}ping/", auth=None)
    assert ping.status_code == 200 and "actions" not in ping.json()
    assert client.options(f"{api}jobs/", auth=None).status_code == 401


@pytest.mark.parametrize("version", ["2.5", "2.6"])
def test_job_templates_saved_through_the_api_have_empty_opa_query_path(
    make_client, version: str
) -> None:
    client = make_client(version)
    api = api_root(version)
    made = client.post(
        f"{api}job_templates/",
        json={"name": "jt-opa", "project": 6, "inventory": 1, "playbook": "hello_world.yml"},
    ).json()
    assert made["opa_query_path"] == ""
    assert client.get(f"{api}job_templates/7/").json()["opa_query_path"] is None  # Demo JT
    patched = client.patch(f"{api}job_templates/{made['id']}/", json={"opa_query_path": "a/b"})
    assert patched.json()["opa_query_path"] == "a/b"
