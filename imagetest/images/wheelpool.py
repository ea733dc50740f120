"""Wheels shared by every ref of a repository: one pool per platform, looked up by hash.

A hashed requirements file names, for each pin, the sha256 of every file it may be. The pool
keeps each downloaded file once, indexed by its sha256; a ref's wheelhouse is the pool files
that match its pins. Only the pins no file matches are downloaded, so a ref that differs from
the last one by two pins costs two downloads, and a ref whose pins are all pooled costs none.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from imagetest.core.errors import HarnessError
from imagetest.images.imagespec import WheelPlatform
from imagetest.images.wheelhouse import locked, pip_download_command, run_pip

INDEX = ".index.json"
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


@dataclass(frozen=True)
class Pin:
    """One entry of a hashed requirements file: its first line, its whole text, its hashes."""

    line: str
    text: str
    hashes: frozenset[str]

    @property
    def conditional(self) -> bool:
        """An environment marker: pip decides whether it applies, not the pool."""
        return ";" in self.line


def parse_pins(text: str) -> list[Pin]:
    entries: list[list[str]] = []
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith(("#", "-")):
            entries.append([line])
        elif entries and line.strip() and not line.strip().startswith("#"):
            entries[-1].append(line)
    return [Pin(e[0], "\n".join(e), frozenset(_HASH.findall("\n".join(e)))) for e in entries]


def _read_index(pool: Path) -> dict[str, str]:
    try:
        data = json.loads((pool / INDEX).read_text())
    except (OSError, ValueError):
        return {}
    return {h: n for h, n in data.items() if (pool / n).is_file()}


def _write_index(pool: Path, index: dict[str, str]) -> None:
    tmp = pool / f"{INDEX}.{os.getpid()}"
    tmp.write_text(json.dumps(index, indent=0, sort_keys=True) + "\n")
    tmp.replace(pool / INDEX)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _missing(pins: list[Pin], index: dict[str, str]) -> list[Pin]:
    return [p for p in pins if p.conditional or not p.hashes & index.keys()]


def pooled_files(
    requirements: str,
    pool: Path,
    platform: WheelPlatform | None,
    *,
    offline: bool,
    what: str,
) -> list[Path]:
    """The pool's files for every pin of `requirements`, downloading the ones it lacks."""
    pins = parse_pins(requirements)
    unhashed = [p.line for p in pins if not p.hashes]
    if unhashed:
        raise HarnessError(f"{what}: {unhashed[0]!r} has no --hash; the pins must be hashed")
    pool.mkdir(parents=True, exist_ok=True)
    index = _read_index(pool)
    if _missing(pins, index):
        with locked(pool):
            index = _read_index(pool)
            missing = _missing(pins, index)
            if missing:
                if offline:
                    raise HarnessError(
                        f"{what}: {len(missing)} pins are not in the wheel pool {pool} and "
                        "--offline forbids pip download; run once without --offline"
                    )
                index = _download(missing, pool, platform, index, what)
    files = []
    for pin in pins:
        found = sorted(index[h] for h in pin.hashes & index.keys())
        if found:
            files.append(pool / found[0])
        elif not pin.conditional:
            raise HarnessError(f"{what}: pip downloaded no file matching {pin.line!r}")
    return files


def _download(
    pins: list[Pin], pool: Path, platform: WheelPlatform | None, index: dict[str, str], what: str
) -> dict[str, str]:
    partial = pool / f".partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        requirements = partial / "requirements.txt"
        requirements.write_text("\n".join(p.text for p in pins) + "\n")
        # The file is a whole lock: every dependency is one of its own pins.
        run_pip([*pip_download_command(requirements, partial, platform), "--no-deps"], what)
    finally:
        # What pip saved before a failure is hash-checked too: keep it for the next try.
        for path in partial.iterdir():
            if path.name != "requirements.txt" and path.is_file():
                digest = _sha256(path)
                path.replace(pool / path.name)
                index[digest] = path.name
        _write_index(pool, index)
        shutil.rmtree(partial, ignore_errors=True)
    return index
