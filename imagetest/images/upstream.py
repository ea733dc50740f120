"""The public-base recipe: build an ansible/automation-reports checkout without Red Hat's registry.

Upstream's docker/Dockerfile.backend starts from registry.redhat.io images. This recipe makes an
image with the same final layout (images/upstream/Dockerfile) on bases built here:
  1. the checkout's files that the image copies go into a build context of our own (the
     checkout itself is never written to);
  2. the wheels of its requirements-build.txt are downloaded on the host, hash-checked, for the
     base's Python; sdist-only packages (uwsgi) come as sdists and are compiled in the build;
  3. the frontend is built with npm on the host where npm exists, else skipped (and labelled);
  4. docker build, labelled with a hash of all inputs, so a warm call builds nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import yaml

from imagetest import images
from imagetest.core.config import Config, user_cache_dir
from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import HarnessError
from imagetest.core.proc import child_env
from imagetest.images import gitsource, registry, wheelpool
from imagetest.images.imagespec import (
    LABEL_INPUTS,
    ImageSpec,
    WheelPlatform,
    choose_platform,
    hash_inputs,
)
from imagetest.images.reffacts import RefFacts, read_facts
from imagetest.images.wheelhouse import locked

RECIPE_DIR = REPO_ROOT / "images" / "upstream"
RECIPE_FILE = RECIPE_DIR / "recipe.yaml"
CACHE_DIR = REPO_ROOT / ".cache" / "upstream"
TOOLS_DIR = RECIPE_DIR / "tools"
REF_REPOSITORY = "localhost/imagetest/automation-dashboard"
DEFAULT_TAG = f"{REF_REPOSITORY}:public-base"
LABEL_REF_KEY = "io.imagetest.ref-key"
# The requirements file the Dockerfile installs from each tools folder of the context.
TOOL_FILES = {"tools": "build.txt", "side": "side.txt"}
# The line of our Dockerfile that each ref's own ENTRYPOINT replaces (reffacts).
RECIPE_ENTRYPOINT = 'ENTRYPOINT ["/venv/bin/dumb-init", "--"]'
MARKER = ".imagetest"  # our part of the build context: wheels/ and frontend/
NPM_TIMEOUT = 900.0

Printer = Callable[[str], None]


@dataclass(frozen=True)
class Recipe:
    base: str
    checkout_files: tuple[str, ...]
    optional_files: tuple[str, ...]
    exclude: tuple[str, ...]
    requirements: str
    sdist_only: tuple[str, ...]
    wheel_platform: WheelPlatform
    frontend: dict[str, Any]


def load_recipe(path: Path = RECIPE_FILE, platform: str | None = None) -> Recipe:
    """The recipe for a platform (default: the host's): its wheel tags name x86_64, which
    another platform's architecture replaces."""
    raw = yaml.safe_load(path.read_text())
    wp = raw["wheel_platform"]
    arch = choose_platform(platform).wheel_arch
    return Recipe(
        base=raw["base"],
        checkout_files=tuple(raw["checkout_files"]),
        optional_files=tuple(raw.get("optional_files") or ()),
        exclude=tuple(raw.get("exclude") or ()),
        requirements=raw["requirements"],
        sdist_only=tuple(raw.get("sdist_only") or ()),
        wheel_platform=WheelPlatform(
            python_version=str(wp["python_version"]),
            implementation=wp["implementation"],
            abi=wp["abi"],
            platforms=tuple(re.sub(r"x86_64$", arch, p) for p in wp["platforms"]),
        ),
        frontend=dict(raw["frontend"]),
    )


# -- the checkout ---------------------------------------------------------------------------


def check_checkout(checkout: Path, recipe: Recipe) -> None:
    """One line naming the first file the recipe needs that the checkout lacks."""
    if not checkout.is_dir():
        raise HarnessError(
            f"--context {checkout}: no such directory; pass a checkout of "
            "ansible/automation-reports"
        )
    for rel in recipe.checkout_files:
        if rel not in recipe.optional_files and not (checkout / rel).exists():
            raise HarnessError(
                f"--context {checkout} is not an automation-reports checkout: {rel} is missing"
            )


def revision(checkout: Path) -> str:
    """The checkout's commit when it is a git work tree, else 'unknown'."""
    try:
        result = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def split_requirements(text: str, names: tuple[str, ...]) -> tuple[str, str]:
    """requirements-build.txt as (wheel part, sdist part); each entry keeps its hash lines."""
    wheels: list[str] = []
    sdists: list[str] = []
    target = wheels
    for line in text.splitlines():
        head = line.split("==", 1)[0].split("[", 1)[0].strip().lower()
        if line and not line[0].isspace() and not line.startswith("#"):
            target = sdists if head in names else wheels
        target.append(line)
    return "\n".join(wheels) + "\n", "\n".join(sdists) + "\n"


# -- the wheelhouse -------------------------------------------------------------------------


def _pool(recipe: Recipe, binary: bool) -> Path:
    """One pool of wheels per target platform (and one of sdists), shared by every ref and
    every clone (files are found by their sha256, so a shared pool cannot mix them up)."""
    if not binary:
        return user_cache_dir() / "pool" / "sdist"
    key = hashlib.sha256("\0".join(recipe.wheel_platform.pip_args()).encode()).hexdigest()[:12]
    return user_cache_dir() / "pool" / f"wheels-{key}"


def make_wheelhouse(
    checkout: Path, recipe: Recipe, facts: RefFacts, dest: Path, *, offline: bool, out: Printer
) -> None:
    """Hash-checked files of the ref's pins in dest/wheels and dest/sdists, our build tools in
    dest/tools, and what the ref installed beside /venv in dest/side (see reffacts)."""
    text = (checkout / recipe.requirements).read_text()
    what = f"{recipe.requirements} of {checkout.name}"
    platform = recipe.wheel_platform

    def pooled(requirements: str, binary: bool, what: str) -> list[Path]:
        if not requirements.strip():
            return []
        pool = _pool(recipe, binary)
        target = platform if binary else None
        return wheelpool.pooled_files(requirements, pool, target, offline=offline, what=what)

    # A pin with no wheel for the base's Python (older refs: ansible-base) comes as its sdist
    # and is compiled in the builder stage, as uwsgi always is.
    sdist_only = list(recipe.sdist_only)
    while True:
        wheel_part, sdist_part = split_requirements(text, tuple(sdist_only))
        try:
            wheels = pooled(wheel_part, True, what)
            break
        except HarnessError as exc:
            name = _no_wheel(str(exc))
            if not name or name in sdist_only:
                raise
            out(
                f"[upstream] {name}: no wheel for Python {platform.python_version}; "
                "built from its sdist"
            )
            sdist_only.append(name)
    _place(dest / "wheels", wheels)
    _place(dest / "sdists", pooled(sdist_part, False, what))
    for folder, names in (("tools", ("build",)), ("side", facts.side_tools)):
        tools = "".join((TOOLS_DIR / f"{name}.txt").read_text() for name in names)
        _place(dest / folder, pooled(tools, True, f"{TOOLS_DIR.name}/{folder}"))
        (dest / folder / TOOL_FILES[folder]).write_text(tools)


def _no_wheel(message: str) -> str:
    """The pin pip found no wheel for, from its last words (lower case), or ''."""
    found = re.search(r"No matching distribution found for ([A-Za-z0-9._-]+)==", message)
    return found.group(1).lower() if found else ""


def _place(folder: Path, files: list[Path]) -> None:
    # Copies, not hard links: two links to one file in a context become a tar hard-link entry,
    # whose checksum differs from a file's and so misses the builder's layer cache.
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copyfile(path, folder / path.name)


# -- the frontend ---------------------------------------------------------------------------


def frontend_key(checkout: Path, spec: dict[str, Any]) -> str:
    key = hashlib.sha256()
    for rel in spec["files"]:
        for path in _files(checkout / rel):
            key.update(str(path.relative_to(checkout)).encode() + b"\0" + path.read_bytes())
    return key.hexdigest()


def build_frontend(checkout: Path, recipe: Recipe, out: Printer, *, enabled: bool) -> Path | None:
    """The built frontend (cached by its inputs, node_modules by the lock file), or None."""
    spec = recipe.frontend
    if not enabled:
        out("[upstream] frontend: skipped (--no-frontend)")
        return None
    if shutil.which(spec["install"][0]) is None:
        out(f"[upstream] frontend: skipped ({spec['install'][0]} is not installed on this host)")
        return None
    key = frontend_key(checkout, spec)
    # by its inputs' hash, in the user's cache: a fresh clone of the harness runs no npm
    built = user_cache_dir() / "frontend" / "dist" / key[:16]
    if (built / ".imagetest-key").is_file():
        out("[upstream] frontend: unchanged, using the cached build")
        return built
    work = CACHE_DIR / "frontend" / "work"
    work.mkdir(parents=True, exist_ok=True)
    with locked(work):  # one npm at a time in the shared node_modules
        return _npm_build(checkout, spec, key, work, built, out)


def _npm_build(
    checkout: Path, spec: dict[str, Any], key: str, work: Path, built: Path, out: Printer
) -> Path:
    if (built / ".imagetest-key").is_file():  # built by another process while we waited
        return built
    for rel in spec["files"]:
        shutil.rmtree(work / rel, ignore_errors=True)
        _copy(checkout / rel, work / rel)
    env = child_env({str(k): str(v) for k, v in (spec.get("env") or {}).items()})
    lock = hashlib.sha256((checkout / spec["lock"]).read_bytes()).hexdigest()
    stamp = work / "node_modules" / ".imagetest-lock"
    if not (stamp.is_file() and stamp.read_text() == lock):
        out("[upstream] frontend: npm install on the host")
        _run_npm(spec["install"], work, env)
        stamp.write_text(lock)
    out("[upstream] frontend: npm run build on the host")
    output = work / spec["output"]
    shutil.rmtree(output, ignore_errors=True)
    _run_npm(spec["build"], work, env)
    if not output.is_dir():
        raise HarnessError(f"frontend build wrote no {spec['output']}; see {work}")
    partial = built.with_name(built.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    _copy(output, partial)
    (partial / ".imagetest-key").write_text(key)
    partial.rename(built)
    return built


def _run_npm(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    log_file = cwd / "npm.log"
    try:
        with log_file.open("a") as log:
            result = subprocess.run(
                argv,
                cwd=cwd,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=NPM_TIMEOUT,
                check=False,
            )
    except subprocess.TimeoutExpired:
        raise HarnessError(
            f"`{' '.join(argv)}` took over {NPM_TIMEOUT:.0f} s; see {log_file}"
        ) from None
    if result.returncode != 0:
        raise HarnessError(
            f"`{' '.join(argv)}` failed (exit {result.returncode}); see {log_file}, "
            "or build without the frontend (--no-frontend)"
        )


# -- the build context and the build ---------------------------------------------------------


def assemble_context(
    checkout: Path,
    recipe: Recipe,
    facts: RefFacts,
    frontend: Path | None,
    *,
    offline: bool,
    out: Printer = print,
) -> Path:
    """A fresh build context: the checkout's files, our Dockerfile, wheels and frontend."""
    # One per checkout and process: builds of refs (even of one ref) may run at once.
    name = hashlib.sha256(f"{checkout}\0{os.getpid()}".encode()).hexdigest()[:16]
    context = CACHE_DIR / "context" / name
    shutil.rmtree(context, ignore_errors=True)
    context.mkdir(parents=True)
    dockerfile = (RECIPE_DIR / "Dockerfile").read_text()
    for rel in recipe.checkout_files:
        if (checkout / rel).exists():
            _copy(checkout / rel, context / rel, exclude=recipe.exclude, root=checkout)
        else:  # an optional file this ref lacks: so did its image
            dockerfile = re.sub(rf"(?m)^COPY {re.escape(rel)} .*\n", "", dockerfile)
    if RECIPE_ENTRYPOINT not in dockerfile:
        raise HarnessError(f"{RECIPE_DIR / 'Dockerfile'} lost its line {RECIPE_ENTRYPOINT!r}")
    dockerfile = dockerfile.replace(RECIPE_ENTRYPOINT, facts.entrypoint_line)
    (context / "Dockerfile").write_text(dockerfile)
    make_wheelhouse(checkout, recipe, facts, context / MARKER, offline=offline, out=out)
    front = context / MARKER / "frontend"
    if frontend is not None:
        _copy(frontend, front)
        (front / ".imagetest-key").unlink(missing_ok=True)
    else:
        front.mkdir(parents=True)
    return context


def ref_tag(source: gitsource.RefSource) -> str:
    return f"{REF_REPOSITORY}:git-{source.commit[:12]}"


def _recipe_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in RECIPE_DIR.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(RECIPE_DIR)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _built_for(client: docker.DockerClient, key: str) -> Any:
    found = client.images.list(filters={"label": f"{LABEL_REF_KEY}={key}"})
    return found[0] if found else None


def build_public_base(
    checkout: Path,
    tag: str | None = None,
    *,
    client: docker.DockerClient,
    config: Config,
    ref: str | None = None,
    frontend: bool = True,
    no_cache: bool = False,
    out: Printer = print,
) -> str:
    """Build (or find current) the public-base image of `checkout` (at `ref`); returns the tag."""
    recipe = load_recipe(platform=config.platform)
    target = choose_platform(config.platform)
    source = gitsource.checkout_ref(checkout, ref, CACHE_DIR) if ref else None
    if source is not None:
        out(f"[upstream] {ref} is {source.commit[:12]} ({source.date[:10]}) {source.subject}")
        checkout, tag = source.path, tag or ref_tag(source)
    tag = tag or (f"{DEFAULT_TAG}-{target.arch}" if target.foreign else DEFAULT_TAG)
    checkout = checkout.resolve()
    check_checkout(checkout, recipe)
    base = images.ensure_images([recipe.base], config=config, client=client, out=out)
    base_image = client.images.get(base[recipe.base].tag)
    with_frontend = frontend and shutil.which(recipe.frontend["install"][0]) is not None
    ref_key = ""
    if source is not None:
        # The same tree, recipe and base make the same image: found by label, nothing to do.
        ref_key = hashlib.sha256(
            "\0".join([source.tree, _recipe_digest(), base_image.id, str(with_frontend)]).encode()
        ).hexdigest()
        cached = _built_for(client, ref_key) if not no_cache else None
        if cached is not None:
            cached.tag(tag)
            out(f"[upstream] {tag}: tree {source.tree[:12]} already built, nothing to build")
            return tag
    facts = read_facts(checkout, recipe.requirements)
    out(f"[upstream] layout of this ref: {facts.summary()}")
    dist = build_frontend(checkout, recipe, out, enabled=frontend)
    context = assemble_context(checkout, recipe, facts, dist, offline=config.offline, out=out)
    args = {
        "BASE_IMAGE": base[recipe.base].tag,
        "FRONTEND": "built" if dist is not None else "skipped",
        "UPSTREAM_REVISION": source.commit if source else revision(checkout),
        "UPSTREAM_TREE": source.tree if source else "unknown",
        "REF_LAYOUT": facts.summary(),
        "SIDE_LINKS": " ".join(f"{a}:{b}" for a, b in facts.links),
    }
    extra = {f"arg:{k}": v for k, v in args.items()} | {"base_id": base_image.id}
    inputs = hash_inputs(context, extra)
    current = registry.local_image(client, tag)
    if current is not None and current.labels.get(LABEL_INPUTS) == inputs:
        out(f"[upstream] {tag}: inputs unchanged, nothing to build")
        return tag
    spec = ImageSpec(
        name="upstream", tag=tag, context=context, platform=target if target.foreign else None
    )
    out(f"[upstream] building {tag} from {source.commit if source else checkout}")
    labels = {LABEL_REF_KEY: ref_key} if ref_key else {}
    images.build_docker_image(client, spec, inputs, args, out, no_cache=no_cache, labels=labels)
    out(f"[upstream] built {tag}; test it with: invoke test-image --image {tag} --profile upstream")
    return tag


# -- file helpers ------------------------------------------------------------------------------


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file())


def _excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    parts = rel.split("/")
    for pattern in patterns:
        if pattern.startswith("**/"):
            tail = pattern[3:]
            if any(Path(part).match(tail) for part in parts):
                return True
        elif rel == pattern or rel.startswith(pattern + "/"):
            return True
    return False


def _copy(
    src: Path, dest: Path, *, exclude: tuple[str, ...] = (), root: Path | None = None
) -> None:
    """Copy a file or a tree, keeping modes (the image's scripts must stay executable)."""
    for path in _files(src):
        rel = path.relative_to(root).as_posix() if root else ""
        if exclude and _excluded(rel, exclude):
            continue
        target = dest if src.is_file() else dest / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
        shutil.copy2(path, target)
        target.chmod(target.stat().st_mode | stat.S_IWUSR)
