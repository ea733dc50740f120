"""Source files an image is built from that the repository does not carry (images.yaml,
`source_sets`): copied into the build context's .sources/ from a directory the user names.
"""

from __future__ import annotations

import filecmp
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from imagetest.core.config import ENV_PREFIX, Config
from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import HarnessError
from imagetest.images.imagespec import SOURCES_DIR, SPEC_FILE


@dataclass(frozen=True)
class SourceSet:
    name: str
    option: str  # the option (imagetest.core.config) naming the directory
    default: str  # relative to the repository root
    files: tuple[str, ...]
    what: str

    def directory(self, config: Config) -> Path:
        chosen = getattr(config, self.option)
        return Path(chosen) if chosen else (REPO_ROOT / self.default).resolve()


def source_set(name: str, spec_file: Path = SPEC_FILE) -> SourceSet:
    entry = (yaml.safe_load(spec_file.read_text()).get("source_sets") or {}).get(name)
    if entry is None:
        raise HarnessError(f"{spec_file} names no source set {name!r}; add it under source_sets")
    return SourceSet(
        name, entry["option"], entry["default"], tuple(entry["files"]), entry.get("what", name)
    )


def ensure_sources(name: str, context: Path, config: Config) -> Path:
    """Copy the set's files into context/.sources (only those that changed); its path."""
    wanted = source_set(name)
    origin = wanted.directory(config)
    missing = [f for f in wanted.files if not (origin / f).is_file()]
    if missing:
        raise HarnessError(
            f"{wanted.what}: {', '.join(missing)} not in {origin}; pass --"
            f"{wanted.option.replace('_', '-')} (or set {ENV_PREFIX}{wanted.option.upper()}) "
            f"to the directory that holds {', '.join(wanted.files)}",
        )
    target = context / SOURCES_DIR
    target.mkdir(exist_ok=True)
    for name_ in wanted.files:
        src, dst = origin / name_, target / name_
        if not dst.is_file() or not filecmp.cmp(src, dst, shallow=False):
            shutil.copyfile(src, dst)
    for stale in target.iterdir():
        if stale.name not in wanted.files:
            stale.unlink()
    return target
