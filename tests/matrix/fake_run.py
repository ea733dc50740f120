"""Stand-in for `invoke test-image` in the matrix tests: same arguments, same outputs.

Writes <artifacts>/summary.json and a pytest-style JUnit file; the versions listed in
FAKE_FAIL fail at validate, those in FAKE_CRASH exit before writing anything.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from imagetest.core.config import resolve_config

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="{failures}"
 skipped="0" tests="2" time="0.5"><testcase classname="validate_results" name="test_count[Job]"
 time="0.2">{failure}</testcase><testcase classname="validate_results" name="test_count[Label]"
 time="0.3"/></testsuite></testsuites>
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--aap-version", required=True)
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("--image")
    args = parser.parse_args()
    version = args.aap_version
    started = time.time()
    print(f"[PHASE] up started for {version}", flush=True)
    time.sleep(float(os.environ.get("FAKE_SLEEP", "0.5")))
    if version in os.environ.get("FAKE_CRASH", "").split(","):
        print("boom", file=sys.stderr, flush=True)
        return 3
    failed = version in os.environ.get("FAKE_FAIL", "").split(",")
    out = Path(args.artifacts)
    (out / "validate").mkdir(parents=True, exist_ok=True)
    failure = '<failure message="Job: expected 4, got 3"/>' if failed else ""
    (out / "validate" / "junit.xml").write_text(
        JUNIT.format(failures=int(failed), failure=failure), encoding="utf-8"
    )
    # the options as a real run resolves them: its flags over its environment
    config = resolve_config(
        {"aap_version": version, "artifacts": args.artifacts, "image": args.image}
    )
    summary = {
        "verdict": "fail" if failed else "pass",
        "image": config.image or "localhost/imagetest/dashboard:dev",
        "aap_version": version,
        "phases": [
            {"name": "up", "status": "passed", "seconds": 0.5},
            {"name": "validate", "status": "failed" if failed else "passed", "seconds": 0.1},
        ],
        "counts": {"Job": {"expected": 4, "actual": 3 if failed else 4}},
        "window": [started, time.time()],
        "argv": sys.argv[1:],
        "config": config.public_dict(),
    }
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    print(f"[PHASE] validate {'failed' if failed else 'passed'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
