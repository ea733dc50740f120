"""After `compose up --wait` returns, the harness checks the services itself (no Docker: the
engine's container list is a stand-in, the decision is what is tested)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from imagetest.core.errors import HarnessError
from imagetest.model.runstate import RunState, StackSpec
from imagetest.stages.bringup import check_ready


class FakeContainer:
    def __init__(self, service: str, state: dict[str, Any], log: bytes = b"") -> None:
        self.name = service
        self.labels = {"com.docker.compose.service": service}
        self.attrs = {"State": state}
        self.log = log

    def logs(self, tail: int) -> bytes:
        return self.log


class FakeClient:
    def __init__(self, containers: list[FakeContainer]) -> None:
        self.containers = self
        self.found = containers

    def list(self, **_: Any) -> list[FakeContainer]:
        return self.found


def healthy(service: str) -> FakeContainer:
    return FakeContainer(service, {"Status": "running", "Health": {"Status": "healthy"}})


def state(tmp_path: Path) -> RunState:
    spec = StackSpec(aap_version="2.6", profile="reference")
    return RunState(run_id="r1", project="imagetest-r1", ports={}, stack=spec, root=tmp_path)


def test_all_healthy_and_a_finished_one_shot_pass(tmp_path: Path) -> None:
    migrate = FakeContainer("migrate", {"Status": "exited", "ExitCode": 0})
    client = FakeClient([healthy("db"), healthy("web"), migrate])
    check_ready(client, state(tmp_path), 8)  # type: ignore[arg-type]


def test_a_service_still_starting_fails_naming_it(tmp_path: Path) -> None:
    web = FakeContainer(
        "web",
        {
            "Status": "running",
            "Health": {"Status": "starting", "Log": [{"ExitCode": 1, "Output": ""}]},
        },
        log=b"imagetest-hanging-web\n",
    )
    client = FakeClient([healthy("db"), web])
    with pytest.raises(HarnessError) as info:
        check_ready(client, state(tmp_path), 8)  # type: ignore[arg-type]
    message = str(info.value)
    assert message.startswith(
        "bring-up failed: service web never became healthy within 8 s "
        "(health starting; last check exit 1: no output)"
    )
    assert "  | imagetest-hanging-web" in message


def test_the_first_service_of_the_stack_is_named(tmp_path: Path) -> None:
    """Several services not healthy: the one the others wait for is the cause, whatever order
    the engine lists them in (seen on a loaded host: task listed before web)."""
    starting = {"Status": "running", "Health": {"Status": "starting", "Log": []}}
    client = FakeClient([FakeContainer("task", starting), FakeContainer("web", starting)])
    with pytest.raises(HarnessError, match="service web never became healthy within 8 s"):
        check_ready(client, state(tmp_path), 8)  # type: ignore[arg-type]
