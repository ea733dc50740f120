"""What one ref's own files say about how its image is put together.

The recipe (images/upstream/Dockerfile) keeps the final layout of the newest refs. Older refs
differ in three ways that change what runs, each read from the ref's docker/Dockerfile.backend
and requirements-build.txt rather than from a list of dates:
  - supervisor: pinned in /venv (2026-04 on), or installed beside it with a second Python and
    on PATH (`pip3.9 install supervisor==4.2.4`);
  - dumb-init: pinned in /venv, or `pip3 install dumb-init` for /usr/local/bin;
  - the ENTRYPOINT: /venv/bin/dumb-init or /usr/local/bin/dumb-init.
Whatever the ref put beside /venv goes into /side (tools/*.txt, hashed) with the same links.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from imagetest.core.errors import HarnessError
from imagetest.images.wheelpool import parse_pins

DOCKERFILE = "docker/Dockerfile.backend"
USR_LOCAL = "/usr/local/bin"
SUPERVISOR_PROGRAMS = ("supervisord", "supervisorctl", "pidproxy", "echo_supervisord_conf")
_SUPERVISOR = re.compile(r"supervisor==([0-9][0-9.]*)")


@dataclass(frozen=True)
class RefFacts:
    entrypoint: tuple[str, ...]
    pinned: frozenset[str]
    side_tools: tuple[str, ...]  # tools/<name>.txt files installed into /side
    links: tuple[tuple[str, str], ...]  # (program, link on PATH)

    @property
    def entrypoint_line(self) -> str:
        return "ENTRYPOINT " + json.dumps(list(self.entrypoint)).replace('","', '", "')

    def summary(self) -> str:
        supervisor = "/venv" if "supervisor" in self.pinned else "beside /venv, on PATH"
        return f"supervisor {supervisor}; entrypoint {' '.join(self.entrypoint)}"


def pinned_names(requirements: str) -> frozenset[str]:
    names = set()
    for pin in parse_pins(requirements):
        names.add(re.split(r"[=\[<>~; ]", pin.line, maxsplit=1)[0].strip().lower())
    return frozenset(names)


def _instructions(dockerfile: str) -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    lines = (ln.strip() for ln in joined.splitlines())
    return [ln for ln in lines if ln and not ln.startswith("#")]


def read_facts(checkout: Path, requirements: str) -> RefFacts:
    dockerfile = checkout / DOCKERFILE
    instructions = _instructions(dockerfile.read_text())
    pinned = pinned_names((checkout / requirements).read_text())
    entry = [ln for ln in instructions if ln.upper().startswith("ENTRYPOINT ")]
    try:
        entrypoint = tuple(json.loads(entry[-1].split(None, 1)[1]))
    except (IndexError, ValueError):
        raise HarnessError(f"{DOCKERFILE} of the ref has no ENTRYPOINT in exec form") from None
    side: list[str] = []
    links: list[tuple[str, str]] = []
    if "supervisor" not in pinned:
        found = [m for ln in instructions for m in _SUPERVISOR.findall(ln)]
        if not found:
            raise HarnessError(
                f"the ref pins no supervisor and {DOCKERFILE} installs none; the web role "
                "cannot start"
            )
        side.append(f"supervisor-{found[-1]}")
        links += [(f"/side/bin/{p}", f"{USR_LOCAL}/{p}") for p in SUPERVISOR_PROGRAMS]
    init = entrypoint[0] if entrypoint else ""
    if Path(init).name != "dumb-init":
        raise HarnessError(
            f"{DOCKERFILE}: ENTRYPOINT {init!r} is not dumb-init; the recipe knows no other"
        )
    if "dumb-init" not in pinned:
        side.append("dumb-init")
    if init.startswith(USR_LOCAL + "/"):
        source = "/venv/bin/dumb-init" if "dumb-init" in pinned else "/side/bin/dumb-init"
        links.append((source, init))
    elif "dumb-init" not in pinned:
        raise HarnessError(f"{DOCKERFILE}: ENTRYPOINT {init} but the ref pins no dumb-init")
    return RefFacts(entrypoint, pinned, tuple(side), tuple(links))
