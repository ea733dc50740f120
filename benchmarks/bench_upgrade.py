"""Measure what an upgrade costs on top of a plain run (issue 22's figure: at most one migrate
plus one sync more than `invoke test-image` on the same images).

    .venv/bin/python benchmarks/bench_upgrade.py --from-image A --image B [--profile upstream]
        [--runs 2]

Each run: `invoke test-image --image A`, then `invoke upgrade --from-image A --image B`; the
wall times, their difference, and the upgrade step's own time (stop, migrate, start healthy)
from the run's log. Without images: the reference dashboard as A and a rebuild of it as B.
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker

REPO = Path(__file__).resolve().parents[1]
STEP = re.compile(r"upgraded \S+ -> \S+ \(([\d.]+) s\)")


def timed(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=REPO, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        sys.exit(f"invoke {args[0]} failed (exit {proc.returncode}): {proc.stderr[-500:]}")
    return time.monotonic() - started, proc


def reference_pair() -> tuple[str, str]:
    client = docker.from_env()
    a = "localhost/imagetest/dashboard:dev"
    b = "localhost/imagetest/dashboard:bench-upgrade"
    client.images.build(fileobj=io.BytesIO(f"FROM {a}\nLABEL bench=b\n".encode()), tag=b)
    return a, b


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--from-image")
    parser.add_argument("--image")
    parser.add_argument("--profile", default="reference")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    a, b = (args.from_image, args.image) if args.from_image else reference_pair()
    plain, upgrade, steps = [], [], []
    for n in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            seconds, _ = timed("test-image", "--image", a, "--profile", args.profile)
            plain.append(seconds)
            art = Path(tmp) / "art"
            seconds, _ = timed(
                "upgrade", "--from-image", a, "--image", b, "--profile", args.profile,
                "--artifacts", str(art),
            )  # fmt: skip
            upgrade.append(seconds)
            log = (art / "upgrade-keeps-data" / "harness.log").read_text()
            steps.append(float(STEP.search(log).group(1)))  # type: ignore[union-attr]
        print(f"run {n + 1}: test-image {plain[-1]:.1f} s, upgrade {upgrade[-1]:.1f} s "
              f"(its upgrade step {steps[-1]:.1f} s)")  # fmt: skip
    med = statistics.median
    extra = med(upgrade) - med(plain)
    print(f"median: test-image {med(plain):.1f} s, upgrade {med(upgrade):.1f} s, "
          f"difference {extra:.1f} s, upgrade step {med(steps):.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
