"""The real AWX 24.6.1 in a kept stack (`invoke test-image --aap awx --keep` with the
upstream image: the real ansible/automation-reports synced from it with exact counts) beside
the emulator at 2.4, both seeded by scripts/setup_aap.py. The reference dashboard on AWX is
the same command without --image (docs/testing.md); CI keeps the upstream's run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from imagetest.core.constants import REPO_ROOT
from tests.awx.differential import Server
from tests.faults.support import invoke

RUN_TIMEOUT = 900


@dataclass(frozen=True)
class Pair:
    emulator: Server
    awx: Server


def kept_aap(runs: Path) -> Server:
    run = runs / (runs / "current").read_text().strip()
    stack = json.loads((run / "state.json").read_text())["stack"]
    return Server(stack["aap_url"], (run / "aap_admin_password").read_text())


def seeded_emulator(aapsim_server: Callable[..., Any], out: Path) -> Server:
    url, password = aapsim_server("2.4")
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "setup_aap.py"), "--url", url,
         "--version", "24", "--json-output", str(out / "sim_access.json")],
        env={**os.environ, "AAP_PASSWORD": password},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return Server(url, password)


@pytest.fixture(scope="module")
def awx_pair(
    docker_client: Any,
    aapsim_server: Callable[..., Any],
    upstream_image: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Pair]:
    runs = tmp_path_factory.mktemp("awx-runs")
    env = {"IMAGETEST_RUNS_DIR": str(runs)}
    result = invoke(
        "test-image", "--aap", "awx", "--image", upstream_image, "--profile", "upstream",
        "--keep", env=env, timeout=RUN_TIMEOUT,
    )  # fmt: skip
    try:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert "VERDICT: PASS" in result.stdout
        assert "AAP ping: /api/v2/ping/ version 24.6.1" in result.stdout
        yield Pair(seeded_emulator(aapsim_server, runs), kept_aap(runs))
    finally:
        down = invoke("teardown", env=env, timeout=RUN_TIMEOUT)
        assert down.returncode == 0, down.stderr[-2000:]
