"""Tasks of the image integration test. `invoke --list`; `invoke --help TASK` for options.

Options come from flags, then IMAGETEST_* environment variables, then the `imagetest:`
section of invoke.yaml, then defaults: imagetest.core.config reads all of them (a task only
hands its flags over). Stage logic lives in the imagetest package.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from invoke import Context, Exit, task

from imagetest.core.config import Config, resolve_config
from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import EXIT_INTERRUPTED, HarnessError
from imagetest.core.log import setup_logging
from imagetest.engine import dockerutil
from imagetest.model.runstate import Runs, new_run_id
from imagetest.run import pipeline, stepsummary, upcmd
from imagetest.stages import doctor as doctor_mod
from imagetest.stages import stack

RUN_HELP = {
    "image": "dashboard image under test (default: the reference dashboard built locally)",
    "aap-version": "AAP version to emulate or expect: 2.4, 2.5 or 2.6 (default 2.6)",
    "keep": "keep the stack running after the run (for debugging)",
    "timeout": "timeout per stage in seconds (default 300)",
    "poll-interval": "longest pause between SyncJob polls (default 1; the first come sooner)",
    "expected": "expected counts YAML (default expected/aap-<version>.yaml)",
    "artifacts": "artifacts directory (default .artifacts/<run-id>/)",
    "profile": "schema profile of the image: reference, upstream or a YAML path",
    "aap-url": "use this AAP instead of the emulator (http(s)://host:port)",
    "aap-username": "AAP admin user (default admin)",
    "aap-password": "AAP admin password; prefer env IMAGETEST_AAP_PASSWORD or AAP_PASSWORD",
    "aap-insecure": "do not verify the AAP's TLS certificate",
    "skip-seed": "the AAP already holds the test data: reuse its access file",
    "aap-access": "access file to reuse with --skip-seed (default ./aap_access.json)",
    "offline": "never pull images; build what is missing locally",
    "default-intervals": "keep the image's own scheduler intervals (the upstream profile "
    "otherwise shortens them to 1 s; timing bugs may only show with the defaults)",
    "verbose": "debug logging",
}


def _config(c: Context, **flags: Any) -> Config:
    setup_logging(bool(flags.get("verbose")))
    try:
        file_config = dict(c.config.get("imagetest", None) or {})
    except (AttributeError, TypeError):
        file_config = {}
    # False for a boolean flag means "not given" (invoke has no tri-state flag): the
    # environment or invoke.yaml may still set it, to true or to false.
    given = {k: (None if v is False else v) for k, v in flags.items()}
    return resolve_config(given, file_config=file_config)


def _guard(fn: Callable[[], Any], stage: str | None = None) -> Any:
    """The one way every task ends: the outcome's message, no traceback, its exit code.

    ``stage``: what a task that runs no pipeline stage calls its work (build, teardown)."""
    try:
        return fn()
    except HarnessError as exc:
        stage = exc.stage or stage
        where = f" (stage {stage})" if stage else ""
        raise Exit(f"error{where}: {exc}", code=exc.exit_code) from None
    except KeyboardInterrupt:
        raise Exit("error: interrupted", code=EXIT_INTERRUPTED) from None


def _stage(c: Context, name: str, **flags: Any) -> None:
    _guard(lambda: pipeline.run_single(name, _config(c, **flags)))


@task(auto_shortflags=False, help={"verbose": RUN_HELP["verbose"]})
def doctor(c: Context, verbose: bool = False) -> None:
    """Check Python, the Docker engine, Compose v2 and free disk."""
    setup_logging(verbose)

    def run() -> None:
        if not doctor_mod.run_checks():
            raise HarnessError("the host is not ready (see the FAIL lines for the fix)")

    _guard(run)


@task(auto_shortflags=False, help={"offline": RUN_HELP["offline"], "verbose": RUN_HELP["verbose"]})
def images(c: Context, offline: bool = False, verbose: bool = False) -> None:
    """Make the stack's images exist: use, pull or build them (warm: no work)."""
    _guard(
        lambda: pipeline.run_alone(
            "images", pipeline.stage_images, _ctx(_config(c, offline=offline, verbose=verbose))
        )
    )


@task(
    auto_shortflags=False,
    help={
        "context": "build a dashboard image from this directory instead of the reference",
        "dockerfile": "Dockerfile for --context (default <context>/Dockerfile)",
        "image": "tag for the --context build (default localhost/imagetest/dashboard:context, "
        "or localhost/imagetest/automation-dashboard:public-base with --public-base)",
        "public-base": "build an automation-reports checkout with images/upstream "
        "(Debian bases, no Red Hat registry) instead of its own Dockerfile",
        "no-frontend": "with --public-base: skip the npm frontend build",
        "offline": RUN_HELP["offline"],
        "verbose": RUN_HELP["verbose"],
    },
)
def build(
    c: Context,
    context: str | None = None,
    dockerfile: str | None = None,
    image: str | None = None,
    public_base: bool = False,
    no_frontend: bool = False,
    offline: bool = False,
    verbose: bool = False,
) -> None:
    """Build the reference dashboard and emulator images, or a dashboard from --context."""
    from imagetest.images.imageselect import build_dashboard

    flags = {
        "context": context,
        "dockerfile": dockerfile,
        "image": image,
        "public_base": public_base,
        "no_frontend": no_frontend,
        "offline": offline,
    }
    _guard(
        lambda: build_dashboard(_config(c, verbose=verbose, **flags), dockerutil.client()),
        stage="build",
    )


