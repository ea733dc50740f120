from __future__ import annotations

import socket

import pytest

from imagetest.errors import HarnessError
from imagetest.runstate import PORT_NAMES, choose_ports, free_port


def test_ports_are_distinct_and_free() -> None:
    ports = choose_ports(env={})
    assert set(ports) == set(PORT_NAMES)
    assert len(set(ports.values())) == len(PORT_NAMES)
    for port in ports.values():
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_pinned_port() -> None:
    port = free_port()
    assert choose_ports(env={"IMAGETEST_WEB_PORT": str(port)})["web"] == port


def test_port_in_use_is_one_clear_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(HarnessError, match=rf"port {port} on 127.0.0.1 \(db\) is in use"):
            choose_ports(env={"IMAGETEST_DB_PORT": str(port)})


def test_bad_pinned_port() -> None:
    with pytest.raises(HarnessError, match="is not a port"):
        choose_ports(env={"IMAGETEST_AAP_PORT": "http"})
