"""The names and words every result file shares: a run's, a matrix's and a scenario set's.

Results cross process boundaries as JSON (a matrix reads its runs' summary.json, a scenario
set its workers' scenario.json); writers and readers take the file names, the outcome words
and the writer from here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from imagetest.core.errors import EXIT_INTERRUPTED, ArtifactWriteError

SUMMARY_NAME = "summary.json"  # a run, a matrix or a scenario set
JUNIT_NAME = "junit.xml"
SCENARIO_RESULT_NAME = "scenario.json"  # one scenario, beside its run's artifacts


class Verdict(StrEnum):
    """What a run, a matrix or a scenario set comes to."""

    PASS = "pass"
    FAIL = "fail"


class Status(StrEnum):
    """What a phase, a count or a scenario comes to."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    KNOWN_FAILURE = "known-failure"  # a scenario failed as its image is known to
    UNEXPECTED_PASS = "unexpected-pass"  # a scenario passed where a failure is recorded


# Phase statuses that are no failure, as summaries read back (older writers said pass or ok).
OK_STATUSES = (Status.PASSED, "pass", "ok", Status.SKIPPED)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write whole or not at all: a reader (or a full disk) never sees half a file; a disk
    that refuses it is an ArtifactWriteError naming the path."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise ArtifactWriteError(path, exc) from None
    finally:
        tmp.unlink(missing_ok=True)


# Facts a problem may carry; a known failure names some of them (scenarios/*.yaml).
PROBLEM_FACTS = ("check", "entity", "aap_id", "field", "expected", "found")


@dataclass(frozen=True)
class Problem:
    """One thing found wrong: its sentence for people and its facts for the harness."""

    text: str
    check: str = ""  # validate, or a content check: counts, row, kept, ...
    entity: str = ""
    aap_id: int | None = None
    field: str = ""
    expected: Any = None
    found: Any = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Problem:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known and k != "text"},
                   text=str(data.get("text", "")))  # fmt: skip

    def has(self, facts: Mapping[str, Any]) -> bool:
        """Whether every fact named in ``facts`` is this problem's."""
        return all(getattr(self, name) == value for name, value in facts.items())


@dataclass(frozen=True)
class PhaseResult:
    """One stage of a run as summary.json records it."""

    name: str
    status: Status
    seconds: float
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": str(self.status), "seconds": round(self.seconds, 2),
                "reason": self.reason}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PhaseResult:
        return cls(str(data.get("name", "")), _status(data.get("status")),
                   float(data.get("seconds") or 0), str(data.get("reason") or ""))  # fmt: skip


@dataclass(frozen=True)
class RunSummary:
    """summary.json of one run (test-image, a matrix's run, a scenario's run)."""

    run_id: str
    verdict: Verdict
    exit_code: int
    aap_version: str
    phases: tuple[PhaseResult, ...] = ()
    failed_stage: str | None = None
    error: str = ""
    problems: tuple[Problem, ...] = ()  # the facts of the failure, when it has any
    image: str = ""
    image_id: str = ""
    digest: str | None = None
    counts: Mapping[str, Any] = field(default_factory=dict)
    syncjobs: tuple[Mapping[str, Any], ...] = ()
    aap_ping: Mapping[str, Any] | None = None

    @property
    def seconds(self) -> float:
        return round(sum(p.seconds for p in self.phases), 2)

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "verdict": str(self.verdict),
            "exit_code": self.exit_code,
            "failed_stage": self.failed_stage,
            "error": self.error,
            "problems": [p.to_json() for p in self.problems],
            "image": self.image,
            "image_id": self.image_id,
            "digest": self.digest,
            "aap_version": self.aap_version,
            "phases": [p.to_json() for p in self.phases],
            "seconds": self.seconds,
            "counts": dict(self.counts),
            "syncjobs": [dict(s) for s in self.syncjobs],
            "aap_ping": dict(self.aap_ping) if self.aap_ping else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunSummary:
        """A summary a run wrote; ValueError when it is not one."""
        if not isinstance(data, Mapping) or "verdict" not in data:
            raise ValueError("not a run summary (no verdict)")
        return cls(
            run_id=str(data.get("run_id") or ""),
            verdict=Verdict.PASS if data["verdict"] == Verdict.PASS else Verdict.FAIL,
            exit_code=int(data.get("exit_code", 2)),
            aap_version=str(data.get("aap_version") or ""),
            phases=tuple(PhaseResult.from_json(p) for p in data.get("phases") or ()),
            failed_stage=data.get("failed_stage"),
            error=str(data.get("error") or ""),
            problems=tuple(Problem.from_json(p) for p in data.get("problems") or ()),
            image=str(data.get("image") or ""),
            image_id=str(data.get("image_id") or ""),
            digest=data.get("digest"),
            counts=dict(data.get("counts") or {}),
            syncjobs=tuple(data.get("syncjobs") or ()),
            aap_ping=data.get("aap_ping"),
        )


