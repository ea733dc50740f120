"""`invoke test-image --platform P` on AAP 2.4, 2.5 and 2.6: the reference image and,
with --image, another built for P (the upstream public-base build), timed per run.

On an x86_64 host linux/arm64 runs under qemu emulation (`invoke doctor --platform
linux/arm64` says what is missing); the images are built for P first (`invoke images
--platform P`, and `invoke build --context CHECKOUT --public-base --platform P` for the
upstream image) and each must report P's architecture.

    .venv/bin/python benchmarks/bench_platform.py --platform linux/arm64 \
        [--image localhost/imagetest/automation-dashboard:public-base-arm64 --profile upstream]

Exits 1 when a run fails or an image is not built for P.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from imagetest.core.constants import AAP_VERSIONS  # noqa: E402
from imagetest.images.imagespec import load_image_list  # noqa: E402

STACK = ("postgres", "redis", "aapsim", "dashboard")


def invoke(*args: str) -> subprocess.CompletedProcess[str]:
    """An invoke task; on Ctrl-C it got the same signal: wait while it tears its stack down
    (subprocess.run would kill it first, and leave the stack to the next run's reaping)."""
    argv = [sys.executable, "-m", "invoke", *args]
    with subprocess.Popen(
        argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            out, err = proc.communicate()
        except KeyboardInterrupt:
            proc.wait()
            raise
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def architectures(client: docker.DockerClient, tags: list[str]) -> dict[str, str]:
    return {tag: str(client.images.get(tag).attrs.get("Architecture")) for tag in tags}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", default="linux/arm64")
    parser.add_argument("--image", help="the dashboard under test (default: the reference)")
    parser.add_argument("--profile", default="reference")
    parser.add_argument("--aap-versions", default=",".join(AAP_VERSIONS))
    args = parser.parse_args()
    arch = args.platform.rsplit("/", 1)[-1]

    started = time.monotonic()
    built = invoke("images", "--platform", args.platform)
    print(f"images --platform {args.platform}: exit {built.returncode}, "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip
    if built.returncode != 0:
        print(built.stderr[-2000:])
        return 1
    specs = load_image_list(platform=args.platform)
    tags = [specs[name].tag for name in STACK] + ([args.image] if args.image else [])
    found = architectures(docker.from_env(), tags)
    for tag, image_arch in found.items():
        print(f"  {tag}: {image_arch}")
    failed = sum(image_arch != arch for image_arch in found.values())

    for version in args.aap_versions.split(","):
        with tempfile.TemporaryDirectory(prefix="bench-platform-") as tmp:
            run = ["test-image", "--platform", args.platform, "--aap-version", version,
                   "--profile", args.profile, "--artifacts", tmp]  # fmt: skip
            if args.image:
                run += ["--image", args.image]
            started = time.monotonic()
            done = invoke(*run)
            seconds = time.monotonic() - started
            phases = {}
            summary = Path(tmp) / "summary.json"
            if summary.is_file():
                data = json.loads(summary.read_text())
                phases = {p["name"]: p["seconds"] for p in data.get("phases", [])}
        verdict = "PASS" if done.returncode == 0 else f"FAIL (exit {done.returncode})"
        slowest = ", ".join(f"{k} {v:.1f}" for k, v in phases.items() if v >= 1)
        print(f"AAP {version}: {verdict}, {seconds:.1f} s ({slowest})")
        if done.returncode != 0:
            print(done.stderr[-1500:])
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
