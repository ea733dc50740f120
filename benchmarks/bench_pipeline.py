"""Measure warm full runs of `invoke test-image` and report per-phase timings.

Warms the images first (`python -m imagetest.images`), then runs the pipeline N times as a
user would and reads each run's summary.json. The phase table is the benchmark.

    .venv/bin/python benchmarks/bench_pipeline.py [--runs 3] [--aap-version 2.6] [--budget 60]
        [--image TAG --profile upstream --budget 45] [--default-intervals]

The upstream image's figure: build it first (invoke build --context CHECKOUT --public-base),
then pass its tag with --profile upstream.

Exits 1 when a run fails or the median total exceeds --budget seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def one_run(version: str, artifacts: Path, extra: list[str]) -> tuple[int, float, dict]:
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "invoke",
            "test-image",
            "--aap-version",
            version,
            "--artifacts",
            str(artifacts),
            *extra,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - started
    summary = json.loads((artifacts / "summary.json").read_text())
    if result.returncode != 0:
        print(result.stderr[-2000:], file=sys.stderr)
    return result.returncode, wall, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--aap-version", default="2.6")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds (median wall time)")
    parser.add_argument("--image", help="image under test (default: the reference dashboard)")
    parser.add_argument("--profile", help="schema profile (reference, upstream or a path)")
    parser.add_argument(
        "--default-intervals", action="store_true", help="the image's own scheduler intervals"
    )
    args = parser.parse_args()
    extra = [f"--{k}={v}" for k, v in (("image", args.image), ("profile", args.profile)) if v]
    if args.default_intervals:
        extra.append("--default-intervals")
    subprocess.run(
        [sys.executable, "-m", "imagetest.images"], cwd=REPO, check=True, capture_output=True
    )
    walls: list[float] = []
    phases: dict[str, list[float]] = {}
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        for i in range(args.runs):
            code, wall, summary = one_run(args.aap_version, Path(tmp) / f"run{i}", extra)
            failed |= code != 0
            walls.append(wall)
            for p in summary["phases"]:
                phases.setdefault(p["name"], []).append(p["seconds"])
            print(f"run {i + 1}: exit {code}, {wall:.1f} s wall, verdict {summary['verdict']}")
    print(f"\n{'phase':<12} {'median s':>9} {'max s':>7}")
    for name, values in phases.items():
        print(f"{name:<12} {statistics.median(values):>9.1f} {max(values):>7.1f}")
    median = statistics.median(walls)
    print(f"{'wall':<12} {median:>9.1f} {max(walls):>7.1f}   budget {args.budget:.0f} s")
    return 1 if failed or median > args.budget else 0


if __name__ == "__main__":
    sys.exit(main())
