"""The AAP REST client used by setclusters and the sync task (httpx, bounded retries)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from apps.common import testbugs

log = logging.getLogger(__name__)

GATEWAY_PING = "/api/gateway/v1/ping/"
CONTROLLER_PING = "/api/v2/ping/"
GATEWAY_VERSIONS = ("2.5", "2.6", "2.7")
PRODUCT_HEADER = "X-API-Product-Name"


class AAPError(Exception):
    """An AAP answered wrongly or not at all; the message is meant for error_message."""


def _describe(exc: Exception) -> str:
    return f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__


def detect_version(base_url: str, verify_ssl: bool) -> str:
    """Ask the gateway ping first (2.5+), then the controller ping (2.4)."""
    timeout = settings.AAP_PING_TIMEOUT
    try:
        with httpx.Client(verify=verify_ssl, timeout=timeout, follow_redirects=True) as client:
            response = client.get(base_url + GATEWAY_PING)
            if response.status_code == 200:
                version = str(_json(response, GATEWAY_PING).get("version", ""))
                if version not in GATEWAY_VERSIONS:
                    raise AAPError(f"AAP at {base_url} reports unsupported version {version!r}")
                return version
            response = client.get(base_url + CONTROLLER_PING)
            if response.is_success:
                _json(response, CONTROLLER_PING)
                return "2.4"
    except httpx.HTTPError as exc:
        raise AAPError(f"AAP at {base_url} is unreachable ({_describe(exc)})") from exc
    raise AAPError(
        f"cannot detect the AAP version at {base_url}: neither {GATEWAY_PING} nor "
        f"{CONTROLLER_PING} answered (last status {response.status_code})"
    )


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AAPError(
            f"GET {what} returned malformed JSON (status {response.status_code}): {exc}"
        ) from exc


TokenSaver = Callable[[str, str], None]


class AAPClient:
    """Bearer-token GETs against one AAP, refreshing the token once on 401."""

    def __init__(
        self,
        base_url: str,
        version: str,
        *,
        access_token: str,
        refresh_token: str,
        client_id: str,
        client_secret: str,
        verify_ssl: bool,
        save_tokens: TokenSaver,
    ) -> None:
        self.base_url = base_url
        self.version = version
        self.api_root = "/api/v2/" if version == "2.4" else "/api/controller/v2/"
        self.token_path = "/api/o/token/" if version == "2.4" else "/o/token/"
        self._access = access_token
        self._refresh = refresh_token
        self._client_id = client_id
        self._client_secret = client_secret
        self._save_tokens = save_tokens
        self._token_lock = threading.Lock()
        self._http = httpx.Client(
            verify=verify_ssl,
            timeout=settings.AAP_HTTP_TIMEOUT,
            follow_redirects=True,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
            headers={"Accept": "application/json"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AAPClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- requests -------------------------------------------------------------------------

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET a controller path (with query) and return its JSON body."""
        response = self._get_with_retries(path, params)
        if response.status_code == 401 and not testbugs.active("no-token-refresh"):
            used = response.request.headers.get("Authorization", "")
            self._refresh_tokens(used)
            response = self._get_with_retries(path, params)
        if not response.is_success:
            raise AAPError(
                f"GET {path} answered {response.status_code}: {response.text[:200].strip()}"
            )
        product = response.headers.get(PRODUCT_HEADER)
        if not product or product.strip() == "AWX":
            raise AAPError(
                f"GET {path}: {PRODUCT_HEADER} is {product!r}; this is not an AAP controller"
            )
        return _json(response, path)

    def _get_with_retries(self, path: str, params: dict[str, Any] | None) -> httpx.Response:
        attempts = max(settings.AAP_HTTP_RETRIES, 1)
        if testbugs.active("errors-as-empty"):
            attempts = 1
        problem = ""
        for attempt in range(attempts):
            if attempt:
                time.sleep(settings.AAP_RETRY_BACKOFF * 2 ** (attempt - 1))
            try:
                response = self._http.get(
                    self.base_url + path,
                    params=params,
                    headers={"Authorization": f"Bearer {self._access}"},
                )
            except httpx.HTTPError as exc:
                problem = _describe(exc)
                log.warning("GET %s attempt %d failed: %s", path, attempt + 1, problem)
                continue
            if response.status_code < 500:
                return response
            problem = f"status {response.status_code}"
            log.warning("GET %s attempt %d answered %s", path, attempt + 1, problem)
        raise AAPError(f"GET {self.base_url}{path} failed after {attempts} attempts ({problem})")

    def _refresh_tokens(self, used_authorization: str) -> None:
        with self._token_lock:
            if used_authorization != f"Bearer {self._access}":
                return  # another thread already refreshed
            url = self.base_url + self.token_path
            try:
                response = self._http.post(
                    url,
                    data={"grant_type": "refresh_token", "refresh_token": self._refresh},
                    auth=(self._client_id, self._client_secret),
                )
            except httpx.HTTPError as exc:
                log.warning("token refresh at %s failed: %s", url, _describe(exc))
                return
            if not response.is_success:
                log.warning("token refresh at %s answered %s", url, response.status_code)
                return
            body = _json(response, self.token_path)
            access, refresh = body.get("access_token"), body.get("refresh_token")
            if not access:
                log.warning("token refresh at %s returned no access_token", url)
                return
            self._access, self._refresh = access, refresh or self._refresh
            self._save_tokens(self._access, self._refresh)
            log.info("refreshed the AAP access token for %s", self.base_url)

    # -- lists ----------------------------------------------------------------------------

    def iter_pages(self, resource: str, params: dict[str, Any] | None = None) -> Iterator[list]:
        """Yield each page's results of a list, following `next` links."""
        path: str | None = self.api_root + resource
        query = params
        while path:
            try:
                body = self.get_json(path, query)
            except AAPError as exc:
                if not testbugs.active("errors-as-empty"):
                    raise
                log.warning("%s: %s; taken as an empty list", path, exc)
                return
            if isinstance(body, list):
                yield body
                return
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise AAPError(f"GET {path}: expected a list envelope with 'results'")
            yield body["results"]
            path, query = self._next(body.get("next"))

    @staticmethod
    def _next(link: str | None) -> tuple[str | None, None]:
        if not link:
            return None, None
        parts = urlsplit(link)
        return (parts.path + (f"?{parts.query}" if parts.query else "")), None

    def list_all(self, resource: str, params: dict[str, Any] | None = None) -> list[dict]:
        rows: list[dict] = []
        for page in self.iter_pages(resource, params):
            rows.extend(page)
        return rows
