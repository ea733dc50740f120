"""Who owns a stack: the harness process that started it, told apart from a later process
that got the same pid (its start time differs), or nobody (a stack kept on purpose).

Each stack's containers, network and volume carry the token as a label; the reaper
(stages/stack.reap) removes the stacks whose owner is gone, as testcontainers' reaper does.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

KEPT = "kept"  # `invoke up` and `--keep`: the stack outlives its process on purpose


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the name (field 2) may hold spaces and parentheses: count fields after the last ')'
    return stat.rsplit(")", 1)[1].split()[19]


def token(pid: int | None = None) -> str:
    """``host/pid/start`` of this process (or of ``pid``)."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()}/{pid}/{_start_ticks(pid) or '?'}"


def describe(owner: str) -> str:
    """A token as a user reads it: ``pid 123 on host``."""
    parts = owner.split("/")
    return f"pid {parts[1]} on {parts[0]}" if len(parts) == 3 else owner or "no owner"


def alive(owner: str) -> bool:
    """False only when the owner is certainly gone: same host, and no process with that pid
    and start time. A kept stack, another host or a token we cannot read count as alive."""
    parts = owner.split("/")
    if owner == KEPT or len(parts) != 3 or parts[0] != socket.gethostname():
        return True
    host_pid, start = parts[1], parts[2]
    if not host_pid.isdigit():
        return True
    if not Path("/proc/self/stat").exists():  # no /proc: only whether the pid exists
        try:
            os.kill(int(host_pid), 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True
        return True
    now = _start_ticks(int(host_pid))
    return now is not None and (start == "?" or now == start)
