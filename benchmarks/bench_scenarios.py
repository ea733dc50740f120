"""Measure one warm run of every regression scenario (`invoke scenarios`) on one image.

Warms the images first (`invoke images`), then runs all scenarios as a user would and
prints each scenario's seconds and the wall time of the whole set.

    .venv/bin/python benchmarks/bench_scenarios.py [--jobs 2] [--aap-version 2.6] [--budget 180]
        [--image TAG --profile upstream]

Exits 1 when the set fails (a known failure of the image is not a failure) or its wall time
exceeds --budget seconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--aap-version", default="2.6")
    parser.add_argument("--budget", type=float, default=180.0, help="seconds (wall time)")
    parser.add_argument("--image", help="image under test (default: the reference dashboard)")
    parser.add_argument("--profile", help="schema profile of --image (default reference)")
    args = parser.parse_args()
    extra = ["--aap-version", args.aap_version]
    for flag, value in (("--image", args.image), ("--profile", args.profile)):
        if value:
            extra += [flag, value]
    warm = [sys.executable, "-m", "invoke", "images"]
    subprocess.run(warm, cwd=REPO, check=True, capture_output=True)
    with tempfile.TemporaryDirectory(prefix="bench-scenarios-") as tmp:
        argv = [sys.executable, "-m", "invoke", "scenarios", "--jobs", str(args.jobs)]
        started = time.monotonic()
        result = subprocess.run(
            [*argv, "--artifacts", tmp, *extra], cwd=REPO, capture_output=True, text=True
        )
        wall = time.monotonic() - started
        summary = json.loads((Path(tmp) / "summary.json").read_text())
    for item in summary["scenarios"]:
        print(f"{item['scenario']:<32} {item['status']:<16} {item['seconds']:>7.1f} s")
        if item["status"] == "failed":
            print(f"  {str(item.get('error') or '').splitlines()[0][:300]}")
    print(f"{len(summary['scenarios'])} scenarios, {args.jobs} at a time: {wall:.1f} s wall")
    if result.returncode != 0:
        print(result.stdout[-2000:], file=sys.stderr)
        return 1
    if wall > args.budget:
        print(f"over budget: {wall:.1f} s > {args.budget:.0f} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
