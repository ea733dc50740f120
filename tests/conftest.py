"""Fixtures shared by every test directory."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import docker
import pytest

from tests.locks import exclusive


def docker_required() -> bool:
    """CI sets IMAGETEST_REQUIRE_DOCKER=1 so a missing engine fails instead of skipping."""
    return os.environ.get("IMAGETEST_REQUIRE_DOCKER", "") not in ("", "0", "false")


@pytest.fixture(scope="session")
def docker_client() -> docker.DockerClient:
    """A client for a Docker engine that answers; skip (or fail in CI) without one."""
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:  # any failure to reach the engine means "no Docker"
        message = f"no Docker engine answers ({exc.__class__.__name__}: {exc})"
        if docker_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return client


@pytest.fixture(scope="session")
def base_images(docker_client: docker.DockerClient) -> dict[str, str]:
    """postgres, redis and python made by the images stage without network: name -> tag.

    The tag is the registry image (postgres:15, ...) when present, else the local build.
    """
    from imagetest.images import ensure_images

    with exclusive("images"):
        results = ensure_images(["postgres", "redis", "python"], offline=True, client=docker_client)
    return {name: result.tag for name, result in results.items()}


@pytest.fixture(scope="session")
def stack_images(docker_client: docker.DockerClient) -> dict[str, str]:
    """Every image of the stack that can be built here (pulls when a registry answers).

    name -> tag; images whose Dockerfile does not exist yet are left out.
    """
    from imagetest.images import ensure_images

    with exclusive("images"):
        results = ensure_images(client=docker_client)
    return {name: r.tag for name, r in results.items() if r.action != "skipped"}


@pytest.fixture
def private_runs_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """IMAGETEST_RUNS_DIR for the runs a test starts (they inherit the environment), so a
    test never sees or changes the stack a user drives through `.runs/current`."""
    root = tmp_path_factory.mktemp("runs")
    monkeypatch.setenv("IMAGETEST_RUNS_DIR", str(root))
    return root


class AapsimServer(NamedTuple):
    url: str  # scheme://host:port, no trailing slash
    password: str  # the admin password


@pytest.fixture(scope="session")
def aapsim_server() -> Iterator[Callable[..., AapsimServer]]:
    """Factory: `aapsim_server("2.5", job_seconds=0.1)` starts a fresh emulator over HTTP.

    Keyword options are `aapsim.settings.Settings` fields (job_seconds, token_lifetime,
    synthetic_jobs, ...). Each call is a new, independent AAP; all stop at session end.
    """
    from aapsim.app import create_app
    from aapsim.settings import Settings

    from tests.live_aapsim import LiveAapsim

    running: list[LiveAapsim] = []

    def start(version: str = "2.6", **options: Any) -> AapsimServer:
        password = options.pop("admin_password", None) or secrets.token_urlsafe(12)
        settings = Settings(aap_version=version, admin_password=password, **options)
        server = LiveAapsim(create_app(settings)).start()
        running.append(server)
        return AapsimServer(url=server.url, password=password)

    yield start
    for server in running:
        server.stop()


UPSTREAM_TAG = "localhost/imagetest/automation-dashboard:public-base-test"


@pytest.fixture(scope="session")
def upstream_image(docker_client: docker.DockerClient, upstream_checkout: Path) -> str:
    """`invoke build --context CHECKOUT --public-base` (warm in CI: .ci/run built it), once
    per worker, under the build's lock."""
    import subprocess
    import sys

    argv = [sys.executable, "-m", "invoke", "build", "--context", str(upstream_checkout)]
    with exclusive("upstream-build"):
        result = subprocess.run(
            [*argv, "--public-base", "--image", UPSTREAM_TAG],
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    labels = docker_client.images.get(UPSTREAM_TAG).labels
    assert labels["io.imagetest.recipe"] == "public-base"
    assert labels["com.redhat.component"] == "automation-dashboard"
    return UPSTREAM_TAG


@pytest.fixture(scope="session")
def upstream_checkout() -> Path:
    """The ansible/automation-reports checkout the upstream tests build.

    One setting: IMAGETEST_UPSTREAM_CHECKOUT, default ../shared/upstream/automation-reports
    beside this repository. Absent: skip with that reason, but fail in CI.
    """
    default = Path(__file__).resolve().parent.parent.parent / "shared/upstream/automation-reports"
    path = Path(os.environ.get("IMAGETEST_UPSTREAM_CHECKOUT") or default)
    if not (path / "docker" / "Dockerfile.backend").is_file():
        message = (
            f"no automation-reports checkout at {path}; set IMAGETEST_UPSTREAM_CHECKOUT "
            "to a checkout of ansible/automation-reports"
        )
        if docker_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


# -- the suite in tiers, cheapest first ----------------------------------------------------
# 0: no Docker; 1: Docker but no stack of the harness; 2: full stacks (the `stack` marker).
# Tiers run in that order (pytest-xdist's workers take tests in this order too), the
# heaviest stack tests first within tier 2 (`stack(weight=N)`, seconds as measured) so
# that no long test starts last. A tier-0 failure stops the session: CI says "a unit test
# is broken" in a minute, not after every stack has come and gone.
TIER_NAMES = ("no Docker", "Docker, no stack", "stack")
# Workers of the suite (pytest-xdist), unless -n says otherwise: a stack test keeps a core
# busy less than half its time (measured: 44% of 2 cores for a test-image run), so three
# share two cores. Each stack test runs one stack at a time (scenario sets and matrices with
# --jobs 1), so the workers bound the stacks too. Tests that share a module's or the
# session's containers carry xdist_group and stay on one worker. Not in pyproject's
# addopts: scripts/validate_results.py runs under that configuration and stays one process.
SUITE_WORKERS = 3


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    if not config.pluginmanager.hasplugin("xdist"):
        return
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        # A worker parses the command line again, which never named --dist: without this
        # it would not mark its tests with their xdist_group, and a group's tests would be
        # spread over the workers (each setting up the module's stack again).
        config.option.loadgroup = bool(workerinput.get("imagetest_loadgroup"))
        return
    if config.getoption("numprocesses", None) is None:
        config.option.numprocesses = SUITE_WORKERS
        config.option.dist = "loadgroup"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """In the controller, for each worker it starts: whether the run schedules by group."""
    node.workerinput["imagetest_loadgroup"] = node.config.getvalue("dist") == "loadgroup"


def tier_of(keywords: Any) -> int:
    if "stack" in keywords:
        return 2
    if "docker" in keywords:
        return 1
    return 0


def _order(item: pytest.Item) -> tuple[int, int]:
    mark = item.get_closest_marker("stack")
    weight = int(mark.kwargs.get("weight", 0)) if mark else 0
    return tier_of(item.keywords), -weight


@pytest.fixture(autouse=True)
def _stack_images_first(request: pytest.FixtureRequest) -> None:
    """A stack test's run would build missing images itself, side by side with another
    worker's build of the same ones (a cold machine): it waits for the suite's build first."""
    if request.node.get_closest_marker("stack"):
        request.getfixturevalue("stack_images")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_order)  # stable: within a weight, files and tests keep their order


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """In the process that reports (the controller under xdist): stop at a tier-0 failure."""
    if not report.failed or tier_of(report.keywords) != 0 or _stop_request is None:
        return
    _stop_request(
        f"{report.nodeid} failed, and it needs no Docker: fix it before the Docker tiers run "
        "(--keep-going runs them anyway)"
    )


