"""Scenarios as data: ``scenarios/<name>.yaml``, loaded and checked before any stack starts.

A scenario is a name, the upstream fix it guards, a list of steps (AAP-side actions,
dashboard-side actions, checks) and, per image profile, known failures: a scenario that is
right but that image fails, with the reason and the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from imagetest.core.constants import REPO_ROOT
from imagetest.core.errors import OptionError
from imagetest.model.results import PROBLEM_FACTS, Problem

SCENARIOS_DIR = REPO_ROOT / "scenarios"
TOP_KEYS = (
    "name", "guards", "fixed_in", "upgrade_from", "description", "aap_versions", "steps",
    "known_failures",
)  # fmt: skip
# step -> what its argument may be ("none": a bare word)
STEP_KINDS = {
    "seed": "none",  # the deterministic test data and the dashboard's tokens
    "sync": "none",  # the profile's sync steps (first sync, then the schedule)
    "resync": "none",  # the image's syncdata once more
    # {syncs: N, expect_failure: {contains, within}, outcome: any | settled}
    "wait": "mapping",
    "validate": "none",  # the exact counts of expected/aap-<version>.yaml
    "snapshot": "scalar",  # remember the AAP ids of every mapped entity under this name
    "aap": "mapping",  # one control-surface or API action
    "check": "list",  # content checks
    # a container's life: {service: task, when: {parse_running: 1}, graceful: true, grace: 10}
    "stop": "mapping",
    "kill": "mapping",
    "start": "mapping",
    "restart": "mapping",
    "upgrade": "mapping",  # {} or {image: REF}: the dashboard replaced on the same database
    "migrations": "none",  # every migration of the image the stack runs is applied
    # an entity's table locked against writes until a later kill, stop or restart (with
    # when:) lands: the dashboard's parse jobs stay running till then (imagetest/scenarios/hold.py)
    "hold": "scalar",
}
LIFECYCLE = ("stop", "kill", "start", "restart")
LIFECYCLE_KEYS = ("service", "when", "within", "graceful", "grace", "during")
LIFECYCLE_SERVICES = ("web", "task", "db", "redis", "aap")
RELEASING = ("kill", "stop", "restart")  # the steps that end a hold (with when:)
# conditions a lifecycle step waits for: parse jobs running, a sync running
WHEN_KEYS = ("parse_running", "sync_running")
AAP_ACTIONS = (
    "fault",
    "clear_faults",
    "expire_tokens",
    "create_jobs",
    "edit_job",
    "recreate",
    "rename",
    "launch",
    "delete_hosts",
)
CHECK_KINDS = ("counts", "row", "no_duplicates", "times_ordered", "syncjobs", "kept")
WAIT_KEYS = ("syncs", "expect_failure", "outcome", "timeout")
WHEN = ("passed", "failed")  # a check may apply only after the last wait passed / failed
KNOWN_KEYS = ("step", "problem", "reason", "evidence")


@dataclass(frozen=True)
class Step:
    kind: str
    arg: Any = None

    @property
    def label(self) -> str:
        if self.kind == "aap":
            return f"aap:{next(iter(self.arg))}"
        if self.kind in LIFECYCLE:
            return f"{self.kind}:{self.arg['service']}"
        return self.kind


@dataclass(frozen=True)
class KnownFailure:
    """An image's known failure of this scenario, by its facts, never by its wording: the
    kind of step that fails and (optionally) the facts of one of its problems."""

    step: str  # seed, sync, wait, validate, check, ...
    problem: dict[str, Any]  # some of model.results.PROBLEM_FACTS: check, entity, found...
    reason: str
    evidence: str

    def matches(self, failed_stage: str | None, problems: Sequence[Problem]) -> bool:
        if step_kind(failed_stage or "") != self.step:
            return False
        return not self.problem or any(p.has(self.problem) for p in problems)

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, "problem": self.problem, "reason": self.reason,
                "evidence": self.evidence}  # fmt: skip


def step_kind(stage: str) -> str:
    """A scenario stage's step kind: '05-check' -> 'check', '03-aap:fault' -> 'aap'."""
    label = stage.split("-", 1)[1] if stage[:2].isdigit() and "-" in stage else stage
    return label.split(":", 1)[0]


