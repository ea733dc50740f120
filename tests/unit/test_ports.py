from __future__ import annotations

import socket

import pytest

from imagetest.core.config import resolve_config
from imagetest.core.errors import HarnessError
from imagetest.model.runstate import PORT_NAMES, choose_ports, free_port


def test_ports_are_distinct_and_free() -> None:
    ports = choose_ports({})
    assert set(ports) == set(PORT_NAMES)
    assert len(set(ports.values())) == len(PORT_NAMES)
    for port in ports.values():
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_pinned_port() -> None:
    port = free_port()
    assert choose_ports({"web": port})["web"] == port


def test_port_in_use_is_one_clear_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(HarnessError, match=rf"port {port} on 127.0.0.1 \(db\) is in use"):
            choose_ports({"db": port})


def test_bad_pinned_port() -> None:
    with pytest.raises(HarnessError, match="IMAGETEST_AAP_PORT: 'http' is not a port"):
        resolve_config({}, env={"IMAGETEST_AAP_PORT": "http"})
    with pytest.raises(HarnessError, match=r"imagetest\.aap_port: 70000 is not a port"):
        resolve_config({}, env={}, file_config={"aap_port": 70000})


def test_pinned_ports_come_from_the_options() -> None:
    config = resolve_config({}, env={"IMAGETEST_WEB_PORT": "8123"}, file_config={"db_port": 5999})
    assert config.ports() == {"web": 8123, "db": 5999}
