"""Bring the stack up and take it down (compose down -v plus a sweep by label)."""

from __future__ import annotations

import json
import secrets
import shlex
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import docker
import yaml

from imagetest.core import owner
from imagetest.core.config import Config
from imagetest.core.constants import CLONE_LABEL, OWNER_LABEL, RUN_LABEL, foreign_platform
from imagetest.core.errors import HarnessError
from imagetest.core.log import get_logger
from imagetest.engine import dockerutil, podman
from imagetest.engine.compose import AWX_FILE, BASE_FILE, ENGINE25_FILE, Compose
from imagetest.images.imageselect import ResolvedImages
from imagetest.model.profile import Profile
from imagetest.model.runstate import (
    STATE_NAME,
    Runs,
    RunState,
    StackSpec,
    UnreadableState,
    choose_ports,
    new_run_id,
    project_name,
    write_private,
)

log = get_logger("stack")
EMULATOR_PROFILE = "aapsim"
EMULATOR_INTERNAL_URL = "http://aap:8080"
START_INTERVAL_API = "1.44"  # Docker Engine 25: healthcheck.start_interval
# Seconds a health check waits after a pass on engines before 25 (compose/compose.yml: settle).
HEALTH_SETTLE_SECONDS = 3
EMULATED_HEALTH_SETTLE_SECONDS = 30
SETTLE_MARK = "/tmp/.imagetest-up"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
CONTAINER_HOST_ALIAS = "host.docker.internal"
DB_INTERNAL = {"db_host": "db", "db_port": "5432", "redis_host": "redis", "redis_port": "6379"}
FAST_SCHEDULE_SECONDS = 1  # the image's periodic tasks, unless --default-intervals
# Under emulation a periodic task costs seconds of CPU: at 1 s the upstream dispatcher queued
# ~500 of them in 9 minutes ("Queueing task ... due to lack of capacity") and the sync's parse
# jobs waited behind them.
EMULATED_SCHEDULE_SECONDS = 10


def compose_for(state: RunState) -> Compose:
    profiles = [] if state.stack.external_aap else [EMULATOR_PROFILE]
    files = [BASE_FILE] if not state.compose_files else [Path(f) for f in state.compose_files]
    return Compose(state.project, state.env_file, files, profiles)


def container_url(url: str) -> str:
    """The URL the containers use for an AAP the host reaches on its loopback."""
    parts = urlsplit(url)
    if parts.hostname in LOOPBACK_HOSTS:
        netloc = CONTAINER_HOST_ALIAS + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def is_up(client: docker.DockerClient, state: RunState) -> bool:
    """The one test of "is the stack up": every container of the run is running (and
    healthy where checked)."""
    containers = dockerutil.run_containers(client, state.run_id)
    if not containers:
        return False
    return all(dockerutil.serving(c) for c in containers)


def profile_ref(config: Config) -> str:
    """The profile as asked for: a name stays a name, a path becomes absolute."""
    given = config.profile
    return str(Path(given).absolute()) if Path(given).suffix else given


def describe(config: Config, ports: dict[str, int]) -> StackSpec:
    """The frozen description of a new stack, from the options it is brought up with."""
    if config.external_aap:
        aap_url, internal = str(config.aap_url).rstrip("/"), container_url(str(config.aap_url))
    else:
        aap_url, internal = f"http://127.0.0.1:{ports['aap']}", EMULATOR_INTERNAL_URL
    return StackSpec(
        aap_version=config.aap_version,
        profile=profile_ref(config),
        image=config.image or "",
        external_aap=config.external_aap,
        aap_url=aap_url,
        aap_internal_url=internal.rstrip("/"),
        aap_username=config.aap_username,
        aap_insecure=config.aap_insecure,
        aap=config.aap,
    )


def new_state(config: Config, images: ResolvedImages, run_id: str | None = None) -> RunState:
    run_id = run_id or new_run_id()
    ports = choose_ports(config.ports())
    return RunState(
        run_id=run_id,
        project=project_name(run_id),
        ports=ports,
        stack=describe(config, ports),
        root=config.runs_root(),
        images=dict(images.env),
        db={"user": "dashboard", "password": secrets.token_urlsafe(18), "name": "dashboard"},
        artifacts=str(config.artifacts_dir(run_id)),
    )


