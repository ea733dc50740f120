"""`python -m imagetest.images [--offline] [--pull-timeout S] [NAME...]`."""

from __future__ import annotations

import argparse
import sys
import time

from imagetest.core.config import resolve_config
from imagetest.core.errors import HarnessError
from imagetest.images import compose_env, ensure_images
from imagetest.images.build import DEFAULT_PULL_TIMEOUT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m imagetest.images",
        description="Make sure the stack's images exist: use, pull or build them.",
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="images (default: all)")
    parser.add_argument("--offline", action="store_true", help="never pull; build locally")
    parser.add_argument(
        "--pull-timeout",
        type=float,
        default=DEFAULT_PULL_TIMEOUT,
        help="seconds the registry has to start answering (default %(default)s)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        config = resolve_config({"offline": args.offline or None})
        results = ensure_images(args.names or None, config=config, pull_timeout=args.pull_timeout)
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"[images] done in {time.monotonic() - started:.1f}s")
    usable = {n: r for n, r in results.items() if r.action != "skipped"}
    for key, value in compose_env(usable).items():
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
