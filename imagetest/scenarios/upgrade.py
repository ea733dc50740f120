"""The `upgrade` step: the stack's dashboard replaced by another image on the same database
and Redis, as the installer does it (stop web and task with their grace period, run the new
image's migrations once, start the new web and task), and the `migrations` check after it."""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

from imagetest.core.bounded import Bound
from imagetest.core.config import Config
from imagetest.core.errors import HarnessError, OptionError
from imagetest.core.log import get_logger
from imagetest.engine import dockerutil
from imagetest.images import imageselect, registry
from imagetest.model.runstate import RunState, write_private
from imagetest.model.scenario import Scenario
from imagetest.run.pipeline import RunContext, Stage
from imagetest.stages import bringup, stack

log = get_logger("upgrade")
ROLES = ("web", "task")
STOP_GRACE = 10  # seconds the installer gives web and task to stop (podman's default)
IMAGE_VARIABLE = "DASHBOARD_IMAGE"


def build_ref(config: Config, ref: str) -> str:
    """The image of ``ref`` of --context, built with the public-base recipe (cached)."""
    log.info("building %s of %s", ref, config.context)
    wanted = dataclasses.replace(config, ref=ref, public_base=True, image=None)
    return imageselect.build_dashboard(wanted)


def needs_context(scenario: Scenario) -> OptionError:
    return OptionError(
        f"scenario {scenario.name} starts on ref {scenario.upgrade_from} of "
        "automation-reports: give --context (a clone or bundle of it)"
    )


def start_config(scenario: Scenario, config: Config) -> Config:
    """A scenario's run options: one with ``upgrade_from`` starts on that ref's image and
    upgrades to the image under test."""
    if not scenario.upgrade_from:
        return config
    if not config.context:
        raise needs_context(scenario)
    target = config.image or imageselect.reference_image(config, dockerutil.client())
    start = build_ref(config, scenario.upgrade_from)
    return dataclasses.replace(config, image=start, upgrade_to=target)


def target_image(ctx: RunContext, arg: dict[str, Any]) -> str:
    """The image to upgrade to: the step's, else `invoke upgrade`'s B, else the image the
    stack runs (a re-deploy: its migrations are a no-op, its restarts are not)."""
    state = ctx.need_state()
    return str(arg.get("image") or ctx.config.upgrade_to or state.images[IMAGE_VARIABLE])


def upgrade_step(arg: dict[str, Any]) -> Stage:
    def run(ctx: RunContext) -> None:
        state, config, profile = ctx.need_state(), ctx.config, ctx.need_profile()
        old, new = state.images[IMAGE_VARIABLE], target_image(ctx, arg)
        registry.ensure_image(dockerutil.client(), new, log=log.info, config=config)
        compose = stack.compose_for(state)
        started = time.monotonic()
        compose.run("stop", "-t", str(STOP_GRACE), *ROLES, timeout=STOP_GRACE + 60)
        point_stack_at(state, new)
        ctx.watch = None  # the roles are new containers now (as the installer makes them)
        if profile.image.migrate:
            migrate(ctx, state)
        try:
            compose.run(
                "up", "-d", "--no-deps", "--force-recreate", "--wait", "--wait-timeout",
                str(int(config.bring_up_timeout)), *ROLES,
                timeout=config.bring_up_timeout + 30,
            )  # fmt: skip
        except HarnessError as exc:
            client = dockerutil.client()
            raise bringup.explain(exc, client, state, config.bring_up_timeout) from None
        log.info("upgraded %s -> %s (%.1f s)", old, new, time.monotonic() - started)

    return run


def point_stack_at(state: RunState, image: str) -> None:
    """The stack's compose variables and state name the new image (and mark the stack as
    upgraded: the scenario workers do not reset it for another scenario)."""
    env = json.loads(state.env_file.read_text())
    env[IMAGE_VARIABLE] = image
    write_private(state.env_file, json.dumps(env, indent=2))
    state.upgraded_from = state.upgraded_from or state.images[IMAGE_VARIABLE]
    state.images[IMAGE_VARIABLE] = image
    state.save()


def migrate(ctx: RunContext, state: RunState) -> None:
    """The new image's one-shot migrate service, once; a failure names the migration."""
    result = stack.compose_for(state).run(
        "run", "--rm", "--no-deps", "-T", "migrate", timeout=ctx.config.timeout, check=False
    )
    if result.returncode != 0:
        lines = [ln for ln in (result.stdout + result.stderr).splitlines() if ln.strip()]
        tail = " | ".join(lines[-3:]) or f"exit {result.returncode}"
        raise HarnessError(f"the new image's migrations failed (exit {result.returncode}): {tail}")


def unapplied_migrations(ctx: RunContext) -> list[str]:
    """`manage.py showmigrations --plan` in the web container: the lines not applied."""
    state, profile = ctx.need_state(), ctx.need_profile()
    web = dockerutil.service_container(dockerutil.client(), state.run_id, "web")
    argv = [*profile.image.manage, "showmigrations", "--plan"]
    code, output = dockerutil.exec_run(
        web, argv, workdir=profile.image.workdir, bound=Bound(ctx.config.timeout)
    )
    if code != 0:
        raise HarnessError(f"showmigrations failed (exit {code}): {output.strip()[-300:]}")
    return [line.strip() for line in output.splitlines() if line.strip().startswith("[ ]")]


def migrations_check(ctx: RunContext) -> None:
    missing = unapplied_migrations(ctx)
    if missing:
        raise HarnessError(
            f"{len(missing)} migration(s) not applied: "
            + ", ".join(m.removeprefix("[ ]").strip() for m in missing[:5])
        )
    log.info("every migration is applied")