def image_values(state: RunState, config: Config) -> dict[str, str]:
    """What the profile's env values and file templates may use, for this run."""
    return {
        **DB_INTERNAL,
        "db_user": state.db["user"],
        "db_password": state.db["password"],
        "db_name": state.db["name"],
        "secret_key": secrets.token_urlsafe(32),
        "database_key": secrets.token_urlsafe(32),
        "auth_client_secret": secrets.token_urlsafe(16),
        "sync_since": config.since,
        "fast_schedule": str(not config.default_intervals),
        "schedule_seconds": str(
            EMULATED_SCHEDULE_SECONDS
            if foreign_platform(config.platform)
            else FAST_SCHEDULE_SECONDS
        ),
    }


def write_profile_files(state: RunState, profile: Profile, values: dict[str, str]) -> list[str]:
    """Render the profile's files into the run directory; the bind mounts for them."""
    mounts: list[str] = []
    folder = state.files_dir
    folder.mkdir(mode=0o700, exist_ok=True)
    for target, text in profile.render_files(values).items():
        host = folder / target.strip("/").replace("/", "__")
        write_private(host, text)
        host.chmod(0o644)  # read by the image's own user; the run directory stays 0700
        mounts.append(f"{host}:{target}:ro")
    return mounts


def settled(check: list[str], seconds: int) -> list[str]:
    """A role's health check (argv) as compose.yml's own: a shell line that, once it has
    passed, waits ``seconds`` before it answers (see compose.yml's settle)."""
    settle = f"{{ [ -e {SETTLE_MARK} ] && sleep {seconds}; touch {SETTLE_MARK}; true; }}"
    return ["CMD-SHELL", f"{shlex.join(check)} && {settle}"]


def compose_text(argv: list[str]) -> list[str]:
    """argv as compose.profile.yml must hold it: Compose reads '$' as its own variables."""
    return [part.replace("$", "$$") for part in argv]


def role_commands(config: Config, profile: Profile) -> dict[str, list[str]]:
    """web's and task's commands: the profile's, or --web-command/--task-command (checked
    by the config to split as a shell would)."""
    image = profile.image
    web = shlex.split(config.web_command) if config.web_command else image.web_command
    task = shlex.split(config.task_command) if config.task_command else image.task_command
    return {"web": web, "task": task}


def health_settle(state: RunState) -> int:
    """HEALTH_SETTLE for this stack: none where the engine relaxes checks itself (25+)."""
    return 0 if str(ENGINE25_FILE) in state.compose_files else HEALTH_SETTLE_SECONDS


def health_timing(state: RunState, config: Config) -> dict[str, str]:
    """The health checks' pace. Under emulation a check's Python start costs ~1 s of CPU
    and more than the 5 s timeout once the stack is busy: measured with every service on
    qemu, the checks alone kept the 2 cores busy and the task's timed out. There they run
    every 5 s, may take 60 s, and settle for 30 s once passed."""
    if not foreign_platform(config.platform):
        return {"HEALTH_SETTLE": str(health_settle(state))}
    return {"HEALTH_INTERVAL": "5s", "HEALTH_TIMEOUT": "60s",
            "HEALTH_SETTLE": str(EMULATED_HEALTH_SETTLE_SECONDS)}  # fmt: skip


def stack_labels(state: RunState) -> dict[str, str]:
    """compose/compose.yml's x-labels, for the services the override adds."""
    return {
        RUN_LABEL: state.run_id,
        CLONE_LABEL: Runs(state.root).clone,
        OWNER_LABEL: state.owner,
    }


