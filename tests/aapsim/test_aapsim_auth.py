"""Basic, Bearer, refresh rotation, expiry and AAP-style 401 bodies."""

from __future__ import annotations

from typing import Any

import pytest
from aapsim_support import PASSWORD, VERSIONS, Clock, api_root

NOT_PROVIDED = (
    "Authentication credentials were not provided. To establish a login session, visit /api/login/."
)


def oauth_root(version: str) -> str:
    return "/api/v2/" if version == "2.4" else "/api/gateway/v1/"


def token_url(version: str) -> str:
    return "/api/o/token/" if version == "2.4" else "/o/token/"


def make_app_token(client, version: str) -> tuple[dict[str, Any], dict[str, Any]]:
    root = oauth_root(version)
    app = client.post(
        f"{root}applications/",
        json={
            "name": "ad-app",
            "organization": 1,
            "client_type": "confidential",
            "authorization_grant_type": "authorization-code",
            "redirect_uris": "https://x/cb",
        },
    )
    assert app.status_code == 201, app.text
    return app.json(), add_token(client, version, app.json()["id"])


def add_token(client, version: str, app_id: int) -> dict[str, Any]:
    made = client.post(
        f"{oauth_root(version)}tokens/", json={"application": app_id, "scope": "read"}
    )
    assert made.status_code == 201, made.text
    return made.json()


def assert_deleted(client, url: str) -> None:
    """DELETE answers 204 with no body, and the object is gone."""
    deleted = client.delete(url)
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("version", VERSIONS)
def test_basic_auth(make_client, version: str) -> None:
    client = make_client(version)
    api = api_root(version)
    assert client.get(f"{api}me/").json()["results"][0]["id"] == 1
    bad = client.get(f"{api}me/", auth=("admin", "wrong"))
    assert bad.status_code == 401
    assert bad.json()["detail"].startswith("Invalid username/password.")
    assert bad.headers["X-API-Product-Name"] == "Red Hat Ansible Automation Platform"
    none = client.get(f"{api}jobs/", auth=None)
    assert none.status_code == 401 and none.json() == {"detail": NOT_PROVIDED}
    assert none.headers["WWW-Authenticate"].startswith("Bearer realm=api")
    garbage = client.get(f"{api}jobs/", auth=None, headers={"Authorization": "Basic !!!"})
    assert garbage.status_code == 401


@pytest.mark.parametrize("version", ["2.5", "2.6"])
def test_gateway_me_uses_gateway_admin_id(make_client, version: str) -> None:
    client = make_client(version)
    assert client.get("/api/gateway/v1/me/").json()["results"][0]["id"] == 2
    assert client.get("/api/controller/v2/me/").json()["results"][0]["id"] == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_bearer_token_and_secrets_hidden(make_client, version: str) -> None:
    client = make_client(version)
    app, token = make_app_token(client, version)
    assert app["client_secret"] != "$encrypted$" and len(app["client_id"]) > 10
    bearer = {"Authorization": f"Bearer {token['token']}"}
    client.auth = None
    api = api_root(version)
    r = client.get(f"{api}organizations/", headers=bearer)
    assert r.status_code == 200 and r.json()["count"] == 1
    root = oauth_root(version)
    listed = client.get(f"{root}tokens/{token['id']}/", headers=bearer).json()
    assert listed["token"] == "$encrypted$" and listed["refresh_token"] == "$encrypted$"
    shown = client.get(f"{root}applications/{app['id']}/", headers=bearer).json()
    assert shown["client_secret"] == "$encrypted$"
    personal = client.post(f"{root}tokens/", headers=bearer, json={"description": "p"})
    if version == "2.4":  # the application token is a read token: AWX lets it only read
        assert personal.status_code == 403
    else:
        assert personal.status_code == 201 and personal.json()["refresh_token"] is None
    assert client.get(f"{api}jobs/", headers={"Authorization": "Bearer nope"}).status_code == 401


