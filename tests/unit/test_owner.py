"""Who owns a stack: a live process, one that is gone, one whose pid was reused."""

from __future__ import annotations

import socket
import subprocess
import sys

from imagetest.core import owner


def test_this_process_is_alive_and_a_finished_one_is_not() -> None:
    assert owner.alive(owner.token())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    token = owner.token(child.pid)
    child.wait()
    assert not owner.alive(token)


def test_a_reused_pid_is_not_the_owner() -> None:
    host, pid, _start = owner.token().split("/")
    assert not owner.alive(f"{host}/{pid}/1")


def test_kept_stacks_other_hosts_and_odd_tokens_count_as_alive() -> None:
    for token in (owner.KEPT, "elsewhere/1/1", "", "a/b", f"{socket.gethostname()}/x/1"):
        assert owner.alive(token), token


def test_describe_names_the_pid_and_host() -> None:
    assert owner.describe("vm/42/777") == "pid 42 on vm"