def write_override(
    state: RunState, profile: Profile, mounts: list[str], commands: dict[str, list[str]]
) -> Path:
    """compose.profile.yml: what the profile adds to the stack (the roles' commands and
    health checks, mounts, and who migrates: a one-shot migrate service that web and task
    wait for, or else web, which task waits for)."""
    image = profile.image
    checks = {"web": image.web_healthcheck, "task": image.task_healthcheck}
    labels = stack_labels(state)
    extra: dict[str, object] = {}
    if mounts:
        extra["volumes"] = mounts
    if image.tmpfs:
        extra["tmpfs"] = list(image.tmpfs)
    services: dict[str, dict[str, object]] = {
        role: {
            **extra,
            "command": compose_text(commands[role]),
            "healthcheck": {"test": compose_text(settled(checks[role], health_settle(state)))},
        }
        for role in ("web", "task")
    }
    if image.migrate:
        services["migrate"] = {
            "image": "${DASHBOARD_IMAGE:?}",
            "init": True,
            "labels": labels,
            "command": compose_text(profile.command("migrate")),
            "working_dir": image.workdir,
            "env_file": ["${DASHBOARD_ENV_FILE:?}"],
            "restart": "no",
            "depends_on": {
                "db": {"condition": "service_healthy"},
                "redis": {"condition": "service_healthy"},
            },
            **({"volumes": mounts} if mounts else {}),
        }
        done = {"migrate": {"condition": "service_completed_successfully"}}
        services["web"]["depends_on"] = done
        services["task"]["depends_on"] = done
    else:
        services["task"]["depends_on"] = {"web": {"condition": "service_healthy"}}
    path = state.override_file
    write_private(path, yaml.safe_dump({"services": services}, sort_keys=False))
    return path


def write_env_files(state: RunState, config: Config, profile: Profile, admin_password: str) -> None:
    """compose.env (project variables), dashboard.env (the image's own variable names) and
    the profile's files with the compose override that mounts them."""
    values = image_values(state, config)
    dashboard_env = profile.render_env(values)
    dashboard_file = state.dashboard_env_file
    write_private(dashboard_file, "".join(f"{k}={v}\n" for k, v in dashboard_env.items()))
    mounts = write_profile_files(state, profile, values)
    override = write_override(state, profile, mounts, role_commands(config, profile))
    state.compose_files.append(str(override))
    image = profile.image
    project_env = {
        "IMAGETEST_RUN_ID": state.run_id,
        "IMAGETEST_CLONE": Runs(state.root).clone,
        "IMAGETEST_OWNER": state.owner,
        **state.images,
        "DB_USER": state.db["user"],
        "DB_PASSWORD": state.db["password"],
        "DB_NAME": state.db["name"],
        "DB_PORT": str(state.ports["db"]),
        "AAP_PORT": str(state.ports["aap"]),
        "WEB_PORT": str(state.ports["web"]),
        "AAP_VERSION": state.stack.aap_version,
        "AAP_ADMIN_PASSWORD": admin_password,
        "DASHBOARD_ENV_FILE": str(dashboard_file),
        "WEB_CONTAINER_PORT": str(image.web_port),
        **health_timing(state, config),
    }
    # JSON, passed as process environment: no dotenv quoting rules to get wrong
    write_private(state.env_file, json.dumps(project_env, indent=2))


def up(
    config: Config,
    profile: Profile,
    images: ResolvedImages,
    *,
    run_id: str | None = None,
    make_current: bool = True,
) -> RunState:
    """Start a new stack.

    ``make_current``: single stages act on the new stack (``invoke up``, ``--keep``); a
    throw-away run leaves ``.runs/current`` to whatever stack the user works on.
    """
    client = dockerutil.client()
    runs = Runs.of(config)
    if make_current:
        runs.hold_kept_lock("up" if not config.keep else "test-image --keep")
        replace_kept(runs)
    reap(client, runs)
    if podman.is_podman(client):
        podman.check_dns(client)  # else web waits for db until the bring-up times out
    state = new_state(config, images, run_id)
    state.owner = owner.KEPT if make_current else owner.token()
    if dockerutil.version_at_least(dockerutil.api_version(client), START_INTERVAL_API):
        state.compose_files = [str(BASE_FILE), str(ENGINE25_FILE)]
    else:
        state.compose_files = [str(BASE_FILE)]
    if config.real_awx:
        state.compose_files.append(str(AWX_FILE))
    password = secrets.token_urlsafe(16) if not config.external_aap else ""
    state.save()
    write_env_files(state, config, profile, password)
    state.save()  # with the profile's compose file
    if not config.external_aap:
        write_private(state.password_file, password)
    if make_current:
        runs.make_current(state.run_id)
    compose = compose_for(state)
    log.info(
        "starting %s (db :%d, web :%d%s)",
        state.project,
        state.ports["db"],
        state.ports["web"],
        "" if config.external_aap else f", aap :{state.ports['aap']}",
    )
    compose.run(
        "up",
        "-d",
        "--wait",
        "--wait-timeout",
        str(int(config.bring_up_timeout)),
        timeout=config.bring_up_timeout + 30,
    )
    return state


