"""Every task with a malformed value for each of its options, each case in a forked copy of
one process that has imported the tasks (a fresh `python -m invoke` per case would cost a
second each). Prints one JSON line per case: task, flag, value, exit code, stderr.

Run by tests/faults/test_option_walk.py with no Docker engine reachable, so a value the
harness would only notice at an engine cannot start anything.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from invoke import Collection, Program

import tasks
from imagetest.core.config import option_fields

# a path that does not exist; the test checks that no case created it
MISSING = os.environ.get("WALK_MISSING", "/nonexistent/imagetest-walk")
# The flags a task cannot start without, so that the flag under test is what it judges.
REQUIRED = {
    "history": {"context": ".", "refs": "HEAD"},
    "bisect": {"context": ".", "good": "HEAD", "bad": "HEAD", "scenario": "plain-test-image"},
    "upgrade": {"from-image": "localhost/imagetest/walk:a"},
}
# Malformed values by the kind of option; a flag takes those of its kind and of its name.
BY_KIND = {"int": ["abc", "-3", "1.5"], "float": ["abc", "nan", "-1"]}
BY_NAME = {
    "image": ["bad::tag", "Upper/Case:tag", "x" * 300],
    "from_image": ["bad::tag"],
    "from_ref": ["no-such-ref-x"],
    "aap_version": ["9.9", "two"],
    "aap_versions": ["2.6,9.9", ","],
    "aap_url": ["not a url", "ftp://x", "http://"],
    "artifacts": ["/proc/imagetest-walk"],
    "expected": [MISSING, "/etc/hostname"],
    "profile": ["no-such-profile", MISSING],
    "context": [MISSING],
    "dockerfile": [MISSING],
    "ref": ["no-such-ref-x"],
    "refs": ["no-such-ref-x..main"],
    "good": ["no-such-ref-x"],
    "bad": ["no-such-ref-x"],
    "scenario": ["no-such-scenario"],
    "only": ["no-such-scenario"],
    "service": ["no-such-service"],
    "run_id": ["../../etc"],
    "record": [MISSING + "/history.md"],
    "worker_of": [MISSING],
}
# Free text: any value is well-formed (a user name, a password, a platform string is the
# engine's to judge); the walk still runs them and asserts a clean end.
FREE = {"aap_username", "aap_password"}


def cases() -> Iterator[tuple[str, str, str]]:
    kinds = {f.name: str(f.type) for f in option_fields()}
    for _, task in sorted(vars(tasks).items()):
        if not (hasattr(task, "body") and hasattr(task, "name")):
            continue
        for param, default in inspect.signature(task.body).parameters.items():
            if param == "c" or isinstance(default.default, bool):
                continue
            kind = next((k for k in BY_KIND if k in kinds.get(param, "")), "")
            values = [*BY_KIND.get(kind, []), *BY_NAME.get(param, [])]
            if not values and param not in FREE:
                values = ["\x00bad"]
            for value in values:
                yield task.name, param.replace("_", "-"), value


def run_case(program: Program, argv: list[str]) -> tuple[int, str]:
    read_err, write_err = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: stdout/stderr into the pipe, stdin closed, then invoke
        os.close(read_err)
        os.dup2(write_err, 1)
        os.dup2(write_err, 2)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        code = 0
        try:
            program.run(["invoke", *argv])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:
            sys.stderr.write(f"Traceback (escaped the task): {exc!r}\n")
            code = 99
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    os.close(write_err)
    chunks = []
    while chunk := os.read(read_err, 65536):
        chunks.append(chunk)
    os.close(read_err)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode(errors="replace")


def main() -> int:
    program = Program(namespace=Collection.from_module(tasks), name="invoke", version="walk")
    only = set(sys.argv[1:])
    for task, flag, value in cases():
        if only and task not in only:
            continue
        flags = {**REQUIRED.get(task, {}), flag: value}
        argv = [task, *(part for name, v in flags.items() for part in (f"--{name}", v))]
        code, output = run_case(program, argv)
        line = {"task": task, "flag": flag, "value": value, "code": code, "output": output}
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parents[2])
    sys.exit(main())
