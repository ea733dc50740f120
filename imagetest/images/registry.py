"""Resolve the image under test: use a local image as it is, or pull it from its registry.

Credentials, in order: `REGISTRY_USERNAME`/`REGISTRY_PASSWORD` (Config.registry_username and
registry_password, read by imagetest.core.config like every option), then the user's docker
config (the SDK's own lookup of ~/.docker/config.json), then anonymous.
Every failure a user can fix becomes one `HarnessError` line that names the ref and the fix.

This module is the only place that pulls: the pipeline's `--image` and the images stage
(which tries quickly and builds when a pull fails: `answer_timeout`, `PullError`) both call
`ensure_image`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import docker
import docker.auth
import docker.errors
from docker.utils import parse_repository_tag

from imagetest.core.config import Config
from imagetest.core.errors import HarnessError
from imagetest.core.streams import StreamTimeout, bounded

_logger = logging.getLogger(__name__)

USERNAME_ENV = "REGISTRY_USERNAME"
PASSWORD_ENV = "REGISTRY_PASSWORD"
TIMEOUT_ENV = "IMAGETEST_PULL_TIMEOUT"

DEFAULT_IDLE_TIMEOUT = 120.0  # no progress message for this long means a hung registry
STAGE = "build"

Source = Literal["local", "pulled"]


@dataclass(frozen=True)
class ResolvedImage:
    """The image a run uses: its ref as given, image id, repo digest (if any) and origin."""

    ref: str
    id: str
    digest: str | None
    source: Source


class PullError(HarnessError):
    """A pull failed. `unreachable`: the registry itself did not answer (in time)."""

    def __init__(self, message: str, *, registry: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.registry = registry
        self.unreachable = unreachable


@dataclass(frozen=True)
class _Auth:
    config: dict[str, str] | None  # None lets the SDK read the docker config
    label: str  # what the log may say about it; never the password
    from_env: bool
    password: str | None


def ensure_image(
    client: docker.DockerClient,
    ref: str,
    *,
    log: Callable[[str], None] = _logger.info,
    timeout: float | None = None,
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    answer_timeout: float | None = None,
    anonymous_fallback: bool = False,
    config: Config | None = None,
) -> ResolvedImage:
    """Return the image for `ref`, pulling it only when the engine does not have it.

    `timeout` bounds the whole pull (default: the config's pull_timeout, 600 s),
    `idle_timeout` the wait for the next progress message and `answer_timeout` (if given)
    the wait for the first one. With `anonymous_fallback`, credentials from the options
    that the registry refuses are followed by an anonymous attempt. Raises PullError (a
    HarnessError) with one line for a missing image, refused credentials, an unreachable
    registry or a pull that takes too long.
    """
    config = config or Config()
    ref = ref.strip()
    if not ref:
        raise HarnessError("empty image ref: pass --image NAME:TAG")

    local = local_image(client, ref)
    if local is not None:
        resolved = _resolved(local, ref, "local")
        log(
            f"image {ref}: using local image {resolved.id[:19]} (no pull), "
            f"digest {resolved.digest or 'none (never pulled or pushed)'}"
        )
        return resolved

    repository, tag = split_ref(ref)
    registry = registry_host(ref)
    auth = _auth_for(registry, config.registry_username or "", config.registry_password or "")
    limits = _Limits(timeout or config.pull_timeout, idle_timeout, answer_timeout)
    started = time.monotonic()
    attempts = [auth, _ANONYMOUS] if anonymous_fallback and auth.from_env else [auth]
    for attempt in attempts:
        log(f"image {ref}: not present locally, pulling from {registry} ({attempt.label})")
        try:
            _pull(client, ref, repository, tag, registry, attempt, limits, log)
            break
        except PullError as exc:
            if attempt is attempts[-1] or exc.unreachable:
                raise
            log(f"image {ref}: {exc}; trying anonymously")

    image = local_image(client, ref)
    if image is None:
        raise PullError(
            f"pull of {ref} reported success but the engine has no such image: "
            "check the ref (name:tag or name@sha256:...)",
            registry=registry,
        )
    resolved = _resolved(image, ref, "pulled")
    log(
        f"image {ref}: pulled in {time.monotonic() - started:.1f} s, "
        f"digest {resolved.digest or 'unknown'}, id {resolved.id[:19]}"
    )
    return resolved


@dataclass(frozen=True)
class _Limits:
    total: float
    idle: float
    answer: float | None


def _pull(
    client: docker.DockerClient,
    ref: str,
    repository: str,
    tag: str,
    registry: str,
    auth: _Auth,
    limits: _Limits,
    log: Callable[[str], None],
) -> None:
    last_status = ""
    events = _pull_events(client, repository, tag, auth)
    try:
        for event in bounded(events, limits.total, limits.idle, limits.answer):
            if "error" in event or "errorDetail" in event:
                reason = event.get("error") or event.get("errorDetail", {}).get("message", "")
                raise _pull_error(ref, registry, str(reason), auth)
            status = event.get("status", "")
            if status and status != last_status and "id" not in event:
                log(f"[pull {ref}] {status}")
                last_status = status
    except docker.errors.APIError as exc:
        raise _pull_error(ref, registry, _api_reason(exc), auth) from None
    except StreamTimeout as exc:
        fix = "check that the registry is reachable"
        if not exc.before_answer:
            fix += f", or raise {TIMEOUT_ENV} (now {limits.total:.0f} s)"
        raise PullError(
            f"pulling {ref} from {registry} {exc}: {fix}", registry=registry, unreachable=True
        ) from None


def registry_host(ref: str) -> str:
    """The registry a ref pulls from (docker.io for Docker Hub names)."""
    repository, _ = split_ref(ref)
    registry, _ = docker.auth.resolve_repository_name(repository)
    return str(registry)


def split_ref(ref: str) -> tuple[str, str]:
    """(repository, tag); the tag defaults to latest."""
    repository, tag = parse_repository_tag(ref)
    return repository, tag or "latest"


def local_image(client: docker.DockerClient, ref: str) -> Any | None:
    """The engine's image for `ref`, or None."""
    try:
        return client.images.get(ref)
    except docker.errors.ImageNotFound:
        return None
    except docker.errors.APIError as exc:
        # An invalid reference is the user's to fix; anything else is the engine's.
        if exc.status_code == 400:
            raise HarnessError(
                f"invalid image ref {ref!r}: use NAME[:TAG] or NAME@sha256:DIGEST"
            ) from None
        raise


def _resolved(image: Any, ref: str, source: Source) -> ResolvedImage:
    return ResolvedImage(ref=ref, id=image.id, digest=_repo_digest(image, ref), source=source)


def _repo_digest(image: Any, ref: str) -> str | None:
    """The RepoDigests entry of the ref's repository; another one if only that exists."""
    digests: list[str] = list(image.attrs.get("RepoDigests") or [])
    if not digests:
        return None
    repository, _ = parse_repository_tag(ref)
    short = repository.removeprefix("docker.io/").removeprefix("library/")
    for entry in digests:
        if entry.split("@", 1)[0] in (repository, short):
            return entry
    return digests[0]


def _auth_for(registry: str, username: str, password: str) -> _Auth:
    if bool(username) != bool(password):
        missing = PASSWORD_ENV if username else USERNAME_ENV
        raise HarnessError(
            f"{USERNAME_ENV} and {PASSWORD_ENV} go together: set {missing} too, or unset both",
        )
    if username:
        config = {"username": username, "password": password, "serveraddress": registry}
        return _Auth(config, f"credentials from {USERNAME_ENV}={username}", True, password)
    if _docker_config_knows(registry):
        return _Auth(None, "credentials from the docker config", False, None)
    return _ANONYMOUS


_ANONYMOUS = _Auth(None, "anonymous", False, None)


def _docker_config_knows(registry: str) -> bool:
    """Whether ~/.docker/config.json names credentials for `registry` (for the log only)."""
    try:
        config = docker.auth.load_config()
    except Exception:  # an unreadable config only changes the log label
        return False
    if config.get_credential_store(registry):
        return True
    index = docker.auth.INDEX_NAME
    names = {registry, f"https://{registry}", f"http://{registry}"}
    if registry == index:
        names |= {docker.auth.INDEX_URL}
    return any(name in config.auths for name in names)


def _pull_events(
    client: docker.DockerClient, repository: str, tag: str, auth: _Auth
) -> Iterator[dict[str, Any]]:
    kwargs: dict[str, Any] = {"tag": tag, "stream": True, "decode": True}
    if auth.config is not None:
        kwargs["auth_config"] = auth.config
    yield from client.api.pull(repository, **kwargs)


def _api_reason(exc: docker.errors.APIError) -> str:
    explanation = exc.explanation
    if isinstance(explanation, bytes):
        explanation = explanation.decode(errors="replace")
    return f"{exc.status_code} {explanation or exc}"


_NOT_FOUND_OR_DENIED = ("pull access denied", "repository does not exist")
_AUTH = ("unauthorized", "authentication required", "no basic auth credentials", "401")
_NOT_FOUND = ("manifest unknown", "not found", "name unknown", "404")
_UNREACHABLE = (
    "connection refused",
    "no such host",
    "i/o timeout",
    "network is unreachable",
    "no route to host",
    "tls handshake timeout",
    "dial tcp",
    "timeout exceeded",
    "connection reset",
)


def _pull_error(ref: str, registry: str, reason: str, auth: _Auth) -> PullError:
    """Turn the engine's pull error into one line naming the ref and the fix."""
    text = _one_line(reason, auth.password)
    low = text.lower()
    unreachable = False
    if auth.from_env:
        creds_fix = f"check {USERNAME_ENV}/{PASSWORD_ENV} for {registry}"
    else:
        creds_fix = f"set {USERNAME_ENV}/{PASSWORD_ENV} or run `docker login {registry}`"
    if any(key in low for key in _NOT_FOUND_OR_DENIED):
        message = f"image {ref} not found or access denied: check the name and tag, or {creds_fix}"
    elif any(key in low for key in _AUTH):
        message = f"registry {registry} refused the credentials for {ref}: {creds_fix}"
    elif "http response to https client" in low:
        message = (
            f"registry {registry} speaks plain HTTP: add it to the engine's "
            f"insecure-registries (127.0.0.0/8 is allowed by default) to pull {ref}"
        )
    elif any(key in low for key in _NOT_FOUND):
        message = f"image {ref} not found in {registry}: check the name and tag (--image)"
    elif any(key in low for key in _UNREACHABLE):
        unreachable = True
        message = (
            f"registry {registry} is unreachable while pulling {ref}: "
            "check the address, the network and the engine's proxy settings"
        )
    else:
        message = f"pulling {ref} from {registry} failed: check the ref and the registry"
    return PullError(f"{message} ({text})", registry=registry, unreachable=unreachable)


def _one_line(reason: str, secret: str | None, limit: int = 200) -> str:
    text = " ".join(reason.split())
    if secret:
        text = text.replace(secret, "***")
    return text if len(text) <= limit else text[: limit - 3] + "..."