@pytest.mark.parametrize("version", VERSIONS)
def test_a_read_token_writes_only_where_the_platform_checks_no_scope(
    make_client, version: str
) -> None:
    """AWX (2.4) refuses every write to a token without the write scope; the 2.5/2.6
    gateway does not check scopes (django-ansible-base 2024.7.1)."""
    client = make_client(version)
    made = client.post(f"{oauth_root(version)}tokens/", json={"scope": "read"})
    assert made.status_code == 201, made.text
    client.auth = None
    bearer = {"Authorization": f"Bearer {made.json()['token']}"}
    api = api_root(version)
    assert client.get(f"{api}labels/", headers=bearer).status_code == 200
    label = client.post(f"{api}labels/", headers=bearer, json={"name": "l", "organization": 1})
    if version == "2.4":
        assert label.status_code == 403
        assert label.json() == {"detail": "You do not have permission to perform this action."}
    else:
        assert label.status_code == 201


@pytest.mark.parametrize("version", VERSIONS)
def test_refresh_rotates_pair(make_client, version: str) -> None:
    client = make_client(version)
    app, token = make_app_token(client, version)
    client.auth = None
    api = api_root(version)
    form = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    r = client.post(token_url(version), data=form, auth=(app["client_id"], app["client_secret"]))
    assert r.status_code == (200 if version == "2.4" else 201), r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "read"
    assert body["access_token"] != token["token"]
    old = client.get(f"{api}jobs/", headers={"Authorization": f"Bearer {token['token']}"})
    assert old.status_code == 401
    new = client.get(f"{api}jobs/", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert new.status_code == 200
    # The old refresh token is spent; a wrong client secret is refused.
    again = client.post(
        token_url(version), data=form, auth=(app["client_id"], app["client_secret"])
    )
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}
    form["refresh_token"] = body["refresh_token"]
    wrong = client.post(token_url(version), data=form, auth=(app["client_id"], "bad"))
    assert wrong.status_code == 401 and wrong.json() == {"error": "invalid_client"}
    other = client.post(
        token_url(version),
        data={"grant_type": "password"},
        auth=(app["client_id"], app["client_secret"]),
    )
    assert other.status_code == 400


def test_token_expiry(make_client, clock: Clock) -> None:
    client = make_client("2.6", token_lifetime=60)
    app, token = make_app_token(client, "2.6")
    client.auth = None
    bearer = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/controller/v2/jobs/", headers=bearer).status_code == 200
    clock.tick(61)
    expired = client.get("/api/controller/v2/jobs/", headers=bearer)
    assert expired.status_code == 401 and expired.json() == {"detail": NOT_PROVIDED}
    # Ping answers whatever the header holds.
    assert client.get("/api/gateway/v1/ping/", headers=bearer).status_code == 200
    refreshed = client.post(
        "/o/token/",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(app["client_id"], app["client_secret"]),
    )
    assert refreshed.status_code == 201 and refreshed.json()["expires_in"] == 60


def test_admin_password_is_the_configured_one(make_client) -> None:
    client = make_client("2.4")
    assert client.get("/api/v2/me/", auth=("admin", PASSWORD)).status_code == 200
    assert client.get("/api/v2/me/", auth=("admin", "password")).status_code == 401


def refresh(client, version: str, app: dict[str, Any], refresh_token: str) -> Any:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return client.post(token_url(version), data=form, auth=(app["client_id"], app["client_secret"]))


@pytest.mark.parametrize("version", VERSIONS)
def test_delete_token_revokes_access_and_refresh(make_client, version: str) -> None:
    client = make_client(version)
    app, token = make_app_token(client, version)
    other = add_token(client, version, app["id"])
    root = oauth_root(version)
    assert_deleted(client, f"{root}tokens/{token['id']}/")
    assert client.delete(f"{root}tokens/{token['id']}/").status_code == 404
    bearer = {"Authorization": f"Bearer {token['token']}"}
    assert client.get(f"{api_root(version)}jobs/", auth=None, headers=bearer).status_code == 401
    assert refresh(client, version, app, token["refresh_token"]).status_code == 400
    # The application and its other tokens are untouched.
    assert client.get(f"{root}applications/{app['id']}/").status_code == 200
    listed = client.get(f"{root}tokens/").json()
    assert [t["id"] for t in listed["results"]] == [other["id"]]
    assert refresh(client, version, app, other["refresh_token"]).status_code in (200, 201)


