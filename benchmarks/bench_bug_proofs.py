"""Prove scenarios able to fail: each group of tests/scenarios/bug_proofs.yaml, the bugs put
back in the reference dashboard, must fail every scenario with its bug's words.

CI runs the groups marked ci (tests/scenarios/test_scenarios_e2e.py); this runs the others
(`ci: false`, too long for CI's budget), or every group with --all, and prints their times.

    .venv/bin/python benchmarks/bench_bug_proofs.py [--all]

Exits 1 when a scenario passes with its bug, or fails without its bug's words.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.scenarios.support import load_groups, prove_group  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="the CI groups too")
    args = parser.parse_args()
    groups = [g for g in load_groups() if args.all or not g.ci]
    failed = 0
    for group in groups:
        with tempfile.TemporaryDirectory(prefix="bench-bugs-") as tmp:
            started = time.monotonic()
            problems = prove_group(Path(tmp), group)
            seconds = time.monotonic() - started
        verdict = "failed as they must" if not problems else "NOT PROVEN"
        print(f"{', '.join(group.scenarios):<72} {verdict:<20} {seconds:6.1f} s")
        for line in problems:
            print(f"  {line.splitlines()[0][:300]}")
        failed += bool(problems)
    print(f"{len(groups)} groups, {failed} not proven")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
