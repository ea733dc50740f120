"""End-to-end runs keep their run states in a temporary directory, never in `.runs/`."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_runs_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """IMAGETEST_RUNS_DIR for this test and the runs it starts (they inherit the environment)."""
    root = tmp_path_factory.mktemp("runs")
    monkeypatch.setenv("IMAGETEST_RUNS_DIR", str(root))
    return root
