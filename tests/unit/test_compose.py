from __future__ import annotations

from imagetest.compose import explain_failure


def test_exited_container_names_its_log() -> None:
    output = (
        "Container x Waiting\n"
        "dependency failed to start: container imagetest-20261126-085644-54e2b1-web-1 exited (3)"
    )
    message = explain_failure("up", output)
    assert message.startswith("docker compose up: a container exited (")
    assert message.endswith("; see containers/web.log in the artifacts")


def test_port_in_use() -> None:
    output = (
        "Error response from daemon: ... Bind for 127.0.0.1:5432 failed: port is already allocated"
    )
    assert "a published port is in use" in explain_failure("up", output)


def test_unknown_failure_keeps_the_last_line() -> None:
    assert (
        explain_failure("down", "a\nsomething odd\n") == "docker compose down failed: something odd"
    )
