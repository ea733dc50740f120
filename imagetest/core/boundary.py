"""Library exceptions turned into one sentence at a stage boundary.

A docker SDK, psycopg, httpx or OS error that escapes a stage names the service or file it
concerns and the fix; no class name reaches the user.
"""

from __future__ import annotations

import contextlib
import subprocess

import docker.errors
import httpx
import psycopg
import requests.exceptions

from imagetest.core.errors import HarnessError

# The service a stage talks to through the Docker engine (exec, logs, inspect).
STAGE_CONTAINER = {"sync": "task", "seed": "aap", "up": "web", "wait": "task"}


def first_line(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).strip().split("\n", 1)[0].split())
    if not text:
        text = "no detail given"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _docker(exc: docker.errors.DockerException, stage: str) -> str:
    service = STAGE_CONTAINER.get(stage, "stack")
    if isinstance(exc, docker.errors.ImageNotFound):
        return f"image not found ({_api_text(exc)}); run `invoke images` or fix --image"
    if isinstance(exc, docker.errors.NotFound):
        return (
            f"the {service} container is gone ({_api_text(exc)}); the stack was removed "
            "under the run: start it again (`invoke up`)"
        )
    if isinstance(exc, docker.errors.APIError):
        status = exc.status_code or "?"
        return (
            f"the Docker engine refused a request to the {service} container "
            f"({status} {_api_text(exc)}); is it still running? see containers/{service}.log"
        )
    return f"the Docker engine failed ({first_line(exc)}); check `docker info` and DOCKER_HOST"


def _api_text(exc: docker.errors.DockerException) -> str:
    explanation = getattr(exc, "explanation", None)
    if explanation:
        text = explanation.decode() if isinstance(explanation, bytes) else str(explanation)
        return " ".join(text.split())[:200]
    response = getattr(exc, "response", None)
    reason = getattr(response, "reason", None)
    return str(reason) if reason else first_line(exc)


def _psycopg(exc: psycopg.Error) -> str:
    if isinstance(exc, psycopg.OperationalError):
        return (
            f"lost the dashboard database (service db): {first_line(exc)}; is the db "
            "container running? see containers/db.log"
        )
    return (
        f"a query on the dashboard database (service db) failed: {first_line(exc)}; "
        "check that --profile matches the image's schema"
    )


def _httpx(exc: httpx.HTTPError) -> str:
    url = ""
    with contextlib.suppress(RuntimeError):  # no request attached
        url = f" at {exc.request.url.copy_with(query=None)}"
    return (
        f"AAP did not answer{url} ({first_line(exc)}); check --aap-url and that AAP "
        "(service aap for the emulator) is up"
    )


def _os(exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    reason = exc.strerror or first_line(exc)
    return f"cannot use{where}: {reason}; check the path and its permissions"


def translate(exc: Exception, stage: str) -> HarnessError:
    """The HarnessError a user reads for ``exc`` raised inside ``stage``."""
    if isinstance(exc, HarnessError):
        return exc
    if isinstance(exc, docker.errors.DockerException):
        text = _docker(exc, stage)
    elif isinstance(exc, requests.exceptions.RequestException):
        text = (
            f"the Docker engine stopped answering ({first_line(exc)}); check `docker info` "
            "and DOCKER_HOST"
        )
    elif isinstance(exc, psycopg.Error):
        text = _psycopg(exc)
    elif isinstance(exc, httpx.HTTPError):
        text = _httpx(exc)
    elif isinstance(exc, subprocess.SubprocessError):
        text = f"a helper program failed ({first_line(exc)}); rerun with --verbose"
    elif isinstance(exc, OSError):
        text = _os(exc)
    else:
        text = (
            f"unexpected failure: {first_line(exc)}; rerun with --verbose for the "
            "traceback and report it"
        )
    return HarnessError(text)  # the pipeline adds the stage it was running
