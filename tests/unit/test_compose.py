from __future__ import annotations

from imagetest.engine.compose import explain_failure


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


def test_missing_compose_v2_is_one_line(tmp_path, monkeypatch) -> None:
    import pytest

    from imagetest.core.errors import HarnessError
    from imagetest.engine import compose

    fake = tmp_path / "docker"
    fake.write_text("#!/bin/sh\necho \"docker: 'compose' is not a docker command.\" >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    compose.compose_version.cache_clear()
    try:
        with pytest.raises(HarnessError, match="Docker Compose v2 is missing"):
            compose.compose_version()
    finally:
        compose.compose_version.cache_clear()


def test_podman_refusals_name_their_fix() -> None:
    rlimit = (
        "Error response from daemon: runc: runc create failed: unable to start container "
        "process: error during container init: error setting rlimits for ready process: "
        "error setting rlimit type 7: operation not permitted: OCI permission denied"
    )
    message = explain_failure("up", rlimit)
    assert "default_ulimits" in message and "scripts/setup.sh --podman" in message
    init = "Error: container-init binary not found on the host: stat /usr/libexec/podman/catatonit"
    assert "apt-get install catatonit" in explain_failure("up", init)
    rootless = 'Error: /usr/bin/slirp4netns failed: "open(\\"/dev/net/tun\\"): Permission denied'
    assert "give the user /dev/net/tun" in explain_failure("up", rootless)
