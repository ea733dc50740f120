"""A stand-in for receptor's control socket, enough for one AWX node to run its own jobs.

Receptor is a Go program with no build path here; AWX talks to it through receptorctl over a
Unix socket, one command per connection: a greeting line, a command line, then JSON lines
(or a raw stream for `work results`). A submitted unit runs `ansible-runner worker` locally,
as receptor's `local` work command would, without a container: the execution environment's
image and mounts are dropped from the job's transmitted settings.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO

# receptor's work unit states, by number and name
PENDING, RUNNING, SUCCEEDED, FAILED, CANCELED = range(5)
STATE_NAMES = ("Pending", "Running", "Succeeded", "Failed", "Canceled")
# settings that would start the job in a container
CONTAINER_KWARGS = (
    "container_image",
    "container_options",
    "container_volume_mounts",
    "container_auth_data",
    "process_isolation_executable",
)


@dataclass
class Unit:
    unit_id: str
    worktype: str
    workdir: str
    proc: subprocess.Popen[bytes] | None = None
    canceled: bool = False
    started: float = field(default_factory=time.time)

    @property
    def stdout_path(self) -> str:
        return os.path.join(self.workdir, "stdout")

    def state(self) -> int:
        if self.canceled:
            return CANCELED
        if self.proc is None:
            return PENDING
        code = self.proc.poll()
        if code is None:
            return RUNNING
        return SUCCEEDED if code == 0 else FAILED

    def status(self) -> dict[str, object]:
        state = self.state()
        code = self.proc.poll() if self.proc else None
        size = os.path.getsize(self.stdout_path) if os.path.exists(self.stdout_path) else 0
        return {
            "State": state,
            "StateName": STATE_NAMES[state],
            "Detail": "Running" if code is None else f"exit status {code}",
            "StdoutSize": size,
            "WorkType": self.worktype,
            "ExtraData": None,
        }

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()


class Node:
    """The work units of this node and how they are run."""

    def __init__(self, name: str, runner: str, units_dir: str) -> None:
        self.name = name
        self.runner = runner
        self.units_dir = units_dir
        self.units: dict[str, Unit] = {}
        self.lock = threading.Lock()

    def get(self, unit_id: str) -> Unit | None:
        with self.lock:
            return self.units.get(unit_id)

    def new_unit(self, worktype: str) -> Unit:
        unit_id = uuid.uuid4().hex[:8]
        workdir = os.path.join(self.units_dir, unit_id)
        os.makedirs(workdir)
        unit = Unit(unit_id, worktype, workdir)
        with self.lock:
            self.units[unit_id] = unit
        return unit

    def release(self, unit_id: str) -> None:
        with self.lock:
            unit = self.units.pop(unit_id, None)
        if unit is not None:
            unit.stop()

    def start(self, unit: Unit, params: str, payload: bytes) -> None:
        argv = [self.runner, "worker", *shlex.split(params)]
        path = os.path.dirname(self.runner) + os.pathsep + os.environ.get("PATH", "")
        with (
            open(unit.stdout_path, "wb") as out,
            open(os.path.join(unit.workdir, "stderr"), "wb") as err,
        ):
            env = {**os.environ, "PATH": path}
            unit.proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=out, stderr=err, env=env
            )
        assert unit.proc.stdin is not None
        unit.proc.stdin.write(payload)
        unit.proc.stdin.close()

    def status(self) -> dict[str, object]:
        now = datetime.now(UTC).isoformat()
        work = [{"WorkType": kind, "Secure": False} for kind in ("local", "ansible-runner")]
        return {
            "NodeID": self.name,
            "SystemCPUCount": os.cpu_count(),
            "Version": "imagetest-standin",
            "Connections": [],
            "RoutingTable": {},
            "KnownConnectionCosts": {},
            "Advertisements": [
                {"NodeID": self.name, "Time": now, "ConnectionCost": 1, "WorkCommands": work}
            ],
        }


def without_container(payload: bytes) -> bytes:
    """The transmitted job with its container settings dropped: it runs in this process tree."""
    header, _, rest = payload.partition(b"\n")
    data = json.loads(header)
    kwargs = data.setdefault("kwargs", {})
    for key in CONTAINER_KWARGS:
        kwargs.pop(key, None)
    kwargs["process_isolation"] = False
    return json.dumps(data).encode() + b"\n" + rest


class Control(socketserver.StreamRequestHandler):
    node: Node

    def send(self, text: str | bytes) -> None:
        self.wfile.write(text.encode() if isinstance(text, str) else text)
        self.wfile.flush()

    def send_json(self, data: object) -> None:
        self.send(json.dumps(data) + "\n")

    def handle(self) -> None:
        self.send(f"Receptor Control, node {self.node.name}\n")
        line = self.rfile.readline().decode().strip()
        if line.startswith("{"):
            self.submit(json.loads(line))
        elif line == "status":
            self.send_json(self.node.status())
        elif line == "reload":
            self.send_json({})
        elif line == "work list":
            with self.node.lock:
                units = dict(self.node.units)
            self.send_json({uid: unit.status() for uid, unit in units.items()})
        elif line.startswith("work "):
            self.work(line.split())
        else:
            self.send(f"ERROR: unknown command {line[:60]}\n")

    def work(self, words: list[str]) -> None:
        if len(words) < 3:
            self.send("ERROR: work needs a subcommand and a unit id\n")
            return
        verb, unit_id = words[1], words[2]
        unit = self.node.get(unit_id)
        if unit is None:
            self.send(f"ERROR: unknown work unit {unit_id}\n")
        elif verb == "status":
            self.send_json(unit.status())
        elif verb == "cancel":
            unit.canceled = True
            unit.stop()
            self.send_json({"cancelled": unit_id})
        elif verb in ("release", "force-release"):
            self.node.release(unit_id)
            self.send_json({"released": unit_id})
        elif verb == "results":
            self.stream(unit, int(words[3]) if len(words) > 3 else 0)
        else:
            self.send(f"ERROR: unknown work subcommand {verb}\n")

    def submit(self, command: dict[str, str]) -> None:
        unit = self.node.new_unit(command.get("worktype", "local"))
        self.send(f"Work unit created with ID {unit.unit_id}. Send stdin data and EOF.\n")
        payload = self.rfile.read()  # until receptorctl shuts its side down
        try:
            self.node.start(unit, command.get("params", ""), without_container(payload))
        except (OSError, ValueError) as exc:
            self.node.release(unit.unit_id)
            self.send(f"ERROR: could not start work unit: {exc}\n")
            return
        print(f"receptor: unit {unit.unit_id} started ({unit.worktype})", file=sys.stderr)
        self.send_json({"result": "Job Started", "unitid": unit.unit_id})

    def stream(self, unit: Unit, offset: int) -> None:
        self.send(f"Streaming results for work unit {unit.unit_id}\n")
        with open(unit.stdout_path, "rb") as out:
            out.seek(offset)
            while True:
                done = unit.state() != RUNNING
                if not copy_available(out, self.wfile) and done:
                    return
                if not done:
                    time.sleep(0.1)


def copy_available(source: BinaryIO, sink: BinaryIO) -> bool:
    """Copy what `source` holds now; True if anything was copied."""
    copied = False
    while chunk := source.read(65536):
        sink.write(chunk)
        copied = True
    sink.flush()
    return copied


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True)
    parser.add_argument("--node", required=True)
    parser.add_argument("--runner", required=True, help="ansible-runner of the job venv")
    parser.add_argument("--units", required=True, help="directory for the units' output")
    args = parser.parse_args()
    os.makedirs(args.units, exist_ok=True)
    if os.path.exists(args.socket):
        os.unlink(args.socket)
    Control.node = Node(args.node, args.runner, args.units)
    server = Server(args.socket, Control)
    os.chmod(args.socket, 0o660)
    print(f"receptor: control socket {args.socket}, node {args.node}", file=sys.stderr)
    server.serve_forever()


if __name__ == "__main__":
    main()
