"""setup_aap.py's OAuth2 part: the "ad-app" application, its token, the access file.

Why the secret handling is as it is: see setup_aap.py's docstring.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aap_client import CONTROLLER_ROOT, TOKEN_URL, Api, SetupError, take

DEFAULT_ORG_ID = 1  # pre-existing on a fresh AAP (API-FACTS §5)
APP_NAME = "ad-app"
APP_DESCRIPTION = "ad-app-desc"
TOKEN_DESCRIPTION = "ad-aap-token"
TOKEN_SCOPE = "read"
# A null redirect_uris is not known to be accepted by a real gateway (API-FACTS §10.2).
DEFAULT_REDIRECT_URIS = "https://localhost/auth-callback"


@dataclass(frozen=True)
class App:
    id: int
    client_id: str
    secret: str
    how: str = "reused"


class BadClient(Exception):
    """The token endpoint rejected client_id/client_secret."""


def read_previous_access(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def ensure_application(api: Api, apps: str, redirect_uris: str, previous: dict[str, Any]) -> App:
    """ "ad-app" with a secret we actually hold: reused if the stored secret is for it."""
    app = api.find(apps, name=APP_NAME, organization=DEFAULT_ORG_ID)
    if app is not None:
        secret = previous.get("client_secret")
        if (
            previous.get("client_id") == app.get("client_id")
            and isinstance(secret, str)
            and secret
            and app.get("redirect_uris") == redirect_uris
        ):
            context = f"GET {apps}"
            return App(take(app, "id", int, context), take(app, "client_id", str, context), secret)
    return create_application(api, apps, redirect_uris, app)


def create_application(api: Api, apps: str, redirect_uris: str, old: dict[str, Any] | None) -> App:
    """Create "ad-app", first deleting `old` (whose secret is not ours to know any more)."""
    how = "created"
    if old is not None:
        api.request("DELETE", f"{apps}{take(old, 'id', int, f'GET {apps}')}/", expect=(204,))
        how = "recreated"
    made = api.obj(
        "POST",
        apps,
        expect=(201,),
        json_body={
            "name": APP_NAME,
            "description": APP_DESCRIPTION,
            "organization": DEFAULT_ORG_ID,
            "redirect_uris": redirect_uris,
            "app_url": "",
            "client_type": "confidential",
            "authorization_grant_type": "authorization-code",
        },
    )
    context = f"POST {apps}"
    return App(
        take(made, "id", int, context),
        take(made, "client_id", str, context),
        take(made, "client_secret", str, context),
        how,
    )


def create_token(api: Api, tokens: str, app_id: int) -> tuple[str, str]:
    made = api.obj(
        "POST",
        tokens,
        expect=(201,),
        json_body={"description": TOKEN_DESCRIPTION, "scope": TOKEN_SCOPE, "application": app_id},
    )
    context = f"POST {tokens}"
    return take(made, "token", str, context), take(made, "refresh_token", str, context)


def refresh_token(api: Api, version: str, app: App, refresh: str) -> tuple[str, str] | None:
    """Rotate the stored pair (the old access token dies); None if AAP no longer honours it.

    Raises BadClient when AAP rejects the client credentials themselves.
    """
    url = TOKEN_URL[version]
    resp = api.request(
        "POST",
        url,
        expect=(200, 201, 400, 401, 403),
        form={"grant_type": "refresh_token", "refresh_token": refresh},
        client_auth=(app.client_id, app.secret),
    )
    if resp.status_code == 401:
        raise BadClient
    if resp.status_code not in (200, 201):
        return None  # expired, revoked or already rotated by the dashboard
    body = api.body(resp)
    if not isinstance(body, dict):
        raise SetupError(f"unexpected AAP response to POST {url}: not a JSON object")
    return take(body, "access_token", str, f"POST {url}"), take(
        body, "refresh_token", str, f"POST {url}"
    )


def check_token(api: Api, version: str, token: str) -> None:
    path = f"{CONTROLLER_ROOT[version]}/me/"
    resp = api.request(
        "GET",
        path,
        expect=(200, 401),
        headers={"Authorization": f"Bearer {token}"},
        basic_auth=False,
    )
    if resp.status_code != 200:
        raise SetupError(
            f"AAP rejects the OAuth2 token it just issued (HTTP 401 on GET {path}); "
            "check the AAP's OAuth2 settings"
        )


def write_access_file(path: Path, data: dict[str, str]) -> None:
    """Atomically replace `path`; the file is born with mode 0600, never chmod-ed later."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SetupError(
            f"cannot write --json-output {path} ({exc.strerror}); pick a writable path"
        ) from None
