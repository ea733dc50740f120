"""Discovery documents above the versioned APIs: /api/, /api/controller/, /api/gateway/, /api/o/.

Where each key comes from is written down in API-FACTS-DISCOVERY.md (AWX's ApiRootView and
ApiOAuthAuthorizationRootView; the gateway's root is only partly public, its extra keys are
marked inferred there).
"""

from __future__ import annotations

from typing import Any

from .context import Ctx, Reply, ok

CONTROLLER_PRODUCT = "Red Hat Ansible Automation Platform"
# AWX settings CUSTOM_LOGO, CUSTOM_LOGIN_INFO, LOGIN_REDIRECT_OVERRIDE on a fresh install.
BRANDING = {"custom_logo": "", "custom_login_info": "", "login_redirect_override": ""}


def _versions(description: str, prefix: str, version: str) -> dict[str, Any]:
    current = f"{prefix}{version}/"
    return {
        "description": description,
        "current_version": current,
        "available_versions": {version: current},
    }


def awx_root(ctx: Ctx) -> Reply:
    """2.4 GET /api/: AWX's root with its own OAuth2 provider."""
    body = _versions("AWX REST API", "/api/", "v2")
    body["oauth2"] = "/api/o/"
    return ok({**body, **BRANDING})


def controller_root(ctx: Ctx) -> Reply:
    """2.5/2.6 GET /api/controller/: AWX's root behind the gateway (no `oauth2` key)."""
    body = {**_versions("AWX REST API", "/api/controller/", "v2"), **BRANDING}
    return Reply(200, body, {"X-API-Product-Name": CONTROLLER_PRODUCT})


def gateway_root(ctx: Ctx) -> Reply:
    """2.5/2.6 GET /api/gateway/: the gateway's version root."""
    return ok(_versions("AAP gateway REST API", "/api/gateway/", "v1"))


def platform_root(ctx: Ctx) -> Reply:
    """2.5/2.6 GET /api/: the gateway's root, pointing at the services it fronts."""
    body = _versions("AAP gateway REST API", "/api/gateway/", "v1")
    body["apis"] = {"gateway": "/api/gateway/", "controller": "/api/controller/"}
    return ok(body)


def oauth(ctx: Ctx) -> Reply:
    """2.4 GET /api/o/: AWX's OAuth 2 authorization root."""
    return ok(
        {
            "authorize": "/api/o/authorize/",
            "token": "/api/o/token/",
            "revoke_token": "/api/o/revoke_token/",
        }
    )
