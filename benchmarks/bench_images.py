"""Measure the images stage: a cold build of every image and a warm ensure_images call.

Targets (issue 3): cold < 5 min on a 2-core machine, warm < 10 s.

Default (isolated): copies every image context to a temporary directory and builds it
under the tag prefix localhost/imagetest-bench/, without the engine's layer cache, with an
empty debootstrap package cache and an empty wheelhouse. That is a real cold build and it
does not disturb the localhost/imagetest/* images other runs are using.

--in-place removes the localhost/imagetest/* images of images.yaml, their wheelhouses and
the debootstrap cache, then builds the real tags (only where nothing else needs them).

    .venv/bin/python benchmarks/bench_images.py [--in-place] [--keep] [NAME...]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import docker
import docker.errors

from imagetest.images import DEBOOTSTRAP_CACHE, ImageResult, ensure_images
from imagetest.images.imagespec import SDIST_DIR, SOURCES_DIR, WHEEL_DIR, ImageList, load_image_list

COLD_TARGET = 300.0
WARM_TARGET = 10.0
BENCH_PREFIX = "localhost/imagetest-bench/"


def buildable(images: ImageList, names: list[str] | None) -> list[str]:
    """Requested images whose Dockerfile exists (the others are reported, not built)."""
    wanted = names or [n for n, spec in images.images.items() if not spec.optional]
    out = []
    for name in wanted:
        spec = images[name]
        if spec.kind == "docker" and not spec.dockerfile.is_file():
            print(f"[bench] leaving out {name}: {spec.dockerfile} does not exist")
            continue
        out.append(name)
    return out


def isolated_list(images: ImageList, workdir: Path) -> ImageList:
    """The same images, with contexts copied to workdir and tags under BENCH_PREFIX."""
    specs = {}
    for name, spec in images.images.items():
        context = workdir / name
        if spec.context.is_dir():
            shutil.copytree(
                spec.context,
                context,
                ignore=shutil.ignore_patterns(WHEEL_DIR, SDIST_DIR, SOURCES_DIR),
            )
        else:
            context.mkdir(parents=True)
        tag = BENCH_PREFIX + spec.tag.removeprefix("localhost/imagetest/")
        # No registry: the benchmark measures the local build path.
        specs[name] = replace(spec, tag=tag, context=context, registry=None)
    return ImageList(specs, images.wheel_platform)


def remove_images(client: docker.DockerClient, images: ImageList) -> None:
    for spec in reversed(list(images.images.values())):
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(spec.tag, force=True)
            print(f"[bench] removed {spec.tag}")


def timed(label: str, **kwargs: object) -> tuple[float, dict[str, ImageResult]]:
    started = time.monotonic()
    results = ensure_images(**kwargs)  # type: ignore[arg-type]
    seconds = time.monotonic() - started
    actions = ", ".join(f"{n}={r.action} {r.seconds:.1f}s" for n, r in results.items())
    print(f"[bench] {label}: {seconds:.1f}s ({actions})")
    return seconds, results


def quiet(_: str) -> None:
    """Build output is not part of the figure; keep the terminal readable."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="images (default: every buildable one)")
    parser.add_argument("--in-place", action="store_true", help="rebuild the real tags")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark images")
    parser.add_argument("--verbose", action="store_true", help="show build output")
    args = parser.parse_args(argv)
    client = docker.from_env()
    real = load_image_list()
    names = buildable(real, args.names or None)
    out = print if args.verbose else quiet
    with tempfile.TemporaryDirectory(prefix="imagetest-bench-") as tmp:
        workdir = Path(tmp)
        if args.in_place:
            images = real
            remove_images(client, images)
            for spec in images.images.values():
                shutil.rmtree(spec.wheel_dir, ignore_errors=True)
                shutil.rmtree(spec.sdist_dir, ignore_errors=True)
            shutil.rmtree(DEBOOTSTRAP_CACHE, ignore_errors=True)
            deb_cache = DEBOOTSTRAP_CACHE
        else:
            images = isolated_list(real, workdir / "contexts")
            remove_images(client, images)
            deb_cache = workdir / "debootstrap"
        common = {"names": names, "client": client, "image_list": images, "out": out}
        print(f"[bench] images: {', '.join(names)} ({'in place' if args.in_place else 'isolated'})")
        cold, _ = timed(
            "cold build", no_cache=True, debootstrap_cache=deb_cache, offline=False, **common
        )
        warm, results = timed("warm call", debootstrap_cache=deb_cache, offline=False, **common)
        rebuilt = [n for n, r in results.items() if r.action != "present"]
        real_warm, _ = timed("warm call, real tags", names=names, client=client, out=out)
        if not args.in_place and not args.keep:
            remove_images(client, images)
    ok = cold < COLD_TARGET and warm < WARM_TARGET and not rebuilt
    print(
        f"[bench] RESULT cold={cold:.1f}s (target <{COLD_TARGET:.0f}s) "
        f"warm={warm:.2f}s (target <{WARM_TARGET:.0f}s) real-warm={real_warm:.2f}s "
        f"rebuilt-on-warm={rebuilt or 'none'} images={','.join(names)} "
        f"{'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