@pytest.mark.parametrize("version", VERSIONS)
def test_delete_application_revokes_its_tokens(make_client, version: str) -> None:
    client = make_client(version)
    app, token = make_app_token(client, version)
    second = add_token(client, version, app["id"])
    root = oauth_root(version)
    personal = client.post(f"{root}tokens/", json={"description": "p"}).json()
    assert_deleted(client, f"{root}applications/{app['id']}/")
    assert client.get(f"{root}applications/").json()["count"] == 0
    for gone in (token, second):
        assert client.get(f"{root}tokens/{gone['id']}/").status_code == 404
        bearer = {"Authorization": f"Bearer {gone['token']}"}
        assert client.get(f"{api_root(version)}me/", auth=None, headers=bearer).status_code == 401
        # The client itself is gone, so the refresh grant fails at client authentication.
        assert refresh(client, version, app, gone["refresh_token"]).status_code == 401
    # A personal token belongs to no application and survives.
    bearer = {"Authorization": f"Bearer {personal['token']}"}
    assert client.get(f"{api_root(version)}me/", auth=None, headers=bearer).status_code == 200
    assert [t["id"] for t in client.get(f"{root}tokens/").json()["results"]] == [personal["id"]]
    # Same name can be created again, with a new client id.
    again, _ = make_app_token(client, version)
    assert again["id"] != app["id"] and again["client_id"] != app["client_id"]


@pytest.mark.parametrize("version", VERSIONS)
def test_delete_unknown_or_unauthenticated(make_client, version: str) -> None:
    client = make_client(version)
    app, token = make_app_token(client, version)
    root = oauth_root(version)
    for path in ("applications/999/", "tokens/999/"):
        missing = client.delete(f"{root}{path}")
        assert missing.status_code == 404 and missing.json() == {"detail": "Not found."}
    for path in (f"applications/{app['id']}/", f"tokens/{token['id']}/"):
        assert client.delete(f"{root}{path}", auth=None).status_code == 401
        assert client.get(f"{root}{path}").status_code == 200
    # Lists take no DELETE.
    assert client.delete(f"{root}applications/").status_code == 405


def test_gateway_oauth_paths_are_absent_on_24(make_client) -> None:
    client = make_client("2.4")
    assert client.delete("/api/gateway/v1/applications/1/").status_code == 404


def test_session_login_on_24_as_awxkit_does_it(make_client) -> None:
    """GET /api/login/ sets the CSRF cookie; POST the form with it answers 302, the session
    cookie and X-API-Session-Cookie-Name; the API then takes the cookie, with X-CSRFToken on
    unsafe methods (AWX's LoggedLoginView and DRF's SessionAuthentication)."""
    client = make_client("2.4")
    client.auth = None
    page = client.get("/api/login/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csrf = client.cookies["csrftoken"]
    form = {"username": "admin", "password": PASSWORD, "next": "/api/v2/me/"}
    assert client.post("/api/login/", data=form).status_code == 403  # no CSRF token
    bad = client.post(
        "/api/login/", data={**form, "password": "wrong", "csrfmiddlewaretoken": csrf}
    )
    assert bad.status_code == 401 and "correct username and password" in bad.text
    done = client.post(
        "/api/login/", data=form, headers={"X-CSRFToken": csrf}, follow_redirects=False
    )
    assert done.status_code == 302 and done.headers["location"] == "/api/v2/me/"
    assert done.headers["x-api-session-cookie-name"] == "awx_sessionid"
    assert client.cookies["awx_sessionid"]
    me = client.get("/api/v2/me/")
    assert me.status_code == 200 and me.json()["results"][0]["username"] == "admin"
    assert me.headers["x-api-product-version"]
    refused = client.post("/api/v2/labels/", json={"name": "x", "organization": 1})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    made = client.post(
        "/api/v2/labels/",
        json={"name": "x", "organization": 1},
        headers={"X-CSRFToken": client.cookies["csrftoken"]},
    )
    assert made.status_code == 201


@pytest.mark.parametrize("version", ["2.5", "2.6"])
def test_no_controller_session_login_behind_the_gateway(make_client, version: str) -> None:
    client = make_client(version)
    client.auth = None
    assert client.get("/api/login/").status_code == 404
