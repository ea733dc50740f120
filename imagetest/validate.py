"""The validate stage: run scripts/validate_results.py and collect the success indicators."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import psycopg

from imagetest.config import REPO_ROOT
from imagetest.counts import count_rows, syncjob_rows
from imagetest.errors import HarnessError
from imagetest.expected import ExpectedCounts
from imagetest.log import get_logger
from imagetest.proc import run_bounded
from imagetest.profile import Profile
from imagetest.runstate import RunState

VALIDATE_SCRIPT = REPO_ROOT / "scripts" / "validate_results.py"
# Ping paths: the gateway's on 2.5/2.6, the controller's on 2.4 (API-FACTS 1.2).
PING_PATHS = ("/api/gateway/v1/ping/", "/api/v2/ping/")
MISMATCH = re.compile(r"Expected \d+ \S+ objects?, got \d+")
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
    env = {**os.environ, "IMAGETEST_DB_URL": state.db_url()}
    result = run_bounded(argv, what="validation", timeout=timeout, env=env)
    (artifacts / "validate.txt").write_text(result.stdout + result.stderr)
    if result.returncode == 0:
        return
    reasons = junit_failures(artifacts / "junit.xml")
    mismatches = [r for r in reasons if MISMATCH.fullmatch(r)]
    mismatches = mismatches or list(dict.fromkeys(MISMATCH.findall(result.stdout)))
    for line in mismatches:
        log.error("%s", line)
    if mismatches:
        raise HarnessError("; ".join(mismatches), stage="validate")
    lines = [ln for ln in (result.stdout + result.stderr).splitlines() if ln.strip()]
    first = reasons[0] if reasons else (lines[-1] if lines else "?")
    raise HarnessError(f"validation could not run: {first}")


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
            found = MISMATCH.search(text)
            first = text.strip().splitlines()[0] if text.strip() else case.get("name", "?")
            first = first.removeprefix('failed on setup with "').removeprefix("Failed: ")
            reasons.append(found.group(0) if found else first.rstrip('"'))
    return list(dict.fromkeys(reasons))


def indicators(state: RunState, profile: Profile, expected: ExpectedCounts) -> dict[str, Any]:
    """Counts found, SyncJob states and the AAP ping: what a green run shows."""
    found: dict[str, Any] = {"counts": {}, "syncjobs": [], "aap_ping": None}
    try:
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
    except psycopg.Error as exc:
        log.warning("database not readable for the summary: %s", exc.__class__.__name__)
    found["aap_ping"] = aap_ping(state.aap_url, verify=not state.aap_insecure)
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
