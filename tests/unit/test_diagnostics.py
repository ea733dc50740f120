"""Run files land in the artifacts with their secrets masked (no Docker needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imagetest.core.masking import MASK
from imagetest.model.runstate import RunState, StackSpec
from imagetest.stages.diagnostics import run_files


def test_access_and_clusters_files_are_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = StackSpec(aap_version="2.6", profile="reference")
    state = RunState(
        run_id="r1", project="imagetest-r1", ports={}, stack=spec, root=tmp_path / "runs"
    )
    state.run_dir.mkdir(parents=True)
    access = {
        "aap_url": "http://127.0.0.1:1",
        "client_id": "cid",
        "client_secret": "S3CRET-1",
        "access_token": "T0KEN-123",
        "refresh_token": "R3FRESH-1",
    }
    state.access_file.write_text(json.dumps(access))
    state.clusters_file.write_text(
        "clusters:\n- address: aap\n  access_token: T0KEN-123\n  client_secret: S3CRET-1\n"
    )
    out = tmp_path / "artifacts"
    run_files(state, out, [])
    masked = json.loads((out / "aap_access.json").read_text())
    assert masked["client_secret"] == masked["access_token"] == masked["refresh_token"] == MASK
    assert masked["aap_url"] == "http://127.0.0.1:1"
    text = (out / "aap_access.json").read_text() + (out / "clusters.yaml").read_text()
    for secret in ("S3CRET-1", "T0KEN-123", "R3FRESH-1"):
        assert secret not in text
    assert "address: aap" in (out / "clusters.yaml").read_text()
