"""`invoke upgrade`: the upgrade scenario (scenarios/upgrade-keeps-data.yaml) from image A to
image B, or from one ref of an automation-reports repository to another (both built)."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any

import docker

from imagetest.core.config import Config, make_artifacts_dir
from imagetest.core.errors import HarnessError, OptionError
from imagetest.core.log import get_logger
from imagetest.engine import dockerutil
from imagetest.images import gitsource, imageselect, registry, upstream
from imagetest.model.results import OK_STATUSES, SUMMARY_NAME, write_json
from imagetest.model.runstate import new_run_id
from imagetest.model.scenario import load_all
from imagetest.scenarios.report import render
from imagetest.scenarios.runner import run_all
from imagetest.scenarios.upgrade import build_ref

log = get_logger("upgrade")
UPGRADE_SCENARIO = "upgrade-keeps-data"


def images_of(config: Config) -> tuple[str, str]:
    """(A, B): the images given, or the two refs built on public bases."""
    if config.from_ref or config.ref:
        if not (config.from_ref and config.ref and config.context):
            raise OptionError(
                "--from-ref and --ref go together, with --context (a clone or bundle)"
            )
        if config.from_ref == config.ref:
            raise OptionError(f"--from-ref and --ref are both {config.ref}; an upgrade needs two")
        check_refs(config, [("--from-ref", config.from_ref), ("--ref", config.ref)])
        return build_ref(config, config.from_ref), build_ref(config, config.ref)
    if not config.from_image:
        raise OptionError(
            "upgrade needs --from-image A (with --image B, default the reference dashboard), "
            "or --from-ref A --ref B with --context"
        )
    target = config.image or imageselect.reference_image(config, dockerutil.client())
    return config.from_image, target


def check_refs(config: Config, refs: list[tuple[str, str]]) -> None:
    """Each ref exists in --context, before anything is built (the option named)."""
    repo = gitsource.open_repo(Path(str(config.context)), upstream.CACHE_DIR)
    for flag, ref in refs:
        try:
            gitsource.resolve(repo, ref)
        except HarnessError:
            raise OptionError(
                f"{flag} {ref}: no such commit, branch or tag in {config.context}"
            ) from None


def check_two_images(client: docker.DockerClient, config: Config, a: str, b: str) -> None:
    ids = [registry.ensure_image(client, ref, log=log.info, config=config).id for ref in (a, b)]
    if ids[0] == ids[1]:
        raise OptionError(
            f"--from-image {a} and --image {b} are the same image ({ids[0][:19]}); an upgrade "
            "needs two builds"
        )


def run_upgrade(config: Config) -> dict[str, Any]:
    """The upgrade scenario from A to B (or each step of --chain); the summary (printed, and
    in the artifacts)."""
    root = make_artifacts_dir(config.artifacts_dir(f"upgrade-{new_run_id()}"))
    if config.chain:
        return run_chain(config, root)
    a, b = images_of(config)
    summary = upgrade_once(config, a, b, root)
    print(render(summary))
    print(f"summary: {root / 'summary.json'}")
    if summary["exit_code"] != 0:
        row = summary["scenarios"][0]
        raise HarnessError(
            f"upgrade {a} -> {b} failed: {row.get('error') or row['status']}",
            exit_code=summary["exit_code"],
        )
    return summary


def upgrade_once(config: Config, a: str, b: str, root: Path) -> dict[str, Any]:
    check_two_images(dockerutil.client(), config, a, b)
    log.info("upgrade: %s -> %s (profile %s, AAP %s)", a, b, config.profile, config.aap_version)
    run = dataclasses.replace(config, image=a, upgrade_to=b)
    summary = run_all(load_all(only=[UPGRADE_SCENARIO]), run, 1, root)
    summary["upgrade"] = {"from": a, "to": b}
    write_json(root / SUMMARY_NAME, summary)
    return summary


def chain_steps(refs: list[str]) -> list[tuple[str, str]]:
    """Each ref to the next, then the first straight to the last (when that is a new pair)."""
    steps = list(itertools.pairwise(refs))
    if len(refs) > 2:
        steps.append((refs[0], refs[-1]))
    return steps


def run_chain(config: Config, root: Path) -> dict[str, Any]:
    refs = [r.strip() for r in str(config.chain).split(",") if r.strip()]
    if len(refs) < 2 or not config.context:
        raise OptionError("--chain needs two refs or more (A,B,...) and --context")
    check_refs(config, [("--chain", ref) for ref in refs])
    images = {ref: build_ref(config, ref) for ref in refs}
    rows = []
    for n, (old, new) in enumerate(chain_steps(refs), 1):
        summary = upgrade_once(config, images[old], images[new], root / f"{n:02d}")
        result = summary["scenarios"][0]
        rows.append({"from": old, "to": new, "status": result["status"],
                     "seconds": result["seconds"], "error": result.get("error") or ""})  # fmt: skip
    table = chain_markdown(rows, config)
    (root / "upgrades.md").write_text(table)
    print(table)
    failed = [r for r in rows if r["status"] not in OK_STATUSES]
    summary = {"chain": refs, "steps": rows, "exit_code": 1 if failed else 0}
    write_json(root / SUMMARY_NAME, summary)
    if failed:
        names = ", ".join(f"{r['from']} -> {r['to']}" for r in failed)
        raise HarnessError(f"upgrade(s) failed: {names}; see {root / 'upgrades.md'}", exit_code=1)
    return summary


def chain_markdown(rows: list[dict[str, Any]], config: Config) -> str:
    lines = [
        f"### Upgrades on {Path(str(config.context)).name} (profile {config.profile}, AAP "
        f"{config.aap_version})",
        "",
        "| from | to | result | seconds | error |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        mark = "✅ pass" if r["status"] in OK_STATUSES else f"❌ {r['status']}"
        error = " ".join(str(r["error"]).split())[:160].replace("|", "\\|")
        lines.append(f"| {r['from']} | {r['to']} | {mark} | {r['seconds']:.0f} | {error} |")
    return "\n".join(lines) + "\n"
