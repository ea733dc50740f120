"""The validate stage: run scripts/validate_results.py and collect the success indicators."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import psycopg

from imagetest.core import bounded
from imagetest.core.bounded import Bound
from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import ArtifactWriteError, CountMismatch, HarnessError
from imagetest.core.log import get_logger
from imagetest.core.proc import child_env, run_bounded
from imagetest.model.expected import ExpectedCounts
from imagetest.model.profile import Profile
from imagetest.model.runstate import RunState
from imagetest.stages.counts import count_rows, syncjob_rows

VALIDATE_SCRIPT = REPO_ROOT / "scripts" / "validate_results.py"
# Ping paths: the gateway's on 2.5/2.6, the controller's on 2.4 (API-FACTS 1.2).
PING_PATHS = ("/api/gateway/v1/ping/", "/api/v2/ping/")
RESULTS_NAME = "validate-results.json"
# reading the counts takes well under a second; a paused db must not hold the run
DB_READ_SECONDS = 30.0
log = get_logger("validate")


def run_validation(
    state: RunState, expected: Path, profile: Profile, artifacts: Path, timeout: float
) -> None:
    """pytest in a subprocess (clean of the caller's pytest); JUnit XML into the artifacts."""
    artifacts.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable,
        "-m",
        "pytest",
        str(VALIDATE_SCRIPT),
        "-q",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(REPO_ROOT),
        "--expected",
        str(expected),
        "--profile",
        str(profile.path),
        f"--junitxml={artifacts / 'junit.xml'}",
    ]
    results = artifacts / RESULTS_NAME
    results.unlink(missing_ok=True)
    argv.append(f"--results-json={results}")
    env = child_env({"IMAGETEST_DB_URL": state.db_url()})
    result = run_bounded(argv, what="validation", timeout=timeout, env=env)
    try:
        (artifacts / "validate.txt").write_text(result.stdout + result.stderr)
    except OSError as exc:
        (artifacts / "validate.txt").unlink(missing_ok=True)
        raise ArtifactWriteError(artifacts / "validate.txt", exc) from None
    records = read_results(results)
    judge(records)
    if result.returncode == 0 and records:
        return
    reasons = junit_failures(artifacts / "junit.xml")
    lines = [ln for ln in (result.stdout + result.stderr).splitlines() if ln.strip()]
    first = reasons[0] if reasons else (lines[-1] if lines else "?")
    raise HarnessError(f"validation could not run: {first}; see validate.txt in the artifacts")


def read_results(path: Path) -> list[dict[str, Any]]:
    """The records scripts/validate_results.py wrote (none if it never got that far)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []


def objects(n: int) -> str:
    return "object" if n == 1 else "objects"


def judge(records: list[dict[str, Any]]) -> None:
    """Raise for what the records show: an uncounted entity (2), else wrong counts (1)."""
    for record in records:
        if record.get("error"):
            raise HarnessError(f"could not count {record.get('id')}: {record['error']}")
    facts = [
        {
            "check": "validate",
            "entity": str(r.get("id")),
            "expected": r["expected"],
            "found": r["actual"],
            "text": f"Expected {r['expected']} {r.get('label') or r.get('id')} "
            f"{objects(int(r['expected']))}, got {r['actual']}",
        }
        for r in records
        if r.get("actual") is not None and r.get("actual") != r.get("expected")
    ]
    for fact in facts:
        log.error("%s", fact["text"])
    if facts:
        raise CountMismatch("; ".join(f["text"] for f in facts), facts=facts)


def junit_failures(path: Path) -> list[str]:
    """The one-line reason of each failed test case, from pytest's JUnit XML."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return []
    reasons: list[str] = []
    for case in root.iter("testcase"):
        for failure in [*case.findall("failure"), *case.findall("error")]:
            text = (failure.get("message") or "") + "\n" + (failure.text or "")
            first = text.strip().splitlines()[0] if text.strip() else case.get("name", "?")
            first = first.removeprefix('failed on setup with "').removeprefix("Failed: ")
            reasons.append(first.rstrip('"'))
    return list(dict.fromkeys(reasons))


def _database_indicators(
    state: RunState, profile: Profile, expected: ExpectedCounts, found: dict[str, Any]
) -> None:
    with psycopg.connect(state.db_url(), autocommit=True, connect_timeout=5) as conn:
        for entry in expected.entries:
            try:
                found["counts"][entry.id] = count_rows(conn, profile, entry)
            except HarnessError:
                found["counts"][entry.id] = None
        found["syncjobs"] = [
            {k: (str(v) if v is not None else None) for k, v in row.items()}
            for row in syncjob_rows(conn, profile)
        ]


def indicators(state: RunState, profile: Profile, expected: ExpectedCounts) -> dict[str, Any]:
    """Counts found, SyncJob states and the AAP ping: what a green run shows."""
    found: dict[str, Any] = {"counts": {}, "syncjobs": [], "aap_ping": None}
    try:
        bounded.call(
            lambda: _database_indicators(state, profile, expected, found),
            Bound(DB_READ_SECONDS),
            "reading the dashboard database (service db) for the summary",
        )
    except (psycopg.Error, HarnessError) as exc:
        reason = " ".join(str(exc).split())[:160] or "no detail"
        log.warning("database not readable for the summary: %s", reason)
    found["aap_ping"] = aap_ping(state.stack.aap_url, verify=not state.stack.aap_insecure)
    return found


def aap_ping(url: str, *, verify: bool = True) -> dict[str, Any] | None:
    for path in PING_PATHS:
        try:
            response = httpx.get(url.rstrip("/") + path, timeout=5, verify=verify)
        except httpx.HTTPError:
            return None
        if response.status_code == 200:
            try:
                body = response.json()
            except ValueError:
                continue
            return {"path": path, "version": body.get("version")}
    return None
