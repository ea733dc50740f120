"""The AWX image's sources: a missing one is one line naming the file and the option."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.support import invoke

pytestmark = [pytest.mark.docker]  # `invoke build` reaches the engine before the sources


def test_a_missing_awx_source_is_one_line_naming_the_option(tmp_path: Path) -> None:
    result = invoke("build", "--aap", "awx", env={"IMAGETEST_AWX_SOURCES": str(tmp_path)})
    assert result.returncode != 0
    lines = [ln for ln in result.stderr.splitlines() if "error" in ln.lower()]
    assert len(lines) == 1, result.stderr
    assert "awx-24.6.1-api-src.tar.gz" in lines[0] and "--awx-sources" in lines[0]
    assert "Traceback" not in result.stderr