def _ctx(config: Config) -> pipeline.RunContext:
    run_id = pipeline.new_run_id()
    return pipeline.RunContext(config, run_id, config.artifacts_dir(run_id))


UP_HELP = {
    k: RUN_HELP[k]
    for k in (
        "image",
        "aap-version",
        "timeout",
        "profile",
        "aap-url",
        "aap-insecure",
        "offline",
        "default-intervals",
        "verbose",
    )
}


@task(auto_shortflags=False, help=UP_HELP)
def up(
    c: Context,
    image: str | None = None,
    aap_version: str | None = None,
    timeout: str | None = None,
    profile: str | None = None,
    aap_url: str | None = None,
    aap_insecure: bool = False,
    offline: bool = False,
    default_intervals: bool = False,
    verbose: bool = False,
) -> None:
    """Start the stack (db, redis, emulator, web, task) and wait until healthy; no-op if up.

    A current stack that is not up (a failed `up`) is torn down first."""
    flags = dict(locals())
    flags.pop("c")

    def run() -> None:
        state, fresh = upcmd.bring_up(_config(c, **flags))
        print(
            f"{'up' if fresh else 'already up'}: {state.project}"
            f"  db 127.0.0.1:{state.ports['db']}  web 127.0.0.1:{state.ports['web']}"
            f"  aap {state.stack.aap_url}"
        )

    _guard(run)


@task(
    auto_shortflags=False,
    help={
        k: RUN_HELP[k] for k in ("timeout", "aap-password", "skip-seed", "aap-access", "verbose")
    },
)
def seed(
    c: Context,
    timeout: str | None = None,
    aap_password: str | None = None,
    skip_seed: bool = False,
    aap_access: str | None = None,
    verbose: bool = False,
) -> None:
    """Seed the stack's AAP with the test data (scripts/setup_aap.py); keep aap_access.json."""
    _stage(
        c,
        "seed",
        timeout=timeout,
        aap_password=aap_password,
        skip_seed=skip_seed,
        aap_access=aap_access,
        verbose=verbose,
    )


@task(
    auto_shortflags=False,
    help={
        "since": "start of the syncdata window (default 2026-01-01)",
        "until": "end of the syncdata window (default 2036-01-01)",
        **{k: RUN_HELP[k] for k in ("timeout", "poll-interval", "profile", "verbose")},
    },
)
def sync(
    c: Context,
    since: str | None = None,
    until: str | None = None,
    timeout: str | None = None,
    poll_interval: str | None = None,
    profile: str | None = None,
    verbose: bool = False,
) -> None:
    """Register AAP with the dashboard (setclusters) and start a sync (syncdata)."""
    _stage(
        c,
        "sync",
        since=since,
        until=until,
        timeout=timeout,
        poll_interval=poll_interval,
        profile=profile,
        verbose=verbose,
    )


@task(
    auto_shortflags=False,
    help={
        k: RUN_HELP[k]
        for k in ("timeout", "poll-interval", "expected", "profile", "aap-version", "verbose")
    },
)
def wait(
    c: Context,
    timeout: str | None = None,
    poll_interval: str | None = None,
    expected: str | None = None,
    profile: str | None = None,
    aap_version: str | None = None,
    verbose: bool = False,
) -> None:
    """Poll the SyncJob table until every sync is done (fail fast on a failed SyncJob)."""
    _stage(
        c,
        "wait",
        timeout=timeout,
        poll_interval=poll_interval,
        expected=expected,
        profile=profile,
        aap_version=aap_version,
        verbose=verbose,
    )


@task(
    auto_shortflags=False,
    help={k: RUN_HELP[k] for k in ("expected", "profile", "aap-version", "timeout", "verbose")},
)
def validate(
    c: Context,
    expected: str | None = None,
    profile: str | None = None,
    aap_version: str | None = None,
    timeout: str | None = None,
    verbose: bool = False,
) -> None:
    """Assert the exact row counts (scripts/validate_results.py); exit 1 on a mismatch."""
    _stage(
        c,
        "validate",
        expected=expected,
        profile=profile,
        aap_version=aap_version,
        timeout=timeout,
        verbose=verbose,
    )


@task(
    auto_shortflags=False,
    help={
        "service": "one service (db, redis, aap, web, task); default all",
        "tail": "lines per container (default 200)",
    },
)
def logs(c: Context, service: str | None = None, tail: int = 200) -> None:
    """Print the current stack's container logs."""

    def run() -> None:
        state = Runs.of(_config(c)).require()
        for container in dockerutil.run_containers(dockerutil.client(), state.run_id):
            name = container.labels.get("com.docker.compose.service", container.name)
            if service and name != service:
                continue
            print(f"===== {name} ({container.status})")
            sys.stdout.write(container.logs(tail=tail).decode(errors="replace"))

    _guard(run)


