"""A guarded fix proven on the upstream's real code, as a user runs it: `invoke history
--fixes` builds the fix's parent and the fix from the bundle and runs the scenario on each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from imagetest.core.constants import REPO_ROOT
from tests.locks import exclusive

pytestmark = [pytest.mark.docker, pytest.mark.stack(weight=90)]
RUN_TIMEOUT = 1500


def test_rename_recreate_fails_before_249s_fix_and_passes_on_it(
    upstream_bundle: Path, tmp_path: Path
) -> None:
    argv = [
        sys.executable, "-m", "invoke", "history", "--context", str(upstream_bundle),
        "--fixes", "--scenario", "rename-recreate-249", "--runs", "1", "--jobs", "2",
        "--no-frontend", "--artifacts", str(tmp_path),
    ]  # fmt: skip
    with exclusive("upstream-build"):
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