_stop_request: Callable[[str], None] | None = None


def pytest_sessionstart(session: pytest.Session) -> None:
    global _stop_request
    config = session.config
    if config.getoption("--keep-going") or hasattr(config, "workerinput"):
        return  # an xdist worker only runs tests; its controller decides to stop
    dsession = config.pluginmanager.getplugin("dsession")

    def stop(reason: str) -> None:
        if dsession is not None:
            dsession.shouldstop = dsession.shouldstop or reason
        else:
            session.shouldstop = session.shouldstop or reason

    _stop_request = stop


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--keep-going",
        action="store_true",
        help="run the Docker tiers even when a test that needs no Docker failed",
    )


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]) -> str:
    counts = [sum(1 for i in items if tier_of(i.keywords) == n) for n in range(3)]
    return "tiers: " + ", ".join(f"{n} {name}" for n, name in zip(counts, TIER_NAMES, strict=True))


@pytest.fixture(scope="session")
def upstream_bundle() -> Path:
    """The whole history of ansible/automation-reports as a git bundle (every branch and pull
    request head): IMAGETEST_UPSTREAM_BUNDLE, default ../shared/upstream/automation-reports.bundle
    beside this repository. Absent: skip with that reason, but fail in CI."""
    default = (
        Path(__file__).resolve().parent.parent.parent / "shared/upstream/automation-reports.bundle"
    )
    path = Path(os.environ.get("IMAGETEST_UPSTREAM_BUNDLE") or default)
    if not path.is_file():
        message = f"no automation-reports bundle at {path}; set IMAGETEST_UPSTREAM_BUNDLE"
        if docker_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path
