"""Tasks of the image integration test. `invoke --list`; `invoke --help TASK` for options.

Options come from flags, then IMAGETEST_* environment variables, then the `imagetest:`
section of invoke.yaml, then defaults: imagetest.core.config reads all of them (a task only
hands its flags over). Stage logic lives in the imagetest package.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from invoke import Context, Exit, task

from imagetest.core.boundary import translate
from imagetest.core.config import RUN_ID, Config, parse_count, resolve_config, task_help
from imagetest.core.constants import AAP_AWX, AAP_VERSIONS, REPO_ROOT
from imagetest.core.errors import EXIT_INTERRUPTED, EXIT_STAGE, HarnessError, OptionError
from imagetest.core.log import get_logger, setup_logging
from imagetest.core.signals import signals_as_interrupt
from imagetest.engine import dockerutil
from imagetest.model.runstate import Runs, new_run_id
from imagetest.run import pipeline, stepsummary, upcmd
from imagetest.stages import doctor as doctor_mod
from imagetest.stages import stack

log = get_logger("tasks")
SERVICES = "db, redis, aap, migrate, web, task"  # compose/compose.yml and the profile's


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
        with signals_as_interrupt():  # SIGTERM, SIGHUP, SIGQUIT: as Ctrl-C, exit 130
            return fn()
    except HarnessError as exc:
        stage = exc.stage or stage
        where = f" (stage {stage})" if stage else ""
        raise Exit(f"error{where}: {exc}", code=exc.exit_code) from None
    except KeyboardInterrupt:
        raise Exit("error: interrupted", code=EXIT_INTERRUPTED) from None
    except Exception as exc:  # a library's or our own bug: one line, exit 2, never 1
        log.debug("traceback of the failure below", exc_info=True)
        where = f" (stage {stage})" if stage else ""
        raise Exit(f"error{where}: {translate(exc, stage or '')}", code=EXIT_STAGE) from None


def _stage(c: Context, name: str, **flags: Any) -> None:
    _guard(lambda: pipeline.run_single(name, _config(c, **flags)))


@task(auto_shortflags=False, help=task_help("doctor"))
def doctor(c: Context, platform: str | None = None, verbose: bool = False) -> None:
    """Check Python, the Docker engine, Compose v2 and free disk."""
    setup_logging(verbose)

    def run() -> None:
        config = _config(c, platform=platform, verbose=verbose)
        if not doctor_mod.run_checks(config):
            raise HarnessError("the host is not ready (see the FAIL lines for the fix)")
        removed = stack.reap(dockerutil.client(), Runs.of(config))
        print(f"ok    {'stacks':<8} {len(removed)} left by killed runs removed")

    _guard(run)


@task(auto_shortflags=False, help=task_help("images"))
def images(
    c: Context, platform: str | None = None, offline: bool = False, verbose: bool = False
) -> None:
    """Make the stack's images exist: use, pull or build them (warm: no work)."""
    config = {"platform": platform, "offline": offline, "verbose": verbose}
    _guard(lambda: pipeline.run_alone("images", pipeline.stage_images, _ctx(_config(c, **config))))


@task(auto_shortflags=False, help=task_help("build"))
def build(
    c: Context,
    context: str | None = None,
    dockerfile: str | None = None,
    image: str | None = None,
    public_base: bool = False,
    no_frontend: bool = False,
    ref: str | None = None,
    aap: str | None = None,
    awx_sources: str | None = None,
    platform: str | None = None,
    offline: bool = False,
    verbose: bool = False,
) -> None:
    """Build the reference dashboard and the stack's AAP (emulator, or AWX with --aap awx),
    or a dashboard from --context."""
    from imagetest.images.imageselect import build_dashboard

    flags = {
        "context": context,
        "dockerfile": dockerfile,
        "image": image,
        "public_base": public_base,
        "no_frontend": no_frontend,
        "ref": ref,
        "aap": aap,
        "awx_sources": awx_sources,
        "platform": platform,
        "offline": offline,
    }
    _guard(
        lambda: build_dashboard(_config(c, verbose=verbose, **flags)),
        stage="build",
    )


def _ctx(config: Config) -> pipeline.RunContext:
    run_id = pipeline.new_run_id()
    return pipeline.RunContext(config, run_id, config.artifacts_dir(run_id))


