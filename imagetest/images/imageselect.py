"""Which image runs as what: the one place where image references are resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import docker

from imagetest import images
from imagetest.core.config import Config
from imagetest.core.errors import HarnessError, OptionError
from imagetest.core.log import get_logger
from imagetest.engine import dockerutil
from imagetest.images import registry, upstream
from imagetest.images.imagespec import ImageSpec, choose_platform, hash_inputs

log = get_logger("images")
DASHBOARD = "dashboard"
STACK_IMAGES = ("postgres", "redis")
EMULATOR = "aapsim"
AWX = "awx"
CUSTOM_BUILD_TAG = "localhost/imagetest/dashboard:context"


@dataclass
class ResolvedImages:
    """Compose variables (POSTGRES_IMAGE, ...) plus what the summary says about the image."""

    env: dict[str, str] = field(default_factory=dict)
    image: str = ""
    image_id: str = ""
    digest: str | None = None


def needed_images(config: Config) -> list[str]:
    names = list(STACK_IMAGES)
    if config.real_awx:
        names.append(AWX)
    elif not config.external_aap:
        names.append(EMULATOR)
    if not config.image:
        names.append(DASHBOARD)
    return names


def resolve_images(config: Config, client: docker.DockerClient) -> ResolvedImages:
    """Make the stack's images exist (warm: nothing to do) and pin the image under test."""
    results = images.ensure_images(
        needed_images(config), config=config, client=client, out=log.info
    )
    wanted = {n: r for n, r in results.items() if n in needed_images(config)}
    env = images.compose_env(wanted)
    ref = config.image or env["DASHBOARD_IMAGE"]
    if config.offline and registry.local_image(client, ref) is None:
        raise HarnessError(
            f"image {ref} is not present locally and --offline never pulls: load or build it "
            "(`docker load`, `invoke build --context DIR --image TAG`) or drop --offline",
        )
    under_test = registry.ensure_image(client, ref, log=log.info, config=config)
    env["DASHBOARD_IMAGE"] = ref
    if config.platform:
        check_architecture(client, ref, config.platform)
        env["DOCKER_DEFAULT_PLATFORM"] = config.platform  # Compose creates for it
    return ResolvedImages(env=env, image=ref, image_id=under_test.id, digest=under_test.digest)


def check_architecture(client: docker.DockerClient, ref: str, platform: str) -> None:
    """The image under test is built for --platform (an amd64 image under an arm64 flag
    would run natively and prove nothing about arm64)."""
    found = str(client.images.get(ref).attrs.get("Architecture") or "?")
    wanted = choose_platform(platform).arch
    if found != wanted:
        raise HarnessError(
            f"image {ref} is built for {found}, not {wanted} (--platform {platform}): build "
            f"it for the platform (invoke build ... --platform {platform}) or drop --platform"
        )


def reference_image(config: Config, client: docker.DockerClient) -> str:
    """The reference dashboard's tag, built if missing."""
    built = images.ensure_images([DASHBOARD], config=config, client=client, out=log.info)
    return built[DASHBOARD].tag


def build_dashboard(config: Config) -> str:
    """`invoke build`: the reference images, or a dashboard image from --context."""
    if (config.public_base or config.ref) and not config.context:
        raise OptionError(
            "--public-base and --ref need --context (an automation-reports checkout or bundle)"
        )
    client = dockerutil.client()  # after the options: a mistake is named before the engine
    if not config.context:
        aap = AWX if config.real_awx else EMULATOR
        results = images.ensure_images([DASHBOARD, aap], config=config, client=client, out=log.info)
        for name, result in results.items():
            log.info("image %s: %s (%s)", name, result.tag, result.action)
        return results[DASHBOARD].tag
    context = Path(config.context)
    if config.public_base:
        return upstream.build_public_base(
            context,
            config.image,
            client=client,
            config=config,
            ref=config.ref,
            frontend=not config.no_frontend,
            out=log.info,
        )
    if config.no_frontend:
        raise HarnessError("--no-frontend goes with --public-base")
    if config.ref:
        raise HarnessError("--ref goes with --public-base (the recipe that adapts to each ref)")
    dockerfile = Path(config.dockerfile) if config.dockerfile else context / "Dockerfile"
    if not dockerfile.is_file():
        raise HarnessError(f"no Dockerfile at {dockerfile}; pass --dockerfile")
    tag = config.image or CUSTOM_BUILD_TAG
    spec = ImageSpec(
        name="context", tag=tag, context=context.resolve(), custom_dockerfile=dockerfile.resolve()
    )
    # the same builder as the images stage: streamed, every read bounded by the client's timeout
    inputs = hash_inputs(spec.context, {"dockerfile": dockerfile.read_text(errors="replace")})
    log.info("building %s from %s", tag, context)
    images.build_docker_image(client, spec, inputs, {}, log.info)
    log.info("built %s; test it with --image %s", tag, tag)
    return tag
