"""Credentials: Basic for users, Bearer for personal and OAuth2 application tokens."""

from __future__ import annotations

import base64
import binascii
import hmac
from datetime import datetime

from .errors import ApiError
from .models import User
from .state import State

NOT_PROVIDED = (
    "Authentication credentials were not provided. To establish a login session, visit /api/login/."
)
BAD_PASSWORD = "Invalid username/password. To establish a login session, visit /api/login/."
WWW_AUTHENTICATE = "Bearer realm=api authorization_url=/api/o/authorize/"


def unauthorized(detail: str = NOT_PROVIDED) -> ApiError:
    return ApiError(401, {"detail": detail}, {"WWW-Authenticate": WWW_AUTHENTICATE})


def decode_basic(value: str) -> tuple[str, str] | None:
    try:
        raw = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if ":" not in raw:
        return None
    user, _, password = raw.partition(":")
    return user, password


def check_password(state: State, username: str, password: str) -> User | None:
    """The user with this username and password (Basic auth, the 2.4 session login)."""
    for user in state.users.values():
        if user.username == username and hmac.compare_digest(user.password, password):
            return user
    return None


def authenticate(state: State, header: str, now: datetime) -> User | None:
    """The user behind an Authorization header; None when absent or not a known scheme."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "basic":
        pair = decode_basic(value)
        if pair is None:
            raise unauthorized("Invalid basic header. Credentials not correctly base64 encoded.")
        user = check_password(state, *pair)
        if user is None:
            raise unauthorized(BAD_PASSWORD)
        return user
    if scheme == "bearer":
        token = state.token_index.get(value.strip())
        if token is None or token.expires <= now:
            return None  # AWX treats unknown or expired tokens as no credentials
        token.last_used = now
        return state.users.get(token.user_id)
    return None


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
NO_PERMISSION = "You do not have permission to perform this action."


def check_scope(state: State, header: str, method: str) -> None:
    """AWX refuses anything but reading to a token without the write scope (APIView.
    check_permissions). The 2.5/2.6 gateway does not check scopes (django-ansible-base
    2024.7.1, oauth2_provider/authentication.py: "TODO: check oauth_scopes")."""
    if state.settings.gateway or method in SAFE_METHODS:
        return
    scheme, _, value = header.partition(" ")
    token = state.token_index.get(value.strip()) if scheme.lower() == "bearer" else None
    if token is not None and "write" not in token.scope.split():
        raise ApiError(403, {"detail": NO_PERMISSION})
