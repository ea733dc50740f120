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
from imagetest.core.config import Config
from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import HarnessError
from imagetest.core.proc import child_env
from imagetest.images import registry
from imagetest.images.imagespec import LABEL_INPUTS, ImageSpec, WheelPlatform, hash_inputs
from imagetest.images.wheelhouse import ensure_wheelhouse

RECIPE_DIR = REPO_ROOT / "images" / "upstream"
RECIPE_FILE = RECIPE_DIR / "recipe.yaml"
CACHE_DIR = REPO_ROOT / ".cache" / "upstream"
DEFAULT_TAG = "localhost/imagetest/automation-dashboard:public-base"
MARKER = ".imagetest"  # our part of the build context: wheels/ and frontend/
NPM_TIMEOUT = 900.0

Printer = Callable[[str], None]


@dataclass(frozen=True)
class Recipe:
    base: str
    checkout_files: tuple[str, ...]
    exclude: tuple[str, ...]
    requirements: str
    sdist_only: tuple[str, ...]
    wheel_platform: WheelPlatform
    frontend: dict[str, Any]


def load_recipe(path: Path = RECIPE_FILE) -> Recipe:
    raw = yaml.safe_load(path.read_text())
    wp = raw["wheel_platform"]
    return Recipe(
        base=raw["base"],
        checkout_files=tuple(raw["checkout_files"]),
        exclude=tuple(raw.get("exclude") or ()),
        requirements=raw["requirements"],
        sdist_only=tuple(raw.get("sdist_only") or ()),
        wheel_platform=WheelPlatform(
            python_version=str(wp["python_version"]),
            implementation=wp["implementation"],
            abi=wp["abi"],
            platforms=tuple(wp["platforms"]),
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
        if not (checkout / rel).exists():
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


def make_wheelhouse(checkout: Path, recipe: Recipe, dest: Path, *, offline: bool) -> None:
    """Hash-checked wheels (and sdist-only sdists) of the checkout's requirements in `dest`."""
    text = (checkout / recipe.requirements).read_text()
    wheel_part, sdist_part = split_requirements(text, recipe.sdist_only)
    work = CACHE_DIR / "requirements"
    work.mkdir(parents=True, exist_ok=True)
    wheel_req, sdist_req = work / "wheels.txt", work / "sdists.txt"
    wheel_req.write_text(wheel_part)
    sdist_req.write_text(sdist_part)
    wheel_dir = ensure_wheelhouse(
        wheel_req, CACHE_DIR / "wheels", recipe.wheel_platform, offline=offline
    ).wheel_dir
    sdist_dir = ensure_wheelhouse(sdist_req, CACHE_DIR / "sdists", None, offline=offline).wheel_dir
    dest.mkdir(parents=True, exist_ok=True)
    for source in (wheel_dir, sdist_dir):
        for path in source.iterdir():
            if path.suffix in (".whl", ".gz", ".zip"):
                _link(path, dest / path.name)


# -- the frontend ---------------------------------------------------------------------------


def build_frontend(checkout: Path, recipe: Recipe, out: Printer, *, enabled: bool) -> Path | None:
    """The built frontend (cached by its inputs), or None when it is skipped."""
    spec = recipe.frontend
    if not enabled:
        out("[upstream] frontend: skipped (--no-frontend)")
        return None
    if shutil.which(spec["install"][0]) is None:
        out(f"[upstream] frontend: skipped ({spec['install'][0]} is not installed on this host)")
        return None
    key = hashlib.sha256()
    for rel in spec["files"]:
        for path in _files(checkout / rel):
            key.update(str(path.relative_to(checkout)).encode() + b"\0" + path.read_bytes())
    work = CACHE_DIR / "frontend"
    built = work / spec["output"]
    stamp = work / ".imagetest-key"
    if built.is_dir() and stamp.is_file() and stamp.read_text() == key.hexdigest():
        out("[upstream] frontend: unchanged, using the cached build")
        return built
    out("[upstream] frontend: npm install and build on the host")
    shutil.rmtree(work / spec["output"], ignore_errors=True)
    for rel in spec["files"]:
        _copy(checkout / rel, work / rel)
    env = child_env({str(k): str(v) for k, v in (spec.get("env") or {}).items()})
    for step in ("install", "build"):
        _run_npm(spec[step], work, env)
    if not built.is_dir():
        raise HarnessError(f"frontend build wrote no {spec['output']}; see {work}")
    stamp.write_text(key.hexdigest())
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
    checkout: Path, recipe: Recipe, frontend: Path | None, *, offline: bool
) -> Path:
    """A fresh build context: the checkout's files, our Dockerfile, wheels and frontend."""
    context = CACHE_DIR / "context"
    shutil.rmtree(context, ignore_errors=True)
    context.mkdir(parents=True)
    for rel in recipe.checkout_files:
        _copy(checkout / rel, context / rel, exclude=recipe.exclude, root=checkout)
    shutil.copy2(RECIPE_DIR / "Dockerfile", context / "Dockerfile")
    make_wheelhouse(checkout, recipe, context / MARKER / "wheels", offline=offline)
    front = context / MARKER / "frontend"
    if frontend is not None:
        _copy(frontend, front)
    else:
        front.mkdir(parents=True)
    return context


def build_public_base(
    checkout: Path,
    tag: str = DEFAULT_TAG,
    *,
    client: docker.DockerClient,
    config: Config,
    frontend: bool = True,
    no_cache: bool = False,
    out: Printer = print,
) -> str:
    """Build (or find current) the public-base image of `checkout`; returns the tag."""
    recipe = load_recipe()
    checkout = checkout.resolve()
    check_checkout(checkout, recipe)
    offline = config.offline
    base = images.ensure_images([recipe.base], config=config, client=client, out=out)
    base_tag = base[recipe.base].tag
    dist = build_frontend(checkout, recipe, out, enabled=frontend)
    context = assemble_context(checkout, recipe, dist, offline=offline)
    args = {
        "BASE_IMAGE": base_tag,
        "FRONTEND": "built" if dist is not None else "skipped",
        "UPSTREAM_REVISION": revision(checkout),
    }
    base_image = client.images.get(base_tag)
    extra = {f"arg:{k}": v for k, v in args.items()} | {"base_id": base_image.id}
    inputs = hash_inputs(context, extra)
    current = registry.local_image(client, tag)
    if current is not None and current.labels.get(LABEL_INPUTS) == inputs:
        out(f"[upstream] {tag}: inputs unchanged, nothing to build")
        return tag
    spec = ImageSpec(name="upstream", tag=tag, context=context)
    out(f"[upstream] building {tag} from {checkout}")
    images.build_docker_image(client, spec, inputs, args, out, no_cache=no_cache)
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


def _link(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)