@task(auto_shortflags=False, help=task_help("up"))
def up(
    c: Context,
    image: str | None = None,
    aap_version: str | None = None,
    timeout: str | None = None,
    profile: str | None = None,
    aap: str | None = None,
    awx_sources: str | None = None,
    aap_url: str | None = None,
    aap_insecure: bool = False,
    platform: str | None = None,
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


@task(auto_shortflags=False, help=task_help("seed"))
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


@task(auto_shortflags=False, help=task_help("sync"))
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


@task(auto_shortflags=False, help=task_help("wait"))
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


@task(auto_shortflags=False, help=task_help("validate"))
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
def logs(c: Context, service: str | None = None, tail: str = "200") -> None:
    """Print the current stack's container logs."""

    def run() -> None:
        lines = parse_count(tail, "tail")
        if service and service not in SERVICES:
            raise OptionError(f"--service {service!r}: not a service; use one of {SERVICES}")
        state = Runs.of(_config(c)).require()
        for container in dockerutil.run_containers(dockerutil.client(), state.run_id):
            name = container.labels.get("com.docker.compose.service", container.name)
            if service and name != service:
                continue
            print(f"===== {name} ({container.status})")
            sys.stdout.write(container.logs(tail=lines).decode(errors="replace"))

    _guard(run)


@task(
    auto_shortflags=False,
    help={
        "run-id": "the run to remove (default: the current stack)",
        "all": "every stack of this clone (kept, selected or left by a killed run)",
    },
)
def teardown(c: Context, run_id: str | None = None, all: bool = False) -> None:
    """Remove the stack: compose down -v plus a sweep by the io.imagetest.run label; stacks
    whose harness process is gone go too."""

    def run() -> None:
        if run_id is not None and not RUN_ID.fullmatch(run_id):
            raise OptionError(f"--run-id {run_id!r} is not a run id; see the folders of .runs")
        runs = Runs.of(_config(c))
        if all:
            stack.teardown_all(runs)
            return
        stack.teardown(runs, run_id)
        stack.reap(dockerutil.client(), runs)

    _guard(run, stage="teardown")


@task(name="test-image", auto_shortflags=False, help=task_help("test-image"))
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
    aap: str | None = None,
    awx_sources: str | None = None,
    aap_url: str | None = None,
    aap_username: str | None = None,
    aap_password: str | None = None,
    aap_insecure: bool = False,
    skip_seed: bool = False,
    aap_access: str | None = None,
    platform: str | None = None,
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
    help=task_help(
        "matrix",
        aap_versions=f"comma-separated AAP versions (default {','.join(AAP_VERSIONS)}); "
        "awx adds a run on the real AWX controller (--aap awx)",
        jobs="runs at once (default 3)",
        scenarios="per version, run every regression scenario (invoke scenarios, "
        "plain-test-image among them) instead of test-image",
    ),
)
def matrix(
    c: Context,
    aap_versions: str = ",".join(AAP_VERSIONS),
    jobs: str = "3",
    scenarios: bool = False,
    only: str | None = None,
    artifacts: str | None = None,
    image: str | None = None,
    profile: str | None = None,
    timeout: str | None = None,
    platform: str | None = None,
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

    versions = [v.strip() for v in aap_versions.split(",")]

    def run() -> None:
        # resolved and checked once, before any run starts; every run gets all of it
        config = _config(c, **flags)
        if config.only and not scenarios:
            raise OptionError("--only picks scenarios: give --scenarios too, or drop --only")
        if scenarios and AAP_AWX in versions:
            raise OptionError(
                "--scenarios runs on the emulator (its faults and clock); drop awx from "
                "--aap-versions or drop --scenarios"
            )
        root = config.artifacts_dir(f"matrix-{new_run_id()}")
        code = run_matrix(
            versions, parse_count(jobs, "jobs"), root, cwd=REPO_ROOT, config=config,
            command=SCENARIOS_COMMAND if scenarios else None,
            prepare=images_argv() if scenarios else None,
        )  # fmt: skip
        stepsummary.append(root, code)
        if code != 0:
            raise HarnessError(f"the matrix failed; see {root}/summary.json", exit_code=code)

    _guard(run)


@task(
    auto_shortflags=False,
    help=task_help(
        "scenarios",
        jobs="workers at once, each with its own stack, reset between its scenarios "
        "(default 2: on 2 cores a third worker slows the set down)",
        worker_of="internal, set by --jobs: be one worker of the set whose artifacts are DIR",
    ),
)
def scenarios(
    c: Context,
    only: str | None = None,
    jobs: str = "2",
    artifacts: str | None = None,
    image: str | None = None,
    profile: str | None = None,
    aap_version: str | None = None,
    timeout: str | None = None,
    platform: str | None = None,
    offline: bool = False,
    verbose: bool = False,
    context: str | None = None,
    worker_of: str | None = None,
) -> None:
    """Regression scenarios (scenarios/*.yaml), each from a fresh or reset stack; one summary."""
    from imagetest.scenarios.cli import run_scenarios

    flags = dict(locals())
    flags.pop("c")
    _guard(lambda: run_scenarios(c, flags, _config))


@task(
    auto_shortflags=False,
    iterable=["scenario"],
    help=task_help(
        "history",
        refs="A..B (oldest first) or a comma-separated list of commits, branches, tags",
        scenario="a scenario to run on each ref (repeatable; all: every one; default "
        "plain-test-image)",
        jobs="refs whose scenarios run at once, one stack each (default 1; builds take turns)",
        first_parent="with A..B: only the commits on the first-parent line (merges, not "
        "the commits of each merged branch)",
        fixes="prove each chosen scenario's fixed_in: fails on the fix's parent, passes on it",
        runs="runs of each scenario per ref (default 1; a fix's proof: 3)",
        record="also write the tables to this Markdown file (docs/history.md)",
    ),
)
def history(
    c: Context,
    context: str | None = None,
    refs: str | None = None,
    scenario: list[str] | None = None,
    aap_version: str | None = None,
    jobs: str = "1",
    first_parent: bool = False,
    fixes: bool = False,
    runs: str | None = None,
    record: str | None = None,
    no_frontend: bool = False,
    timeout: str | None = None,
    artifacts: str | None = None,
    verbose: bool = False,
) -> None:
    """Build refs of an automation-reports repository and run scenarios on each; one table
    (Markdown, JSON, HTML)."""
    from imagetest.history.cli import run_history

    flags = {
        "context": context, "aap_version": aap_version, "no_frontend": no_frontend,
        "timeout": timeout, "artifacts": artifacts, "verbose": verbose,
    }  # fmt: skip

    def run() -> None:
        config = _config(c, **flags)
        code = run_history(
            config, refs=refs, scenarios=scenario or [], jobs=parse_count(jobs, "jobs"),
            first_parent=first_parent, fixes=fixes,
            runs=parse_count(runs, "runs") if runs else None, record=record,
        )  # fmt: skip
        if code != 0:
            raise HarnessError("history: a ref did not build or a fix is not proven", exit_code=1)

    _guard(run, stage="history")


@task(
    auto_shortflags=False,
    help=task_help(
        "bisect",
        good="a ref where the scenario passes (with --fixed: the newer end)",
        bad="a ref where the scenario fails (with --fixed: the older end)",
        scenario="the scenario that judges each commit",
        fixed="find the commit that fixed the scenario instead of the one that broke it",
    ),
)
def bisect(
    c: Context,
    context: str | None = None,
    good: str | None = None,
    bad: str | None = None,
    scenario: str | None = None,
    fixed: bool = False,
    aap_version: str | None = None,
    no_frontend: bool = False,
    timeout: str | None = None,
    artifacts: str | None = None,
    verbose: bool = False,
) -> None:
    """The first commit where a scenario's verdict changes, by `git bisect run`: exit 0 and the
    commit when found, 2 when it cannot decide."""
    from imagetest.history.bisect import run_bisect

    flags = {
        "context": context, "aap_version": aap_version, "no_frontend": no_frontend,
        "timeout": timeout, "artifacts": artifacts, "verbose": verbose,
    }  # fmt: skip

    def run() -> None:
        if not (good and bad and scenario):
            raise OptionError("bisect needs --good REF, --bad REF and --scenario NAME")
        config = _config(c, **flags)
        run_bisect(config, good=good, bad=bad, scenario=scenario, fixed=fixed)

    _guard(run, stage="bisect")


@task(auto_shortflags=False, help=task_help("upgrade"))
def upgrade(
    c: Context,
    from_image: str | None = None,
    image: str | None = None,
    from_ref: str | None = None,
    ref: str | None = None,
    chain: str | None = None,
    context: str | None = None,
    profile: str | None = None,
    aap_version: str | None = None,
    timeout: str | None = None,
    artifacts: str | None = None,
    no_frontend: bool = False,
    offline: bool = False,
    verbose: bool = False,
) -> None:
    """A upgraded to B on the same database, as the installer does it: every row A synced
    kept, migrations applied, new jobs synced (scenarios/upgrade-keeps-data.yaml)."""
    from imagetest.scenarios.upgradecmd import run_upgrade

    flags = dict(locals())
    flags.pop("c")
    _guard(lambda: run_upgrade(_config(c, **flags)), stage="upgrade")
