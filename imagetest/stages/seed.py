"""Seed the AAP with the test data through scripts/setup_aap.py."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from imagetest.core.config import Config
from imagetest.core.constants import AAP_AWX, REPO_ROOT
from imagetest.core.errors import HarnessError
from imagetest.core.log import get_logger
from imagetest.core.masking import mask_text
from imagetest.core.proc import child_env, run_bounded
from imagetest.engine import dockerutil
from imagetest.model.runstate import RunState, write_private
from imagetest.stages.stack import admin_password

SETUP_SCRIPT = REPO_ROOT / "scripts" / "setup_aap.py"
AWX_CONTROLLER_MODE = "/opt/awx/bin/controller-mode"
ACCESS_KEYS = ("client_id", "client_secret", "access_token")
log = get_logger("seed")


def seed(
    state: RunState,
    config: Config,
    *,
    tokens_only: bool = False,
    watch: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Create the test data and the dashboard's token; keep aap_access.json (mode 0600).

    ``tokens_only``: the data is there; only rotate the token pair (a fresh one AAP honours).
    """
    if config.skip_seed:
        return reuse_access(state, config)
    password = admin_password(state, config)
    argv = [
        sys.executable,
        str(SETUP_SCRIPT),
        "--url",
        state.stack.aap_url,
        "--username",
        state.stack.aap_username,
        "--version",
        AAP_AWX if state.stack.aap == AAP_AWX else state.stack.aap_version,
        "--json-output",
        str(state.access_file),
        "--timeout",
        str(config.timeout),
    ]
    if state.stack.aap_insecure:
        argv.append("--insecure")
    if tokens_only:
        argv.append("--tokens-only")
    env = child_env({"AAP_PASSWORD": password})
    spec = state.stack
    log.info("seeding %s (AAP %s) as %s", spec.aap_url, spec.aap_version, spec.aap_username)
    result = run_bounded(
        argv, what="setup_aap.py", timeout=config.timeout + 10, env=env, watch=watch
    )
    for line in result.stdout.splitlines():
        log.debug("setup_aap: %s", mask_text(line, [password]))
    if result.returncode != 0:
        lines = [ln for ln in result.stderr.strip().splitlines() if ln.strip()]
        reason = mask_text(lines[-1] if lines else f"exit {result.returncode}", [password])
        raise HarnessError(f"setup_aap.py: {reason}")
    if spec.aap == AAP_AWX:
        present_as_controller(state)
    return load_access(state.access_file)


def present_as_controller(state: RunState) -> None:
    """AWX answers as AAP's controller from now on (images/awx/controller-mode): the
    dashboard refuses a server whose product is AWX, by design."""
    container = dockerutil.service_container(dockerutil.client(), state.run_id, "aap")
    code, output = dockerutil.exec_run(container, [AWX_CONTROLLER_MODE, "on"])
    if code != 0:
        raise HarnessError(f"the AWX container's controller-mode failed (exit {code}): {output}")
    log.info("AWX seeded; it now answers as AAP's automation controller (controller-mode on)")


def load_access(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise HarnessError(f"{path.name} was not written; run `invoke seed`") from None
    except ValueError:
        raise HarnessError(f"{path} is not valid JSON; seed again") from None
    missing = [k for k in ACCESS_KEYS if not data.get(k)]
    if missing:
        raise HarnessError(f"{path.name} lacks {', '.join(missing)}; seed again")
    return dict(data)


def reuse_access(state: RunState, config: Config) -> dict[str, Any]:
    """--skip-seed: the AAP already holds the data; take its access file from --aap-access."""
    source = Path(config.aap_access) if config.aap_access else REPO_ROOT / "aap_access.json"
    if not source.is_file():
        raise HarnessError(
            f"--skip-seed needs the AAP's access file; {source} not found (pass --aap-access)",
        )
    data = load_access(source)
    write_private(state.access_file, json.dumps(data, indent=2))
    shutil.copymode(state.access_file, state.access_file)
    log.info("skip-seed: reusing %s", source)
    return data


def fresh_access(state: RunState, config: Config) -> dict[str, Any]:
    """A token pair AAP honours now: seeding again creates nothing and rotates the pair."""
    if config.skip_seed:
        log.info("skip-seed: no admin login to rotate tokens with; keeping the access file")
        return load_access(state.access_file)
    log.info("new token pair for the next setclusters")
    return seed(state, config, tokens_only=True)