def admin_password(state: RunState, config: Config) -> str:
    """The AAP password: the emulator's per-run one, else from the options/environment."""
    path = state.password_file
    if not state.stack.external_aap and path.is_file():
        return path.read_text()
    if config.aap_password:
        return config.aap_password
    raise HarnessError(
        "no AAP password: set IMAGETEST_AAP_PASSWORD (or AAP_PASSWORD) for --aap-url"
    )


def replace_kept(runs: Runs) -> None:
    """One kept stack per clone: a new `--keep` replaces the last one, and says so."""
    kept = Runs(runs.root).current_id()
    if kept:
        log.warning(
            "replacing the kept stack %s (one per clone; set IMAGETEST_RUNS_DIR to keep "
            "another side by side)",
            kept,
        )
        teardown(runs, kept)


def reap(client: docker.DockerClient, runs: Runs) -> list[str]:
    """Remove this clone's stacks whose owner process is gone (killed before its teardown)."""
    gone = [
        (run_id, token)
        for run_id, token in dockerutil.clone_stacks(client, runs.clone).items()
        if not owner.alive(token)
    ]
    for run_id, token in gone:
        log.warning(
            "removing stack %s: its harness process (%s) is gone", run_id, owner.describe(token)
        )
        teardown(runs, run_id)
    return [run_id for run_id, _ in gone]


def teardown_all(runs: Runs) -> list[str]:
    """`teardown --all`: every stack of this clone, by label and by state on disk."""
    client = dockerutil.client()
    run_ids = sorted(set(dockerutil.clone_stacks(client, runs.clone)) | set(runs.run_ids()))
    if not run_ids:
        log.info("nothing to tear down: this clone has no stack")
    for run_id in run_ids:
        teardown(runs, run_id)
    return run_ids


def teardown(runs: Runs, run_id: str | None = None) -> bool:
    """Remove the run's stack; True if there was anything. Tolerates partial state."""
    run_id = run_id or runs.current_id()
    try:
        state = runs.load(run_id) if run_id else None
    except UnreadableState as exc:  # the label sweep still finds everything
        log.warning("%s: removing run %s by its labels", exc, run_id)
        state = None
    if run_id is None:
        log.info("nothing to tear down: no current stack")
        return False
    client = dockerutil.client()
    if state is not None and state.env_file.is_file():
        # diagnostics are captured by now: nothing gains from a graceful stop
        result = compose_for(state).run(
            "down", "-v", "--remove-orphans", "-t", "0", timeout=120, check=False
        )
        if result.returncode != 0:
            log.warning("compose down: %s", (result.stderr.strip().splitlines() or ["?"])[-1])
    swept = dockerutil.sweep(client, run_id)
    if any(swept.values()):
        log.info("swept by label: %s", {k: len(v) for k, v in swept.items() if v})
    left = dockerutil.leftovers(client, run_id)
    runs.clear_current(run_id)
    run_dir = runs.root / run_id
    if run_dir.parent == runs.root and (run_dir / STATE_NAME).exists():
        shutil.rmtree(run_dir, ignore_errors=True)
    if any(left.values()):
        raise HarnessError(f"run {run_id}: could not remove {left}")
    log.info("run %s removed (containers, network, volume)", run_id)
    return True
