"""AWX's filter backends on the emulator's lists: type, lookups, prefixes, search, errors."""

from __future__ import annotations

import pytest
from aapsim_support import VERSIONS, api_root

LISTS = [
    ("organizations/", "organization"),
    ("labels/", "label"),
    ("projects/", "project"),
    ("inventories/", "inventory"),
    ("hosts/", "host"),
    ("credentials/", "credential"),
    ("execution_environments/", "execution_environment"),
    ("instance_groups/", "instance_group"),
    ("job_templates/", "job_template"),
    ("jobs/", "job"),
    ("project_updates/", "project_update"),
    ("users/", "user"),
]


def names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row.get("name", row.get("username")) for row in response.json()["results"]]


@pytest.fixture
def lists(make_client, clock, request: pytest.FixtureRequest):
    """A client with a job, a project update, labels and a few organizations in place."""
    version = request.param
    client = make_client(version)
    api = api_root(version)
    orgs = api if version == "2.4" else "/api/gateway/v1/"
    for name, description in (("alpha", "first team"), ("beta", "second"), ("gamma", "Team C")):
        created = client.post(
            f"{orgs}organizations/", json={"name": name, "description": description}
        )
        assert created.status_code == 201
    for label in ("prod", "dev"):
        client.post(f"{api}labels/", json={"name": label, "organization": 1})
    project = {"name": "scm", "organization": 1, "scm_type": "git", "scm_url": "https://x/y"}
    assert client.post(f"{api}projects/", json=project).status_code == 201
    assert client.post(f"{api}job_templates/7/launch/", json={}).status_code == 201
    clock.tick(60)
    return version, client, api


@pytest.mark.parametrize("lists", VERSIONS, indirect=True)
def test_type_filter_on_every_list(lists) -> None:
    _, client, api = lists
    for path, kind in LISTS:
        everything = client.get(f"{api}{path}").json()["count"]
        assert everything > 0, path
        assert client.get(f"{api}{path}", params={"type": kind}).json()["count"] == everything
        both = client.get(f"{api}{path}", params={"type": f"{kind},nothing"}).json()
        assert both["count"] == everything, path
        other = client.get(f"{api}{path}", params={"type": "workflow_job"}).json()
        assert other["count"] == 0, path
        ordered = client.get(f"{api}{path}", params={"order_by": "-type"})
        assert ordered.status_code == 200, path


@pytest.mark.parametrize("lists", VERSIONS, indirect=True)
def test_type_as_a_field_only_on_unified_lists(lists) -> None:
    _, client, api = lists
    jobs = client.get(f"{api}jobs/", params={"type__in": "job,project_update"}).json()
    assert jobs["count"] == 1
    assert client.get(f"{api}jobs/", params={"not__type": "job"}).json()["count"] == 0
    refused = client.get(f"{api}organizations/", params={"type__in": "organization"})
    assert refused.status_code == 400
    assert refused.json() == {"detail": "Organization has no field named 'type'"}


@pytest.mark.parametrize("lists", VERSIONS, indirect=True)
def test_lookups_and_prefixes(lists) -> None:
    _, client, api = lists
    orgs = f"{api}organizations/"
    assert names(client.get(orgs, params={"name__in": "alpha,gamma"})) == ["alpha", "gamma"]
    assert names(client.get(orgs, params={"name__icontains": "AMM"})) == ["gamma"]
    assert names(client.get(orgs, params=[("or__name", "alpha"), ("or__name", "beta")])) == [
        "alpha",
        "beta",
    ]
    not_default = names(client.get(orgs, params={"not__name": "Default"}))
    assert not_default == ["alpha", "beta", "gamma"]
    chained = client.get(orgs, params=[("chain__name__startswith", "a"), ("chain__id__gt", "1")])
    assert names(chained) == ["alpha"]
    assert names(client.get(orgs, params={"name__regex": "^(b|g)"})) == ["beta", "gamma"]
    assert names(client.get(orgs, params={"name__iregex": "^A"})) == ["alpha"]
    assert names(client.get(orgs, params={"id__int": "1"})) == ["Default"]
    assert names(client.get(orgs, params={"description__isnull": "true"})) == []


@pytest.mark.parametrize("lists", VERSIONS, indirect=True)
def test_search_matches_every_term_in_some_search_field(lists) -> None:
    _, client, api = lists
    orgs = f"{api}organizations/"
    # DRF's SearchFilter: terms split on spaces/commas, each must match name or description.
    assert names(client.get(orgs, params={"search": "team"})) == ["alpha", "gamma"]
    assert names(client.get(orgs, params={"search": "team first"})) == ["alpha"]
    assert names(client.get(orgs, params={"search": "gamma,c"})) == ["gamma"]
    users = client.get(f"{api}users/", params={"search": "ADMIN"})
    assert names(users) == ["admin"]


@pytest.mark.parametrize("lists", VERSIONS, indirect=True)
def test_unsupported_and_invalid_filters_answer_awx_errors(lists) -> None:
    _, client, api = lists
    cases = [
        ("organizations/", {"bogus": "1"}, 400, "Organization has no field named 'bogus'"),
        ("jobs/", {"order_by": "bogus"}, 400, "Job has no field named 'bogus'"),
        ("organizations/", {"id": "abc"}, 400, '["“abc” value must be an integer."]'),
        ("labels/", {"organization": "x"}, 400, "Invalid organization id: x"),
        ("organizations/", {"name__in": ""}, 400, "cannot provide empty value for __in"),
        ("organizations/", {"name__regex": "("}, 400, "missing ), unterminated subpattern"),
        ("users/", {"password": "x"}, 403, "Filtering on password fields is not allowed."),
        ("jobs/", {"failed": "maybe"}, 400, 'Unable to convert "maybe" to boolean'),
        (
            "organizations/",
            {"id__iexact": "1"},
            400,
            "id is not a text field and cannot be filtered by case-insensitive search",
        ),
    ]
    for path, params, status, detail in cases:
        answer = client.get(f"{api}{path}", params=params)
        assert answer.status_code == status, (path, params)
        assert answer.json() == {"detail": detail}, (path, params)
    unsupported = [
        ("job_templates/", "organization__name", "filtering across related objects"),
        ("jobs/", "project__search", "the __search lookup on related objects"),
        ("organizations/", "role_level", "role-based filtering"),
    ]
    for path, key, what in unsupported:
        answer = client.get(f"{api}{path}", params={key: "x"})
        assert answer.status_code == 400, key
        assert answer.json() == {"detail": f"The emulator does not support {what} ('{key}')."}
