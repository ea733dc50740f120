"""Measure building and judging refs of automation-reports (issue 20's figures).

Per ref, with its pins already in the wheel pool:
  - new:   its image removed first, then `invoke build --ref` (target <= 90 s);
  - warm:  the same build again (the tree is built: found by label);
  - plain: `invoke test-image --profile upstream` on it (target <= 25 s);
  - set:   `invoke scenarios --profile upstream` (every scenario; target <= 120 s), with --set.
Then, with --bisect, `invoke bisect` for rename-recreate-249 --fixed between release-0.3 and
main: its wall time and the commits it judged.

    .venv/bin/python benchmarks/bench_refs.py \
        --context ../shared/upstream/automation-reports.bundle \
        [--refs release-0.3,main] [--set] [--bisect]

The first ref pays for the pool (every wheel downloaded once), the npm install and the base
layers: run it once before reading the figures, or read them from the second ref on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

import docker

from imagetest.images import gitsource, upstream

BUILD_TARGET, PLAIN_TARGET, SET_TARGET = 90.0, 25.0, 120.0
RELEASE_HEADS = "release-0.2-rc4,release-0.3,release-0.4-b-rc0,rel-0.5-rc1---conforma-fix-only,main"


def timed(argv: list[str]) -> tuple[float, int, str]:
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return time.monotonic() - started, proc.returncode, proc.stdout + proc.stderr


def invoke(*args: str) -> list[str]:
    return [sys.executable, "-m", "invoke", *args]


def drop_image(client: docker.DockerClient, tag: str) -> None:
    with contextlib.suppress(docker.errors.ImageNotFound):
        client.images.remove(tag, force=True, noprune=False)


def one_ref(context: str, ref: str, with_set: bool) -> dict[str, object]:
    repo = gitsource.open_repo(Path(context), upstream.CACHE_DIR)
    commit = gitsource.resolve(repo, ref)[0]
    tag = f"{upstream.REF_REPOSITORY}:git-{commit[:12]}"
    drop_image(docker.from_env(), tag)
    build = invoke("build", "--context", context, "--ref", commit, "--public-base")
    new, code, out = timed(build)
    row: dict[str, object] = {"ref": ref, "commit": commit[:12], "build_new_s": round(new, 1)}
    if code != 0:
        row["build_error"] = out.strip().splitlines()[-1]
        return row
    warm, _, _ = timed(build)
    plain, plain_code, _ = timed(invoke("test-image", "--image", tag, "--profile", "upstream"))
    row |= {"build_warm_s": round(warm, 1), "plain_s": round(plain, 1), "plain_exit": plain_code}
    if with_set:
        argv = invoke("scenarios", "--image", tag, "--profile", "upstream", "--jobs", "2")
        seconds, set_code, _ = timed(argv)
        row |= {"set_s": round(seconds, 1), "set_exit": set_code}
    return row


def bisect(context: str) -> dict[str, object]:
    argv = invoke(
        "bisect", "--context", context, "--good", "main", "--bad", "release-0.3",
        "--scenario", "rename-recreate-249", "--fixed",
    )  # fmt: skip
    seconds, code, out = timed(argv)
    judged = [ln for ln in out.splitlines() if "commits judged" in ln]
    found = [ln for ln in out.splitlines() if ln.startswith("first fixed commit")]
    return {
        "bisect_s": round(seconds, 1),
        "exit": code,
        "found": found[0] if found else "",
        "judged": judged[0].strip() if judged else "",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--context", required=True)
    parser.add_argument("--refs", default=RELEASE_HEADS)
    parser.add_argument("--set", action="store_true", help="also time the whole scenario set")
    parser.add_argument("--bisect", action="store_true")
    args = parser.parse_args()
    rows = [one_ref(args.context, r.strip(), args.set) for r in args.refs.split(",") if r]
    for row in rows:
        print(json.dumps(row))
    ok = all(
        float(r.get("build_new_s", 1e9)) <= BUILD_TARGET
        and float(r.get("plain_s", 1e9)) <= PLAIN_TARGET
        for r in rows[1:]  # the first pays for the pool and npm install
    )
    if args.bisect:
        print(json.dumps(bisect(args.context)))
    print(
        f"[bench] targets: build <= {BUILD_TARGET:.0f} s, plain <= {PLAIN_TARGET:.0f} s, "
        f"set <= {SET_TARGET:.0f} s: {'met' if ok else 'NOT met'} (from the second ref on)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
