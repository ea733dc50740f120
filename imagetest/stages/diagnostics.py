"""Capture what explains a run into the artifacts, before anything is removed."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import docker
import psycopg
import yaml
from docker.models.containers import Container

from imagetest.core import bounded
from imagetest.core.bounded import Bound
from imagetest.core.errors import ArtifactWriteError, HarnessError
from imagetest.core.log import get_logger
from imagetest.core.masking import mask_data, mask_text
from imagetest.engine import dockerutil
from imagetest.model.profile import Profile
from imagetest.model.runstate import RunState
from imagetest.stages.counts import all_table_counts, syncjob_rows
from imagetest.stages.stack import compose_for

DB_READ_SECONDS = 30.0  # a paused db must not hold the diagnostics (and the teardown after)
log = get_logger("diagnostics")
EMULATOR_SERVICE = "aap"
LOG_TAIL = 5000  # lines per container


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        path.unlink(missing_ok=True)  # no empty file that looks like "nothing happened"
        raise ArtifactWriteError(path, exc) from None


def run_secrets(state: RunState) -> list[str]:
    found = [state.db.get("password", "")]
    if state.password_file.is_file():
        found.append(state.password_file.read_text())
    try:
        access = json.loads(state.access_file.read_text())
        found += [str(v) for k, v in access.items() if k not in ("aap_url", "aap_address")]
    except (FileNotFoundError, ValueError):
        pass
    try:
        env = json.loads(state.env_file.read_text())
        found += [str(v) for k, v in env.items() if "PASSWORD" in k]
    except (FileNotFoundError, ValueError):
        pass
    return [s for s in found if s and len(s) >= 8]


def container_logs(
    container: Container, out: Path, secrets: list[str], since: float | None = None
) -> None:
    service = container.labels.get("com.docker.compose.service", container.name)
    try:
        raw = container.logs(tail=LOG_TAIL, timestamps=True, since=since)
        text = raw.decode(errors="replace")
    except docker.errors.APIError as exc:
        text = f"(logs unavailable: {exc})"
    _write(out / "containers" / f"{service}.log", mask_text(text, secrets))
    if service == EMULATOR_SERVICE:
        _write(out / "aap-requests.log", mask_text(text, secrets))
    state = container.attrs.get("State", {})
    health = {
        "status": state.get("Status"),
        "exit_code": state.get("ExitCode"),
        "oom_killed": state.get("OOMKilled"),
        "error": state.get("Error"),
        "health": state.get("Health"),
    }
    _write(
        out / "containers" / f"{service}.health.json",
        mask_text(json.dumps(health, indent=2, default=str), secrets),
    )


def database_state(state: RunState, profile: Profile, out: Path) -> None:
    bounded.call(
        lambda: _database_state(state, profile, out),
        Bound(DB_READ_SECONDS),
        "reading the dashboard database (service db) for the diagnostics",
    )


def _database_state(state: RunState, profile: Profile, out: Path) -> None:
    try:
        with psycopg.connect(state.db_url(), autocommit=True, connect_timeout=5) as conn:
            _write(out / "table-counts.json", json.dumps(all_table_counts(conn), indent=2))
            try:
                rows = syncjob_rows(conn, profile)
            except psycopg.Error as exc:
                rows = [{"error": str(exc).splitlines()[0]}]
            _write(out / "syncjobs.json", json.dumps(rows, indent=2, default=str))
    except psycopg.Error as exc:
        _write(out / "database-unavailable.txt", f"database not reachable: {exc}\n")


def run_files(state: RunState, out: Path, secrets: list[str]) -> None:
    if state.access_file.is_file():
        try:
            data = mask_data(json.loads(state.access_file.read_text()))
            _write(out / "aap_access.json", json.dumps(data, indent=2))
        except ValueError:
            _write(out / "aap_access.json", "(not valid JSON)\n")
    if state.clusters_file.is_file():
        try:
            doc = mask_data(yaml.safe_load(state.clusters_file.read_text()))
            _write(out / "clusters.yaml", yaml.safe_dump(doc, sort_keys=False))
        except yaml.YAMLError:
            _write(out / "clusters.yaml", "(not valid YAML)\n")


def compose_ps(state: RunState, out: Path, secrets: list[str]) -> None:
    result = compose_for(state).run("ps", "-a", timeout=60, check=False)
    _write(out / "compose-ps.txt", mask_text(result.stdout + result.stderr, secrets))


def capture(state: RunState, profile: Profile, out: Path, since: float | None = None) -> Path:
    """Write everything into ``out`` in parallel. A part the stack cannot give is a warning;
    a part the disk refuses fails the phase (ArtifactWriteError) once every part was tried.
    A stack that served several scenarios: ``since`` (epoch seconds) keeps this one's logs."""
    out.mkdir(parents=True, exist_ok=True)
    secrets = run_secrets(state)
    jobs: list[tuple[Any, ...]] = [
        (compose_ps, state, out, secrets),
        (database_state, state, profile, out),
        (run_files, state, out, secrets),
    ]
    try:
        for container in dockerutil.run_containers(dockerutil.client(), state.run_id):
            jobs.append((container_logs, container, out, secrets, since))
    except Exception as exc:
        log.warning("containers not listed: %s", exc)
    unwritten: list[ArtifactWriteError] = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(fn, *args) for fn, *args in jobs]
        for f in futures:
            try:
                f.result()
            except ArtifactWriteError as exc:
                unwritten.append(exc)
            except Exception as exc:  # a diagnostic must never hide the real failure
                log.warning("diagnostic step failed: %s", exc)
    if unwritten:
        raise HarnessError(f"diagnostics incomplete ({len(unwritten)} files): {unwritten[0]}")
    log.info("diagnostics in %s", out)
    return out