@task(auto_shortflags=False, help={"run-id": "the run to remove (default: the current stack)"})
def teardown(c: Context, run_id: str | None = None) -> None:
    """Remove the stack: compose down -v plus a sweep by the io.imagetest.run label."""
    _guard(lambda: stack.teardown(Runs.of(_config(c)), run_id), stage="teardown")


@task(name="test-image", auto_shortflags=False, help=RUN_HELP)
def test_image(
    c: Context,
    image: str | None = None,
    aap_version: str | None = None,
    keep: bool = False,
    timeout: str | None = None,
    poll_interval: str | None = None,
    expected: str | None = None,
    artifacts: str | None = None,
    profile: str | None = None,
    aap_url: str | None = None,
    aap_username: str | None = None,
    aap_password: str | None = None,
    aap_insecure: bool = False,
    skip_seed: bool = False,
    aap_access: str | None = None,
    offline: bool = False,
    default_intervals: bool = False,
    verbose: bool = False,
) -> None:
    """The whole chain: images, up, seed, sync, wait, validate, diagnostics, teardown."""
    flags = dict(locals())
    flags.pop("c")

    def run() -> None:
        result = pipeline.run_pipeline(_config(c, **flags))
        print(pipeline.render(result))
        stepsummary.append(result.artifacts, result.exit_code)
        if result.exit_code != 0:
            raise HarnessError(result.error, stage=result.failed_stage, exit_code=result.exit_code)

    _guard(run)


@task(
    auto_shortflags=False,
    help={
        "aap-versions": "comma-separated AAP versions (default 2.4,2.5,2.6)",
        "jobs": "runs at once (default 3)",
        "scenarios": "per version, run every regression scenario (invoke scenarios, "
        "plain-test-image among them) instead of test-image",
        "artifacts": "combined summary.json and junit.xml here; each run in aap-<V>/ "
        "(default .artifacts/matrix-<time>/)",
        **{
            k: RUN_HELP[k]
            for k in ("image", "profile", "timeout", "offline", "default-intervals", "verbose")
        },
    },
)
def matrix(
    c: Context,
    aap_versions: str = "2.4,2.5,2.6",
    jobs: int = 3,
    scenarios: bool = False,
    artifacts: str | None = None,
    image: str | None = None,
    profile: str | None = None,
    timeout: str | None = None,
    offline: bool = False,
    default_intervals: bool = False,
    verbose: bool = False,
) -> None:
    """test-image (or the scenarios) once per AAP version, in parallel; one combined
    summary and JUnit."""
    flags = dict(locals())
    for name in ("c", "aap_versions", "jobs", "scenarios"):
        flags.pop(name)
    from imagetest.run.matrix import SCENARIOS_COMMAND, images_argv, run_matrix

    root = artifacts or str(REPO_ROOT / ".artifacts" / f"matrix-{new_run_id()}")
    flags["artifacts"] = root
    versions = [v.strip() for v in aap_versions.split(",")]

    def run() -> None:
        # resolved and checked once, before any run starts; every run gets all of it
        config = _config(c, **flags)
        code = run_matrix(
            versions, jobs, [], root, cwd=REPO_ROOT, config=config,
            command=SCENARIOS_COMMAND if scenarios else None,
            prepare=images_argv([]) if scenarios else None,  # options reach it as variables
        )  # fmt: skip
        stepsummary.append(Path(root), code)
        if code != 0:
            raise HarnessError(f"the matrix failed; see {root}/summary.json", exit_code=code)

    _guard(run)


@task(
    auto_shortflags=False,
    help={
        "only": "comma-separated scenario names (default: every scenarios/*.yaml)",
        "jobs": "workers at once, each with its own stack, reset between its scenarios "
        "(default 2: on 2 cores a third worker slows the set down)",
        "worker-of": "internal, set by --jobs: be one worker of the set whose artifacts are DIR",
        "artifacts": "summary.json here, each scenario in <name>/ "
        "(default .artifacts/scenarios-<time>/)",
        **{
            k: RUN_HELP[k]
            for k in ("image", "profile", "aap-version", "timeout", "offline", "verbose")
        },
    },
)
def scenarios(
    c: Context,
    only: str | None = None,
    jobs: int = 2,
    artifacts: str | None = None,
    image: str | None = None,
    profile: str | None = None,
    aap_version: str | None = None,
    timeout: str | None = None,
    offline: bool = False,
    verbose: bool = False,
    worker_of: str | None = None,
) -> None:
    """Regression scenarios (scenarios/*.yaml), each from a fresh or reset stack; one summary."""
    from imagetest.scenarios.cli import run_scenarios

    flags = dict(locals())
    flags.pop("c")
    _guard(lambda: run_scenarios(c, flags, _config))
