"""A ref of an automation-reports repository as a directory of files, without touching it.

`--context` may be a git work tree (its working tree is never read or written: files come
from `git archive`) or a bundle file (cloned once as a mirror into the cache). Each commit's
files are exported once into `.cache/upstream/trees/<tree hash>/`: commits that share a tree
share the export, and a second build of a ref reads nothing from git but its ids.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from imagetest.core.errors import HarnessError
from imagetest.core.proc import child_env

GIT_TIMEOUT = 300.0


@dataclass(frozen=True)
class RefSource:
    """One commit of the repository and where its files are."""

    repo: Path
    ref: str
    commit: str
    tree: str
    date: str  # committer date, ISO 8601
    subject: str
    path: Path  # the exported files


def git(repo: Path, *args: str, binary: bool = False, timeout: float = GIT_TIMEOUT) -> bytes:
    """Run git in `repo`; a failure is one line naming the repository and git's own words."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            timeout=timeout,
            check=False,
            env=child_env({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}),
        )
    except FileNotFoundError:
        raise HarnessError("git is not installed; install it (apt-get install git)") from None
    except subprocess.TimeoutExpired:
        raise HarnessError(f"git {args[0]} in {repo} took over {timeout:.0f} s") from None
    if proc.returncode != 0:
        words = proc.stderr.decode(errors="replace").strip().splitlines()
        last = words[-1] if words else f"exit {proc.returncode}"
        raise HarnessError(f"git {args[0]} in {repo} failed: {last}")
    return proc.stdout if binary else proc.stdout.strip()


def text(repo: Path, *args: str) -> str:
    return git(repo, *args).decode(errors="replace")


def open_repo(context: Path, cache: Path) -> Path:
    """The git repository behind `context`: itself, or the cached mirror of a bundle file."""
    if context.is_dir():
        try:
            git(context, "rev-parse", "--git-dir", timeout=30)
        except HarnessError:
            raise HarnessError(
                f"--context {context} is not a git repository; --ref needs a clone of "
                "ansible/automation-reports or a bundle of it"
            ) from None
        return context
    if not context.is_file():
        raise HarnessError(f"--context {context}: no such directory or bundle file")
    key = hashlib.sha256(str(context.resolve()).encode()).hexdigest()[:16]
    mirror = cache / "repos" / f"{key}.git"
    stamp = mirror / "imagetest-bundle-mtime"
    mtime = str(context.stat().st_mtime_ns)
    if mirror.is_dir() and stamp.is_file() and stamp.read_text() == mtime:
        return mirror
    partial = mirror.with_name(mirror.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    try:
        git(partial.parent, "clone", "--quiet", "--mirror", str(context.resolve()), partial.name)
    except HarnessError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise HarnessError(
            f"--context {context} is neither a git repository nor a bundle ({exc})"
        ) from None
    (partial / "imagetest-bundle-mtime").write_text(mtime)
    shutil.rmtree(mirror, ignore_errors=True)
    partial.rename(mirror)
    return mirror


def resolve(repo: Path, ref: str) -> tuple[str, str, str, str]:
    """(commit, tree, date, subject) of `ref`; a branch is also looked up as origin/<ref>."""
    for candidate in (ref, f"origin/{ref}"):
        try:
            commit = text(repo, "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}")
        except HarnessError:
            continue
        if commit:
            break
    else:
        raise HarnessError(
            f"--ref {ref}: no such commit, branch or tag in {repo}; "
            f"list them with: git -C {repo} log --oneline --all"
        )
    info = text(repo, "show", "-s", "--format=%T%x00%cI%x00%s", commit)
    tree, date, subject = info.split("\0", 2)
    return commit, tree, date, subject


def export(repo: Path, commit: str, tree: str, cache: Path) -> Path:
    """The commit's files in the cache (once per tree), as `git archive` gives them."""
    dest = cache / "trees" / tree
    if (dest / ".imagetest-tree").is_file():
        return dest
    partial = dest.with_name(tree + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    data = git(repo, "archive", "--format=tar", commit, binary=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(partial, filter="data")
    (partial / ".imagetest-tree").write_text(tree + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    partial.rename(dest)
    return dest


def checkout_ref(context: Path, ref: str, cache: Path) -> RefSource:
    """Resolve `ref` of `context` (a clone or a bundle) and export its files."""
    repo = open_repo(context, cache)
    commit, tree, date, subject = resolve(repo, ref)
    path = export(repo, commit, tree, cache)
    return RefSource(repo, ref, commit, tree, date, subject, path)
