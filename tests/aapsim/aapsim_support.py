"""Helpers shared by the emulator tests (clock, live server, constants)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aapsim.app import create_app
from aapsim.settings import Settings

from tests.live_aapsim import LiveAapsim

PASSWORD = "s3cret-admin"
VERSIONS = ["2.4", "2.5", "2.6"]


class Clock:
    """A clock tests move by hand, so job states change without sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def api_root(version: str) -> str:
    return "/api/v2/" if version == "2.4" else "/api/controller/v2/"


class LiveServer(LiveAapsim):
    """The emulator with these settings, served over real HTTP."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(create_app(settings))