def _status(value: Any) -> Status:
    try:
        return Status(str(value))
    except ValueError:
        return Status.FAILED  # a word no writer uses is no pass


def read_json(path: Path) -> Any:
    """A result file's data; ValueError (with the path) when it is missing or not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"no {path.name} in {path.parent}") from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"unreadable {path}: {exc}") from None


@dataclass(frozen=True)
class ScenarioResult:
    """scenario.json: one scenario on one image, judged against its known failure."""

    scenario: str
    status: Status
    exit_code: int  # after the known failure: 0 for one that failed as recorded
    run_exit_code: int  # the pipeline's own
    guards: str = ""
    failed_stage: str | None = None
    error: str = ""
    problems: tuple[Problem, ...] = ()
    image: str = ""
    profile: str = ""
    aap_version: str = ""
    phases: tuple[PhaseResult, ...] = ()
    checks: tuple[Mapping[str, Any], ...] = ()  # each: step, check, problems
    known_failure: Mapping[str, Any] | None = None
    run_id: str = ""
    artifacts: str = ""

    @property
    def seconds(self) -> float:
        return round(sum(p.seconds for p in self.phases), 2)

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(
            status=str(self.status),
            seconds=self.seconds,
            problems=[p.to_json() for p in self.problems],
            phases=[p.to_json() for p in self.phases],
            checks=[dict(c) for c in self.checks],
            known_failure=dict(self.known_failure) if self.known_failure else None,
        )
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScenarioResult:
        """A scenario.json a worker wrote; ValueError when it is not one."""
        if not isinstance(data, Mapping) or "scenario" not in data:
            raise ValueError("not a scenario result (no scenario)")
        return cls(
            scenario=str(data["scenario"]),
            status=_status(data.get("status")),
            exit_code=int(data.get("exit_code", 2)),
            run_exit_code=int(data.get("run_exit_code", data.get("exit_code", 2))),
            guards=str(data.get("guards") or ""),
            failed_stage=data.get("failed_stage"),
            error=str(data.get("error") or ""),
            problems=tuple(Problem.from_json(p) for p in data.get("problems") or ()),
            image=str(data.get("image") or ""),
            profile=str(data.get("profile") or ""),
            aap_version=str(data.get("aap_version") or ""),
            phases=tuple(PhaseResult.from_json(p) for p in data.get("phases") or ()),
            checks=tuple(data.get("checks") or ()),
            known_failure=data.get("known_failure"),
            run_id=str(data.get("run_id") or ""),
            artifacts=str(data.get("artifacts") or ""),
        )

    @classmethod
    def missing(cls, name: str, code: int) -> ScenarioResult:
        """The result of a scenario whose worker ended without writing one."""
        return cls(
            scenario=name,
            status=Status.FAILED,
            exit_code=code or 2,
            run_exit_code=code or 2,
            error=(
                "interrupted before it finished"
                if code == EXIT_INTERRUPTED
                else f"the scenario ended (exit {code}) without {SCENARIO_RESULT_NAME}; "
                "see its output"
            ),
        )
