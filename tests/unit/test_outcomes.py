"""Typed outcomes: validation judged from its results file, deferred interrupts, sentences."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import docker.errors
import pytest

from imagetest.core.boundary import translate
from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import ContainerDied, CountMismatch, HarnessError, OptionError
from imagetest.core.signals import STOP_SIGNALS, interrupts_deferred, signals_as_interrupt
from imagetest.stages.validate import judge


def record(id_: str, expected: int, actual: int | None, error: str | None = None) -> dict:
    return {"id": id_, "label": id_, "expected": expected, "actual": actual, "error": error}


def test_wrong_counts_are_a_count_mismatch() -> None:
    with pytest.raises(CountMismatch) as caught:
        judge([record("Job", 4, 3), record("Label", 1, 2), record("Project", 2, 2)])
    assert str(caught.value) == "Expected 4 Job objects, got 3; Expected 1 Label object, got 2"
    assert caught.value.exit_code == 1


def test_an_uncounted_entity_is_a_stage_error_even_next_to_a_mismatch() -> None:
    with pytest.raises(HarnessError) as caught:
        judge([record("Job", 4, 3), record("Label", 2, None, "table clusters_label missing")])
    assert not isinstance(caught.value, CountMismatch)
    assert caught.value.exit_code == 2
    assert "could not count Label: table clusters_label missing" in str(caught.value)


def test_matching_counts_pass() -> None:
    judge([record("Job", 4, 4)])


def test_exit_codes_come_from_the_type() -> None:
    assert CountMismatch("x").exit_code == 1
    assert HarnessError("x").exit_code == OptionError("x").exit_code == 2
    assert ContainerDied("x", service="task").exit_code == 2
    assert HarnessError("x", exit_code=130).exit_code == 130


def test_interrupts_are_noted_not_raised_during_teardown() -> None:
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN in a shell's background job
    with interrupts_deferred("r1", "invoke teardown --run-id r1") as received:
        for signum in (signal.SIGINT, *STOP_SIGNALS):
            os.kill(os.getpid(), signum)
    assert received == [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT]
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.parametrize("signum", STOP_SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_stop_signals_end_a_task_as_ctrl_c(signum: int) -> None:
    """A closed terminal (SIGHUP), `kill` (SIGTERM) or SIGQUIT: a task ends as on Ctrl-C,
    through the task guard, with exit 130 and one line (a real process, a real signal)."""
    script = (
        "import os, signal, sys, time\n"
        "from invoke import Exit\n"
        "import tasks\n"
        "try:\n"
        f"    tasks._guard(lambda: (os.kill(os.getpid(), {signum}), time.sleep(30)))\n"
        "except Exit as exc:\n"
        "    print(exc.message, file=sys.stderr); sys.exit(exc.code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip() == "error: interrupted"
    before = signal.getsignal(signum)  # what the handler gives back (SIG_IGN for SIGQUIT
    with signals_as_interrupt(), pytest.raises(KeyboardInterrupt):  # in a background job)
        os.kill(os.getpid(), signum)
        time.sleep(5)
    assert signal.getsignal(signum) is before


def test_docker_conflict_names_the_container_not_the_class() -> None:
    error = docker.errors.APIError("409 Client Error", explanation="container is not running")
    text = str(translate(error, "sync"))
    assert "task container" in text and "container is not running" in text
    assert "APIError" not in text
