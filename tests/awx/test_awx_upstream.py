"""The real ansible/automation-reports image syncs from the real AWX controller."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.awx.conftest import RUN_TIMEOUT
from tests.faults.support import invoke

pytestmark = [pytest.mark.docker]


@pytest.mark.usefixtures("private_runs_dir")
@pytest.mark.stack(weight=70)
def test_the_upstream_image_syncs_from_awx_with_exact_counts(upstream_image: str) -> None:
    result = invoke(
        "test-image", "--aap", "awx", "--image", upstream_image, "--profile", "upstream",
        timeout=RUN_TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "VERDICT: PASS" in result.stdout
    assert "AAP ping: /api/v2/ping/ version 24.6.1" in result.stdout


def test_a_missing_awx_source_is_one_line_naming_the_option(tmp_path: Path) -> None:
    result = invoke("build", "--aap", "awx", env={"IMAGETEST_AWX_SOURCES": str(tmp_path)})
    assert result.returncode != 0
    lines = [ln for ln in result.stderr.splitlines() if "error" in ln.lower()]
    assert len(lines) == 1, result.stderr
    assert "awx-24.6.1-api-src.tar.gz" in lines[0] and "--awx-sources" in lines[0]
    assert "Traceback" not in result.stderr
