"""Emulator settings from command-line options with environment fallbacks."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

VERSIONS = ("2.4", "2.5", "2.6")
N = TypeVar("N", int, float)
# AAP's own access-token lifetimes (expires_in of the recorded refresh responses).
DEFAULT_TOKEN_LIFETIME = {"2.4": 31536000000, "2.5": 31536000, "2.6": 31536000}


def utc_now() -> datetime:
    return datetime.now(UTC)


# How long an idle client connection stays open: AWX's nginx.conf sets keepalive_timeout 65;
# uvicorn's default of 5 s closed connections under awxkit, which reuses one between polls.
KEEP_ALIVE_SECONDS = 65


@dataclass
class Settings:
    aap_version: str = "2.6"
    admin_password: str = "password"
    host: str = "127.0.0.1"
    port: int = 8080
    job_seconds: float = 0.3
    token_lifetime: int | None = None
    synthetic_jobs: int = 0
    # The test-only control surface under /_imagetest/ (faults, token expiry, state edits).
    control: bool = False
    # Injected by tests to drive job state without sleeping.
    clock: Callable[[], datetime] = field(default=utc_now, repr=False)

    def __post_init__(self) -> None:
        if self.aap_version not in VERSIONS:
            raise ValueError(f"unsupported AAP version {self.aap_version!r}; use one of {VERSIONS}")
        if self.job_seconds < 0:
            raise ValueError("job seconds must be >= 0")
        if self.synthetic_jobs < 0:
            raise ValueError("synthetic jobs must be >= 0")
        if self.token_lifetime is not None and self.token_lifetime <= 0:
            raise ValueError("token lifetime must be > 0 seconds")

    @property
    def gateway(self) -> bool:
        return self.aap_version != "2.4"

    @property
    def access_token_seconds(self) -> int:
        if self.token_lifetime is not None:
            return self.token_lifetime
        return DEFAULT_TOKEN_LIFETIME[self.aap_version]


def _env(name: str, default: str | None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_number(name: str, kind: Callable[[str], N], default: N | None) -> N | None:
    """An AAPSIM_* number for an option's default; unset or empty gives `default`."""
    value = _env(name, None)
    return kind(value) if value is not None else default


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    """Options win over AAPSIM_* environment variables, which win over defaults."""
    parser = argparse.ArgumentParser(prog="python -m aapsim", description=__doc__)
    parser.add_argument(
        "--aap-version", choices=VERSIONS, default=_env("AAPSIM_AAP_VERSION", "2.6")
    )
    parser.add_argument("--host", default=_env("AAPSIM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=_env_number("AAPSIM_PORT", int, 8080))
    parser.add_argument(
        "--admin-password",
        default=_env("AAPSIM_ADMIN_PASSWORD", None),
        help="password of the 'admin' user (env AAPSIM_ADMIN_PASSWORD)",
    )
    parser.add_argument(
        "--job-seconds",
        type=float,
        default=_env_number("AAPSIM_JOB_SECONDS", float, 0.3),
        help="run time of a launched job and of a project update",
    )
    parser.add_argument(
        "--token-lifetime",
        type=int,
        default=_env_number("AAPSIM_TOKEN_LIFETIME", int, None),
        help="access-token lifetime in seconds (default: AAP's own per version)",
    )
    parser.add_argument(
        "--synthetic-jobs",
        type=int,
        default=_env_number("AAPSIM_SYNTHETIC_JOBS", int, 0),
        help="preload this many finished jobs for scale tests",
    )
    parser.add_argument(
        "--control",
        action="store_true",
        default=_env("AAPSIM_CONTROL", "0") not in ("0", "false", "no"),
        help="serve the test control surface under /_imagetest/ (env AAPSIM_CONTROL=1)",
    )
    args = parser.parse_args(argv)
    if not args.admin_password:
        parser.error(
            "an admin password is required: pass --admin-password or set AAPSIM_ADMIN_PASSWORD"
        )
    try:
        return Settings(
            aap_version=args.aap_version,
            admin_password=args.admin_password,
            host=args.host,
            port=args.port,
            job_seconds=args.job_seconds,
            token_lifetime=args.token_lifetime,
            synthetic_jobs=args.synthetic_jobs,
            control=args.control,
        )
    except ValueError as exc:
        parser.error(str(exc))
        raise  # unreachable: parser.error exits