@dataclass(frozen=True)
class Scenario:
    name: str
    guards: str
    description: str
    steps: list[Step]
    path: Path
    aap_versions: list[str] = field(default_factory=list)  # empty: every version
    known_failures: dict[str, KnownFailure] = field(default_factory=dict)
    # The upstream commit that fixed what this scenario guards: it must fail on the commit's
    # parent and pass on the commit (`invoke history --fixes`).
    fixed_in: str = ""
    # A ref of the upstream repository (--context) the stack starts on; its `upgrade` step
    # then moves it to the image under test (an upgrade from an older release's data).
    upgrade_from: str = ""

    def known_failure(self, profile: str) -> KnownFailure | None:
        return self.known_failures.get(profile)


def _bad(path: Path, where: str, problem: str) -> OptionError:
    return OptionError(f"scenario {path.name}: {where} {problem}; fix the file")


def _step(raw: Any, index: int, path: Path) -> Step:
    where = f"step {index + 1}"
    if isinstance(raw, str):
        kind, arg = raw, None
    elif isinstance(raw, dict) and len(raw) == 1:
        kind, arg = next(iter(raw.items()))
    else:
        raise _bad(path, where, "must be a step name or a one-key mapping")
    shape = STEP_KINDS.get(str(kind))
    if shape is None:
        raise _bad(path, where, f"is unknown ({kind!r}); known: {', '.join(STEP_KINDS)}")
    if shape == "none" and arg is not None:
        raise _bad(path, where, f"({kind}) takes no argument")
    if shape == "mapping" and not isinstance(arg, dict):
        raise _bad(path, where, f"({kind}) needs a mapping")
    if shape == "list" and not (isinstance(arg, list) and arg):
        raise _bad(path, where, f"({kind}) needs a list")
    if shape == "scalar" and not isinstance(arg, str):
        raise _bad(path, where, f"({kind}) needs a name")
    if kind == "aap":
        _aap(arg, where, path)
    if kind == "wait":
        _known(arg, WAIT_KEYS, where, path)
    if kind in LIFECYCLE:
        _lifecycle(str(kind), arg, where, path)
    if kind == "upgrade":
        _known(arg, ("image",), where, path)
    if kind == "check":
        for n, check in enumerate(arg):
            _check(check, f"{where} check {n + 1}", path)
    return Step(str(kind), arg)


def _known(data: dict[str, Any], keys: tuple[str, ...], where: str, path: Path) -> None:
    unknown = sorted(set(data) - set(keys))
    if unknown:
        raise _bad(path, where, f"has unknown key {unknown[0]!r}; known: {', '.join(keys)}")


def _lifecycle(kind: str, arg: dict[str, Any], where: str, path: Path) -> None:
    _known(arg, LIFECYCLE_KEYS, where, path)
    if arg.get("service") not in LIFECYCLE_SERVICES:
        raise _bad(path, where, f"({kind}) needs service: one of {', '.join(LIFECYCLE_SERVICES)}")
    when = arg.get("when")
    if when is not None and not (
        isinstance(when, dict) and len(when) == 1 and next(iter(when)) in WHEN_KEYS
    ):
        raise _bad(path, where, f"({kind}) when: needs one of {', '.join(WHEN_KEYS)}")
    if arg.get("during") not in (None, "sync") or (arg.get("during") and when is not None):
        raise _bad(path, where, f"({kind}) during: can only be sync, without when:")


def _aap(arg: dict[str, Any], where: str, path: Path) -> None:
    if len(arg) != 1 or next(iter(arg)) not in AAP_ACTIONS:
        raise _bad(path, where, f"(aap) needs exactly one of: {', '.join(AAP_ACTIONS)}")


def _check(raw: Any, where: str, path: Path) -> None:
    if isinstance(raw, str):
        raw = {raw: None}
    if isinstance(raw, dict) and "when" in raw:
        if raw["when"] not in WHEN:
            raise _bad(path, where, f"when must be one of {', '.join(WHEN)}")
        raw = {k: v for k, v in raw.items() if k != "when"}
    if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in CHECK_KINDS:
        raise _bad(path, where, f"must be one of: {', '.join(CHECK_KINDS)}")


