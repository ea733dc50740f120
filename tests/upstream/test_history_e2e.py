"""A guarded fix proven on the upstream's real code, as a user runs it: `invoke history
--fixes` builds the fix's parent and the fix from the bundle and runs the scenario on each."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import docker
import pytest

from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import EXIT_INTERRUPTED
from imagetest.engine.dockerutil import sweep
from tests.faults.support import Streamed, runs_started_under

# One worker: both build refs of the bundle, one test after the other. No build lock: a
# build's context is its process's own (images/upstream.assemble_context) and the wheel pool
# and frontend are locked where they are shared, so the upstream image's fixture on another
# worker builds beside a history run instead of waiting it out (~60-160 s of CI when it did).
pytestmark = [pytest.mark.docker, pytest.mark.stack(weight=110), pytest.mark.xdist_group("history")]
RUN_TIMEOUT = 1500


def test_fixes_fail_on_their_parents_and_pass_on_them(
    upstream_bundle: Path, tmp_path: Path
) -> None:
    """Two proofs in one `history --fixes` (two refs at a time): #249 on a sync, and #196 on
    an upgrade from before #156 (9824fe9, hosts AAP deleted stored under -1), whose parent
    stops at migrate."""
    upgrade = "upgrade-deleted-hosts-196"
    argv = [
        sys.executable, "-m", "invoke", "history", "--context", str(upstream_bundle),
        "--fixes", "--scenario", "rename-recreate-249", "--scenario", upgrade,
        "--runs", "1", "--jobs", "2", "--no-frontend", "--artifacts", str(tmp_path),
    ]  # fmt: skip
    result = subprocess.run(
        argv, cwd=REPO_ROOT, env=dict(os.environ), capture_output=True, text=True,
        timeout=RUN_TIMEOUT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    table = (tmp_path / "fixes.md").read_text()
    assert "| rename-recreate-249 | 4d5b2c1fdf" in table and "| yes |" in table
    refs = {r["ref"]: r for r in json.loads((tmp_path / "fixes.json").read_text())["refs"]}
    parent, fix = refs["4d5b2c1^"], refs["4d5b2c1"]
    assert parent["commit"].startswith("35e5772") and fix["commit"].startswith("4d5b2c1")
    assert [c["status"] for c in parent["cells"]["rename-recreate-249"]] == ["failed"]
    assert "Failed to sync AAP Organizations" in parent["cells"]["rename-recreate-249"][0]["note"]
    assert [c["status"] for c in fix["cells"]["rename-recreate-249"]] == ["passed"]
    parent_196, fix_196 = refs["c664382^"]["cells"][upgrade], refs["c664382"]["cells"][upgrade]
    assert [c["status"] for c in parent_196] == ["failed"]
    assert "migrations failed" in parent_196[0]["note"]
    assert "IntegrityError" in parent_196[0]["note"]
    assert [c["status"] for c in fix_196] == ["passed"]


def test_sigterm_to_history_stops_its_scenario_run_and_keeps_what_finished(
    docker_client: docker.DockerClient, upstream_bundle: Path, tmp_path: Path
) -> None:
    """SIGTERM to the parent alone (as a CI runner cancels a job): the child scenario run
    gets a Ctrl-C and tears its stack down; history exits 130 with its table written."""
    runs = tmp_path / "runs"
    run = Streamed(
        "history", "--context", str(upstream_bundle), "--refs", "4d5b2c1",
        "--no-frontend", "--artifacts", str(tmp_path / "art"),
        env={"IMAGETEST_RUNS_DIR": str(runs)},
    )  # fmt: skip
    try:
        run.wait_for(("-seed started", "-sync started"), 600)
    except BaseException:
        run.kill()
        raise
    try:
        run.proc.send_signal(signal.SIGTERM)
        code = run.finish(180)
    finally:
        run.kill()
        for run_id in runs_started_under(docker_client, runs):
            sweep(docker_client, run_id)
    assert code == EXIT_INTERRUPTED, run.output[-3000:]
    assert runs_started_under(docker_client, runs) == set(), "a stack was left behind"
    table = (tmp_path / "art" / "history.md").read_text()
    assert "INTERRUPTED" in table
