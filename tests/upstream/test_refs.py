"""Building any ref: a ref's files from git (never the work tree), what its own files say about
its layout, and wheels pooled by hash. Real git repositories in a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from imagetest.core.errors import HarnessError
from imagetest.images import gitsource
from imagetest.images.reffacts import read_facts
from imagetest.images.upstream import _no_wheel
from imagetest.images.wheelpool import _missing, parse_pins
from tests.gitrepo import git, make_repo

PIN = "{name}=={version} \\\n    --hash=sha256:{digest}\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def test_a_ref_is_exported_without_touching_the_work_tree(repo: Path, tmp_path: Path) -> None:
    (repo / "a.txt").write_text("uncommitted\n")
    source = gitsource.checkout_ref(repo, "v1", tmp_path / "cache")
    assert (source.path / "a.txt").read_text() == "one\n"
    assert (repo / "a.txt").read_text() == "uncommitted\n"
    assert source.subject == "first" and source.date.startswith("2026-01-02")
    # the same tree again: the export is reused
    again = gitsource.checkout_ref(repo, source.commit, tmp_path / "cache")
    assert again.path == source.path and again.tree == source.tree


def test_a_bundle_is_cloned_once_and_its_branches_resolve(repo: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "r.bundle"
    git(repo, "bundle", "create", str(bundle), "--all")
    source = gitsource.checkout_ref(bundle, "main", tmp_path / "cache")
    assert (source.path / "a.txt").read_text() == "two\n"
    assert source.repo.name.endswith(".git")


def test_an_unknown_ref_names_itself_and_the_fix(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match=r"--ref nope: no such commit, branch or tag"):
        gitsource.checkout_ref(repo, "nope", tmp_path / "cache")


def test_a_branch_of_a_clone_is_found_under_origin(repo: Path, tmp_path: Path) -> None:
    git(repo, "branch", "release-x", "v1")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    source = gitsource.checkout_ref(clone, "release-x", tmp_path / "cache")
    assert (source.path / "a.txt").read_text() == "one\n"


DOCKERFILE_OLD = """FROM ubi
RUN python3.9 -m ensurepip && pip3.9 install supervisor==4.2.4 && supervisord -v
RUN pip3 install dumb-init
ENTRYPOINT ["/usr/local/bin/dumb-init", "--"]
"""
DOCKERFILE_NEW = """FROM ubi
# RUN pip3.9 install supervisor==4.2.4 (a comment is not an instruction)
ENTRYPOINT ["/venv/bin/dumb-init", \\
            "--"]
"""


def checkout(tmp_path: Path, dockerfile: str, pins: list[str]) -> Path:
    root = tmp_path / "checkout"
    (root / "docker").mkdir(parents=True)
    (root / "docker" / "Dockerfile.backend").write_text(dockerfile)
    text = "".join(PIN.format(name=n, version="1.0", digest="0" * 64) for n in pins)
    (root / "requirements-build.txt").write_text(text)
    return root


def test_an_old_ref_gets_supervisor_and_dumb_init_beside_venv(tmp_path: Path) -> None:
    facts = read_facts(checkout(tmp_path, DOCKERFILE_OLD, ["django"]), "requirements-build.txt")
    assert facts.side_tools == ("supervisor-4.2.4", "dumb-init")
    assert ("/side/bin/supervisord", "/usr/local/bin/supervisord") in facts.links
    assert ("/side/bin/dumb-init", "/usr/local/bin/dumb-init") in facts.links
    assert facts.entrypoint_line == 'ENTRYPOINT ["/usr/local/bin/dumb-init", "--"]'


def test_a_ref_that_pins_them_keeps_everything_in_venv(tmp_path: Path) -> None:
    root = checkout(tmp_path, DOCKERFILE_NEW, ["django", "supervisor", "dumb-init"])
    facts = read_facts(root, "requirements-build.txt")
    assert facts.side_tools == () and facts.links == ()
    assert facts.entrypoint == ("/venv/bin/dumb-init", "--")


def test_a_ref_with_no_supervisor_at_all_is_one_line(tmp_path: Path) -> None:
    root = checkout(tmp_path, DOCKERFILE_NEW, ["django", "dumb-init"])
    with pytest.raises(HarnessError, match="pins no supervisor"):
        read_facts(root, "requirements-build.txt")


def test_pins_keep_their_hashes_and_the_pool_finds_them_by_hash() -> None:
    text = (
        PIN.format(name="a", version="1", digest="1" * 64)
        + "    # via b\n"
        + PIN.format(name="b", version="2", digest="2" * 64)
        + 'c==3 ; python_version < "3.11" \\\n    --hash=sha256:' + "3" * 64 + "\n"
    )  # fmt: skip
    pins = parse_pins(text)
    assert [p.line.split("==")[0] for p in pins] == ["a", "b", "c"]
    assert pins[0].hashes == {"1" * 64} and not pins[0].conditional and pins[2].conditional
    missing = _missing(pins, {"1" * 64: "a-1.whl"})
    assert [p.line.split("==")[0] for p in missing] == ["b", "c"]


def test_a_pin_without_a_wheel_is_recognised_from_pips_words() -> None:
    words = "pip download failed: ERROR: No matching distribution found for Ansible-Base==2.10.17"
    assert _no_wheel(words) == "ansible-base"
    assert _no_wheel("pip download failed: ERROR: some other failure") == ""