def _known_failures(raw: Any, path: Path) -> dict[str, KnownFailure]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _bad(path, "known_failures", "must map a profile name to a failure")
    out = {}
    for profile, data in raw.items():
        where = f"known_failures.{profile}"
        if not isinstance(data, dict):
            raise _bad(path, where, "must be a mapping")
        if "match" in data:
            raise _bad(
                path, where, "names its failure by text ('match'); name it by its facts: "
                "step, and problem with some of " + ", ".join(PROBLEM_FACTS),
            )  # fmt: skip
        _known(data, KNOWN_KEYS, where, path)
        missing = [k for k in ("step", "reason", "evidence") if not str(data.get(k) or "").strip()]
        if missing:
            raise _bad(path, where, f"lacks {missing[0]!r}")
        if str(data["step"]) not in STEP_KINDS:
            raise _bad(path, f"{where}.step", f"must be one of {', '.join(STEP_KINDS)}")
        problem = data.get("problem") or {}
        if not isinstance(problem, dict) or set(problem) - set(PROBLEM_FACTS):
            raise _bad(path, f"{where}.problem", "must map some of " + ", ".join(PROBLEM_FACTS))
        out[str(profile)] = KnownFailure(
            str(data["step"]), dict(problem), str(data["reason"]).strip(),
            str(data["evidence"]).strip(),
        )  # fmt: skip
    return out


def load_scenario(path: Path) -> Scenario:
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise OptionError(f"scenario {path.name} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise _bad(path, "the top level", "must be a mapping")
    _known(data, TOP_KEYS, "the top level", path)
    name = str(data.get("name") or "")
    if name != path.stem:
        raise _bad(path, "name", f"must equal the file name ({path.stem!r})")
    steps_raw = data.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise _bad(path, "steps", "must be a non-empty list")
    versions = [str(v) for v in data.get("aap_versions") or []]
    steps = [_step(raw, i, path) for i, raw in enumerate(steps_raw)]
    _holds_released(steps, path)
    return Scenario(
        name=name,
        guards=str(data.get("guards") or "").strip(),
        description=str(data.get("description") or "").strip(),
        steps=steps,
        path=path,
        aap_versions=versions,
        known_failures=_known_failures(data.get("known_failures"), path),
        fixed_in=_commit(data.get("fixed_in"), path),
        upgrade_from=_upgrade_from(data, path),
    )


def _holds_released(steps: list[Step], path: Path) -> None:
    """A hold is released by a later kill, stop or restart that waits for its condition."""
    for index, step in enumerate(steps):
        later = steps[index + 1 :]
        if step.kind == "hold" and not any(
            s.kind in RELEASING and s.arg.get("when") for s in later
        ):
            raise _bad(
                path, f"step {index + 1}", "(hold) needs a later kill, stop or restart with when:"
            )


def _upgrade_from(data: dict[str, Any], path: Path) -> str:
    ref = str(data.get("upgrade_from") or "").strip()
    steps = data.get("steps") or []
    if ref and not any(isinstance(s, dict) and "upgrade" in s for s in steps):
        raise _bad(path, "upgrade_from", "needs an `upgrade` step (to the image under test)")
    if ref.startswith("-") or any(c.isspace() for c in ref):
        raise _bad(path, "upgrade_from", "must be a commit, branch or tag")
    return ref


def _commit(value: Any, path: Path) -> str:
    text = str(value or "").strip()
    if text and not re.fullmatch(r"[0-9a-f]{7,40}", text):
        raise _bad(path, "fixed_in", "must be a commit id (7 to 40 hex digits)")
    return text


def load_all(directory: Path = SCENARIOS_DIR, only: list[str] | None = None) -> list[Scenario]:
    """Every scenario (sorted by name), or the ``only`` ones; an unknown name is an error."""
    paths = sorted(directory.glob("*.yaml"))
    names = [p.stem for p in paths]
    if only:
        unknown = [n for n in only if n not in names]
        if unknown:
            raise OptionError(
                f"--only: no scenario {unknown[0]!r} in {directory.name}/; known: "
                + ", ".join(names)
            )
        paths = [p for p in paths if p.stem in only]
    return [load_scenario(p) for p in paths]
