"""`invoke upgrade`: the upgrade scenario (scenarios/upgrade-keeps-data.yaml) from image A to
image B, or from one ref of an automation-reports repository to another (both built)."""

from __future__ import annotations

import dataclasses
from typing import Any

import docker

from imagetest.core.config import Config, make_artifacts_dir
from imagetest.core.errors import HarnessError, OptionError
from imagetest.core.log import get_logger
from imagetest.engine import dockerutil
from imagetest.images import imageselect, registry
from imagetest.model.runstate import new_run_id
from imagetest.scenarios.model import load_all
from imagetest.scenarios.report import render
from imagetest.scenarios.runner import run_all

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
        return build_ref(config, config.from_ref), build_ref(config, config.ref)
    if not config.from_image:
        raise OptionError(
            "upgrade needs --from-image A (with --image B, default the reference dashboard), "
            "or --from-ref A --ref B with --context"
        )
    target = config.image or imageselect.reference_image(config, dockerutil.client())
    return config.from_image, target


def build_ref(config: Config, ref: str) -> str:
    log.info("building %s of %s", ref, config.context)
    wanted = dataclasses.replace(config, ref=ref, public_base=True, image=None)
    return imageselect.build_dashboard(wanted)


def check_two_images(client: docker.DockerClient, config: Config, a: str, b: str) -> None:
    ids = [registry.ensure_image(client, ref, log=log.info, config=config).id for ref in (a, b)]
    if ids[0] == ids[1]:
        raise OptionError(
            f"--from-image {a} and --image {b} are the same image ({ids[0][:19]}); an upgrade "
            "needs two builds"
        )


def run_upgrade(config: Config) -> dict[str, Any]:
    """The upgrade scenario from A to B; its summary (printed, and in the artifacts)."""
    root = make_artifacts_dir(config.artifacts_dir(f"upgrade-{new_run_id()}"))
    a, b = images_of(config)
    check_two_images(dockerutil.client(), config, a, b)
    log.info("upgrade: %s -> %s (profile %s, AAP %s)", a, b, config.profile, config.aap_version)
    run = dataclasses.replace(config, image=a, upgrade_to=b)
    summary = run_all(load_all(only=[UPGRADE_SCENARIO]), run, 1, root)
    summary["upgrade"] = {"from": a, "to": b}
    print(render(summary))
    print(f"summary: {root / 'summary.json'}")
    if summary["exit_code"] != 0:
        row = summary["scenarios"][0]
        raise HarnessError(
            f"upgrade {a} -> {b} failed: {row.get('error') or row['status']}",
            exit_code=summary["exit_code"],
        )
    return summary
