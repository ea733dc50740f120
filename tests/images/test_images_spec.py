"""Unit tests: the image list, dependency order and input hashing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from imagetest.core.errors import HarnessError
from imagetest.images.imagespec import (
    ImageList,
    ImageSpec,
    WheelPlatform,
    context_files,
    hash_inputs,
    load_image_list,
)

PLATFORM = WheelPlatform("3.11", "cp", "cp311", ("manylinux2014_x86_64",))


def _context(tmp_path: Path) -> Path:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY app.py /\n")
    (ctx / "app.py").write_text("print('hi')\n")
    return ctx


def test_repository_image_list_matches_the_architecture_contract() -> None:
    images = load_image_list()
    assert images["base"].tag == "localhost/imagetest/base:bookworm"
    assert images["postgres"].registry == "postgres:15"
    assert images["redis"].registry == "redis:7"
    assert images["python"].registry == "python:3.11-slim"
    assert images["aapsim"].tag == "localhost/imagetest/aapsim:dev"
    assert images["dashboard"].tag == "localhost/imagetest/dashboard:dev"
    assert {images[n].env for n in ("postgres", "redis", "aapsim", "dashboard")} == {
        "POSTGRES_IMAGE",
        "REDIS_IMAGE",
        "AAPSIM_IMAGE",
        "DASHBOARD_IMAGE",
    }
    for spec in images.images.values():
        assert spec.tag.startswith("localhost/imagetest/")
        assert spec.registry is None or not spec.registry.startswith("localhost/")


def test_closure_puts_dependencies_first() -> None:
    order = [s.name for s in load_image_list().closure(["dashboard", "postgres"])]
    assert order == ["base", "python", "dashboard", "postgres"]


def test_dependants_of_base_are_all_other_images() -> None:
    images = load_image_list()
    # base-trixie is a second root: the upstream recipe's base (imagetest/images/upstream.py)
    assert set(images.dependants("base")) == set(images.images) - {"base", "base-trixie"}
    assert images.dependants("base-trixie") == []
    assert set(images.dependants("python")) == {"aapsim", "dashboard", "awx"}


def test_unknown_image_and_cycle_are_one_line_errors(tmp_path: Path) -> None:
    a = ImageSpec("a", "localhost/imagetest/a:x", tmp_path, depends=("b",))
    b = ImageSpec("b", "localhost/imagetest/b:x", tmp_path, depends=("a",))
    images = ImageList({"a": a, "b": b}, PLATFORM)
    with pytest.raises(HarnessError, match="unknown image 'nope'; known images: a, b"):
        images.closure(["nope"])
    with pytest.raises(HarnessError, match="dependency cycle: a -> b -> a"):
        images.closure(["a"])


def test_hash_is_stable_and_follows_content(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    first = hash_inputs(ctx)
    assert first == hash_inputs(ctx)
    (ctx / "app.py").write_text("print('changed')\n")
    assert hash_inputs(ctx) != first


def test_hash_follows_file_names_modes_and_extra_inputs(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    first = hash_inputs(ctx, {"arg:BASE": "img@sha256:1"})
    assert hash_inputs(ctx, {"arg:BASE": "img@sha256:2"}) != first
    os.chmod(ctx / "app.py", 0o755)
    second = hash_inputs(ctx, {"arg:BASE": "img@sha256:1"})
    assert second != first
    (ctx / "app.py").rename(ctx / "main.py")
    assert hash_inputs(ctx, {"arg:BASE": "img@sha256:1"}) != second


def test_dockerignored_files_and_wheelhouse_do_not_count(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    (ctx / ".dockerignore").write_text("# only what is copied\n*\n!Dockerfile\n!app.py\n")
    first = hash_inputs(ctx)
    (ctx / "notes.txt").write_text("ignored\n")
    (ctx / ".wheels").mkdir()
    (ctx / ".wheels" / "x-1.0-py3-none-any.whl").write_bytes(b"wheel")
    assert hash_inputs(ctx) == first
    assert context_files(ctx) == [".dockerignore", "Dockerfile", "app.py"]


def test_wheelhouse_is_never_hashed_even_without_dockerignore(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    first = hash_inputs(ctx)
    (ctx / ".wheels").mkdir()
    (ctx / ".wheels" / "x-1.0-py3-none-any.whl").write_bytes(b"wheel")
    assert hash_inputs(ctx) == first
    assert ".wheels/x-1.0-py3-none-any.whl" not in context_files(ctx)


def test_pip_platform_arguments_target_cp311_manylinux() -> None:
    args = load_image_list().wheel_platform.pip_args()
    assert args[:6] == ["--python-version", "3.11", "--implementation", "cp", "--abi", "cp311"]
    platforms = [args[i + 1] for i, a in enumerate(args) if a == "--platform"]
    assert "manylinux2014_x86_64" in platforms
    assert all(p.endswith("x86_64") for p in platforms)


def test_bytecode_from_in_process_tests_does_not_count(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    first = hash_inputs(ctx)
    (ctx / "__pycache__").mkdir()
    (ctx / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\x00")
    (ctx / "stray.pyc").write_bytes(b"\x00")
    assert hash_inputs(ctx) == first
