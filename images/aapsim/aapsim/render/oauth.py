"""OAuth2 applications and tokens, and the controller's ping."""

from __future__ import annotations

from typing import Any

from ..models import (
    Application,
    Token,
)
from ..state import AWX_VERSION, NODE
from ..timeutil import fmt
from .base import (
    ENCRYPTED,
    RendererBase,
)


class OauthRenderer(RendererBase):
    """Renders the oauth family (see the module docstring)."""

    # -- OAuth2 --------------------------------------------------------------------------

    def application(self, a: Application, secret: bool = False) -> dict[str, Any]:
        out = self._base(
            "o_auth2_application" if not self.gateway else "application", "applications", a.id
        )
        out["related"] = {
            **self._links("applications", a.id, ("tokens", "activity_stream")),
            "organization": f"{self.p}organizations/{a.organization}/",
        }
        out["summary_fields"] = {
            "organization": self._org_ref(a.organization),
            "user_capabilities": {"edit": True, "delete": True},
            "tokens": {
                "count": sum(1 for t in self.s.tokens.values() if t.application_id == a.id),
                "results": [],
            },
        }
        out.update(
            {
                "created": fmt(a.created),
                "modified": fmt(a.created),
                "name": a.name,
                "description": a.description,
                "client_id": a.client_id,
            }
        )
        if a.client_type == "confidential":
            out["client_secret"] = a.client_secret if secret else ENCRYPTED
        out.update(
            {
                "client_type": a.client_type,
                "redirect_uris": a.redirect_uris,
                "authorization_grant_type": a.authorization_grant_type,
                "skip_authorization": a.skip_authorization,
                "organization": a.organization,
            }
        )
        if self.gateway:  # the gateway's applications (DAB); the controller's have neither
            out["app_url"] = a.app_url
            out["user"] = self.s.users[a.user_id].gateway_id
        return out

    def token(self, t: Token, secret: bool = False) -> dict[str, Any]:
        out = self._base("o_auth2_access_token" if not self.gateway else "token", "tokens", t.id)
        user = self.s.users.get(t.user_id)
        user_id = (user.gateway_id if self.gateway else user.id) if user else t.user_id
        out["related"] = {
            "user": f"{self.p}users/{user_id}/",
            "activity_stream": f"{self.p}tokens/{t.id}/activity_stream/",
        }
        if t.application_id is not None:
            out["related"]["application"] = f"{self.p}applications/{t.application_id}/"
        summary: dict[str, Any] = {
            "user": {
                "id": user_id,
                "username": user.username if user else "",
                "first_name": "",
                "last_name": "",
            }
        }
        app = self.s.applications.get(t.application_id) if t.application_id else None
        if app is not None:
            summary["application"] = {"id": app.id, "name": app.name}
        out["summary_fields"] = summary
        out.update(
            {
                "created": fmt(t.created),
                "modified": fmt(t.created),
                "description": t.description,
                "user": user_id,
                "token": t.token if secret else ENCRYPTED,
                "refresh_token": (t.refresh_token if secret else ENCRYPTED)
                if t.refresh_token
                else None,
                "application": t.application_id,
                "expires": fmt(t.expires),
                "scope": t.scope,
            }
        )
        if self.gateway:  # the gateway's tokens (DAB) record it; the controller's do not
            out["last_used"] = fmt(t.last_used)
        return out

    # -- ping ----------------------------------------------------------------------------

    def controller_ping(self) -> dict[str, Any]:
        version = AWX_VERSION[self.s.version]
        heartbeat = fmt(self.now)
        return {
            "ha": False,
            "version": version,
            "active_node": NODE,
            "install_uuid": "6a3c2d4e-8f0b-4c1a-9e7d-5b2f1a0c3d4e",
            "instances": [
                {
                    "node": NODE,
                    "node_type": "hybrid",
                    "uuid": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
                    "heartbeat": heartbeat,
                    "capacity": 136,
                    "version": version,
                }
            ],
            "instance_groups": [
                {"name": g.name, "capacity": g.capacity, "instances": [NODE]}
                for g in sorted(self.s.instance_groups.values(), key=lambda g: g.name)
            ],
        }
