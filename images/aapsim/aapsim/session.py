"""AAP 2.4's session login (/api/login/), as AWX serves it and awxkit uses it.

AWX's LoggedLoginView is Django's LoginView: GET renders the form and sets the CSRF cookie;
POST with username, password and next (and the CSRF token, as a form field or X-CSRFToken
header, equal to the cookie) answers 302 to `next`, sets the session cookie and names it in
X-API-Session-Cookie-Name; bad credentials answer 401 with the form again, a missing or wrong
CSRF token 403. The API then accepts the session cookie (DRF's SessionAuthentication), with
the CSRF header on unsafe methods.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

from starlette.responses import Response

from .auth import check_password
from .errors import ApiError
from .models import User
from .state import State

SESSION_COOKIE = "awx_sessionid"  # AWX's SESSION_COOKIE_NAME
CSRF_COOKIE = "csrftoken"
DEFAULT_NEXT = "/api/"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
HTML = "text/html; charset=utf-8"
VARY = "Cookie, Accept-Language, origin"
FORM = (
    "<!DOCTYPE html>\n<html><head><title>Login</title></head><body>\n"
    '<form action="/api/login/" method="post">\n'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">\n'
    '{error}<input type="text" name="username" id="id_username">\n'
    '<input type="password" name="password" id="id_password">\n'
    '<input type="hidden" name="next" value="{next}">\n'
    '<button type="submit">Log in</button>\n</form>\n</body></html>\n'
)
BAD_LOGIN = (
    '<p class="errornote">Please enter a correct username and password. Note that both '
    "fields may be case-sensitive.</p>\n"
)
CSRF_FAILED = (
    "<h1>Forbidden <span>(403)</span></h1><p>CSRF verification failed. Request aborted.</p>"
)


def cookies(headers: dict[str, str]) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is no cookie at all, as in Django
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def _form_page(status: int, csrf: str, nxt: str, error: str = "") -> Response:
    body = FORM.format(csrf=csrf, next=nxt.replace('"', "&quot;"), error=error)
    response = Response(body, status, headers={"Vary": VARY}, media_type=HTML)
    response.set_cookie(CSRF_COOKIE, csrf, path="/", samesite="lax")
    return response


def login(state: State, method: str, headers: dict[str, str], raw_body: bytes) -> Response:
    jar = cookies(headers)
    if method in ("GET", "HEAD"):
        return _form_page(200, jar.get(CSRF_COOKIE) or secrets.token_urlsafe(32), DEFAULT_NEXT)
    if method != "POST":
        return Response(b"", 405, headers={"Allow": "GET, POST, HEAD, OPTIONS"}, media_type=HTML)
    form = dict(parse_qsl(raw_body.decode("utf-8", "replace"), keep_blank_values=True))
    cookie = jar.get(CSRF_COOKIE, "")
    sent = form.get("csrfmiddlewaretoken") or headers.get("x-csrftoken", "")
    if not cookie or not hmac.compare_digest(cookie, sent):
        return Response(CSRF_FAILED, 403, headers={"Vary": VARY}, media_type=HTML)
    nxt = form.get("next") or DEFAULT_NEXT
    user = check_password(state, form.get("username", ""), form.get("password", ""))
    if user is None:
        return _form_page(401, cookie, nxt, BAD_LOGIN)
    session = secrets.token_urlsafe(24)
    with state.lock:
        state.sessions[session] = user.id
        user.last_login = state.now()
    response = Response(b"", 302, headers={"Location": nxt, "Vary": VARY}, media_type=HTML)
    response.headers["X-API-Session-Cookie-Name"] = SESSION_COOKIE
    csrf = secrets.token_urlsafe(32)  # Django rotates the CSRF token at login
    response.set_cookie(CSRF_COOKIE, csrf, path="/", samesite="lax")
    response.set_cookie(SESSION_COOKIE, session, path="/", httponly=True, samesite="lax")
    response.set_cookie("userLoggedIn", "true", path="/", samesite="lax")
    return response


def session_user(state: State, headers: dict[str, str], method: str) -> User | None:
    """The user of a session cookie (None without one); unsafe methods need the CSRF header."""
    jar = cookies(headers)
    user_id = state.sessions.get(jar.get(SESSION_COOKIE, ""))
    if user_id is None:
        return None
    if method not in SAFE_METHODS:
        token = headers.get("x-csrftoken", "")
        if not token or not hmac.compare_digest(token, jar.get(CSRF_COOKIE, "")):
            raise ApiError(403, {"detail": "CSRF Failed: CSRF token missing or incorrect."})
    return state.users.get(user_id)


def ensure_csrf_cookie(response: Response, headers: dict[str, str]) -> None:
    """AWX's API root (`ApiRootView.get`, ensure_csrf_cookie) sets the CSRF cookie, keeping
    the caller's: awxkit GETs /api/ for it before it posts its login form."""
    response.set_cookie(
        CSRF_COOKIE,
        cookies(headers).get(CSRF_COOKIE) or secrets.token_urlsafe(32),
        path="/",
        samesite="lax",
    )
