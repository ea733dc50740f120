"""Key sets of generated responses equal those of the recorded real responses (not served)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from aapsim_support import VERSIONS, Clock, api_root
from test_aapsim_seeding import seed

# The recorded responses live in the repository (tests/fixtures/aap-reference, see its
# README for where they were recorded); AAP_FIXTURES points at another copy.
_IN_REPO = Path(__file__).resolve().parents[1] / "fixtures" / "aap-reference"
FIXTURES = Path(os.environ.get("AAP_FIXTURES", str(_IN_REPO)))
DIR = {"2.4": "aap_24", "2.5": "aap_25", "2.6": "aap_26"}


def recorded(version: str, name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / DIR[version] / name).read_text())


def shape(obj: dict[str, Any]) -> dict[str, set[str]]:
    return {
        "top": set(obj),
        "related": set(obj.get("related", {})),
        "summary_fields": set(obj.get("summary_fields", {})),
    }


@pytest.fixture
def seeded(make_client, clock: Clock, request: pytest.FixtureRequest):
    version = request.param
    client = make_client(version, job_seconds=3.0)
    seed(client, version, clock.tick)
    clock.tick(60)
    return version, client


@pytest.mark.parametrize("seeded", VERSIONS, indirect=True)
@pytest.mark.parametrize(
    "fixture, path",
    [
        ("organizations.json", "organizations/?page_size=100&page=1"),
        ("job_templates.json", "job_templates/?page_size=200&page=1"),
        ("jobs-1.json", "jobs/?page_size=100&page=1&order_by=finished"),
    ],
)
def test_list_shapes_match_recordings(seeded, fixture: str, path: str) -> None:
    version, client = seeded
    real = recorded(version, fixture)["json_body"]
    ours = client.get(api_root(version) + path).json()
    assert set(ours) == set(real) == {"count", "next", "previous", "results"}
    real_by_name = {r["name"]: r for r in real["results"]}
    ours_by_name = {r["name"]: r for r in ours["results"]}
    assert set(ours_by_name) == set(real_by_name)
    for name, real_obj in real_by_name.items():
        assert shape(ours_by_name[name]) == shape(real_obj), name
    if fixture == "jobs-1.json":
        for ours_job in ours["results"]:
            real_job = next(r for r in real["results"] if r["id"] == ours_job["id"])
            for key in ("inventory", "project", "job_template", "execution_environment"):
                assert set(ours_job["summary_fields"][key]) == set(real_job["summary_fields"][key])
            assert set(ours_job["launched_by"]) == set(real_job["launched_by"])


@pytest.mark.parametrize("seeded", VERSIONS, indirect=True)
def test_host_summary_shapes_match_recordings(seeded) -> None:
    version, client = seeded
    for job_id in (4, 5, 6, 7):
        real = recorded(version, f"jobs_{job_id}_job_host_summaries.json")["json_body"]
        path = f"jobs/{job_id}/job_host_summaries?page_size=100&page=1&order_by=modified"
        ours = client.get(api_root(version) + path).json()
        assert ours["count"] == real["count"] == 1
        mine, theirs = ours["results"][0], real["results"][0]
        assert shape(mine) == shape(theirs)
        assert set(mine["summary_fields"]["job"]) == set(theirs["summary_fields"]["job"])
        assert mine["id"] == theirs["id"]


@pytest.mark.parametrize("version", VERSIONS)
def test_ping_shapes_match_recordings(make_client, version: str) -> None:
    client = make_client(version)
    client.auth = None
    name = "ping-24.json" if version == "2.4" else f"ping-{DIR[version][-2:]}.json"
    real = recorded(version, name)
    path = "/api/v2/ping/" if version == "2.4" else "/api/gateway/v1/ping/"
    response = client.get(path)
    assert response.status_code == real["status"] == 200
    assert set(response.json()) == set(real["json_body"])
    for header, value in real["headers"].items():
        if header.lower() == "x-api-product-name":
            assert response.headers[header] == value
    if version == "2.4":
        body = response.json()
        assert body["version"] == real["json_body"]["version"] == "4.5.15"
        assert set(body["instances"][0]) == set(real["json_body"]["instances"][0])
    # The other family's ping answers like the recording: 404, JSON on 2.4, HTML on 2.5/2.6.
    other = recorded(version, "ping-25.json" if version == "2.4" else "ping-24.json")
    wrong = client.get("/api/gateway/v1/ping/" if version == "2.4" else "/api/v2/ping/")
    assert wrong.status_code == other["status"] == 404
    if "json_body" in other:
        assert wrong.json() == other["json_body"]
        assert "x-api-product-name" not in wrong.headers
    else:
        assert wrong.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("version", VERSIONS)
def test_401_matches_recording(make_client, version: str) -> None:
    client = make_client(version)
    client.auth = None
    real = json.loads((FIXTURES / f"{DIR[version]}_organizations-401.json").read_text())
    response = client.get(api_root(version) + "organizations/?page_size=100&page=1")
    assert response.status_code == real["status"] == 401
    assert response.json() == real["json_body"]
    assert response.headers["X-API-Product-Name"] == real["headers"]["X-Api-Product-Name"]


@pytest.mark.parametrize("version", VERSIONS)
def test_refresh_response_keys_match_recordings(make_client, version: str) -> None:
    from test_aapsim_auth import make_app_token

    client = make_client(version)
    app, token = make_app_token(client, version)
    real = recorded(version, "token-refresh.json")
    path = "/api/o/token/" if version == "2.4" else "/o/token/"
    response = client.post(
        path,
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(app["client_id"], app["client_secret"]),
    )
    assert response.status_code == (200 if version == "2.4" else 201)
    keys = {"access_token", "expires_in", "token_type", "scope", "refresh_token"}
    assert set(real["json_body"]) <= keys == set(response.json())


def type_differences(real: Any, ours: Any, path: str = "") -> list[str]:
    """Paths where the recorded value and ours have different JSON types (null included)."""
    if isinstance(real, dict) and isinstance(ours, dict):
        out: list[str] = []
        for key in real.keys() & ours.keys():
            out += type_differences(real[key], ours[key], f"{path}.{key}")
        return out
    if isinstance(real, list) and isinstance(ours, list) and real and ours:
        return type_differences(real[0], ours[0], f"{path}[0]")
    same = type(real) is type(ours) or {type(real), type(ours)} <= {int, float}
    return [] if same else [f"{path}: recorded {real!r}, emulator {ours!r}"]


@pytest.mark.parametrize("seeded", VERSIONS, indirect=True)
def test_value_types_match_recordings(seeded) -> None:
    """Same object, same JSON type for every key (e.g. opa_query_path "" vs null)."""
    version, client = seeded
    pages = [
        ("organizations.json", "organizations/?page_size=100&page=1"),
        ("job_templates.json", "job_templates/?page_size=200&page=1"),
        ("jobs-1.json", "jobs/?page_size=100&page=1&order_by=finished"),
    ]
    pages += [
        (f"jobs_{i}_job_host_summaries.json", f"jobs/{i}/job_host_summaries/?order_by=modified")
        for i in (4, 5, 6, 7)
    ]
    compared = 0
    for fixture, path in pages:
        real = recorded(version, fixture)["json_body"]["results"]
        ours = client.get(api_root(version) + path).json()["results"]
        # Same object: same name and position in the same query (ids differ on 2.5/2.6).
        assert [r.get("name") for r in ours] == [r.get("name") for r in real], fixture
        for theirs, mine in zip(real, ours, strict=True):
            assert type_differences(theirs, mine) == [], (fixture, mine["id"])
            compared += 1
    assert compared == 2 + 3 + 4 + 4
