"""ensure_image's input checks and error wording, without an engine."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from imagetest.core.config import resolve_config
from imagetest.core.errors import HarnessError
from imagetest.core.streams import StreamTimeout, bounded
from imagetest.images.registry import (
    PullError,
    _auth_for,
    _pull_error,
    _repo_digest,
)


def test_half_credentials_are_refused() -> None:
    with pytest.raises(HarnessError, match="set REGISTRY_PASSWORD too"):
        _auth_for("quay.io", "bob", "")
    with pytest.raises(HarnessError, match="set REGISTRY_USERNAME too"):
        _auth_for("quay.io", "", "x")


def test_env_credentials_go_to_the_refs_registry() -> None:
    auth = _auth_for("quay.io", "bob", "pw")
    assert auth.config == {"username": "bob", "password": "pw", "serveraddress": "quay.io"}
    assert "pw" not in auth.label


@pytest.mark.parametrize(
    ("reason", "start"),
    [
        ("404 manifest for q/x:1 not found: manifest unknown", "image q/x:1 not found in"),
        ("500 unauthorized: authentication required", "registry quay.io refused"),
        ("pull access denied for x, repository does not exist", "image q/x:1 not found or"),
        ('500 Get "https://quay.io/v2/": dial tcp: lookup quay.io: no such host', "registry"),
        ("500 something else", "pulling q/x:1 from quay.io failed"),
    ],
)
def test_pull_errors_are_classified(reason: str, start: str) -> None:
    auth = _auth_for("quay.io", "", "")
    assert str(_pull_error("q/x:1", "quay.io", reason, auth)).startswith(start)


def test_the_password_is_scrubbed_from_engine_text() -> None:
    auth = _auth_for("quay.io", "bob", "hunter22")
    error = _pull_error("q/x:1", "quay.io", "500 bad creds hunter22\nmore", auth)
    assert "hunter22" not in str(error)
    assert "\n" not in str(error)


class FakeImage:
    def __init__(self, digests: list[str]) -> None:
        self.attrs: dict[str, Any] = {"RepoDigests": digests}


def test_repo_digest_prefers_the_refs_repository() -> None:
    image = FakeImage(["other/x@sha256:1", "quay.io/org/app@sha256:2"])
    assert _repo_digest(image, "quay.io/org/app:1.2") == "quay.io/org/app@sha256:2"
    assert _repo_digest(FakeImage(["redis@sha256:3"]), "docker.io/library/redis:7") == (
        "redis@sha256:3"
    )
    assert _repo_digest(FakeImage([]), "redis:7") is None


def test_pull_timeout_and_credentials_are_options() -> None:
    """Config reads them (one parser per type); the registry module reads no environment."""
    assert resolve_config({}, env={"IMAGETEST_PULL_TIMEOUT": "42"}).pull_timeout == 42.0
    assert resolve_config({}, env={}).pull_timeout == 600.0
    with pytest.raises(HarnessError, match="IMAGETEST_PULL_TIMEOUT: 'soon'"):
        resolve_config({}, env={"IMAGETEST_PULL_TIMEOUT": "soon"})
    env = {"REGISTRY_USERNAME": "bob", "REGISTRY_PASSWORD": "pw"}
    config = resolve_config({}, env=env)
    assert (config.registry_username, config.registry_password) == ("bob", "pw")
    assert "pw" not in repr(config)


def test_unreachable_errors_are_marked_for_the_images_stage() -> None:
    auth = _auth_for("quay.io", "", "")
    down = _pull_error("q/x:1", "quay.io", "dial tcp: connection refused", auth)
    missing = _pull_error("q/x:1", "quay.io", "manifest unknown", auth)
    assert isinstance(down, PullError) and down.unreachable and down.registry == "quay.io"
    assert not missing.unreachable


def test_answer_timeout_applies_before_the_first_event_only() -> None:
    def silent() -> Iterator[dict[str, str]]:
        time.sleep(2)
        yield {"status": "late"}

    with pytest.raises(StreamTimeout, match="got no answer within 0s") as info:
        list(bounded(silent(), limit=10, idle=10, answer=0.2))
    assert info.value.before_answer

    def slow_after_first() -> Iterator[dict[str, str]]:
        yield {"status": "first"}
        time.sleep(0.5)
        yield {"status": "second"}

    assert len(list(bounded(slow_after_first(), limit=10, idle=5, answer=0.2))) == 2
