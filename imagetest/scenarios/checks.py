"""Content checks by logical names, through the profile's ``content:`` mapping.

Each check returns the list of its problems, each a sentence phrased like the count contract
("Job 5: expected template 'JT1', got 'JT-renamed'") with its facts (entity, AAP id, field,
expected, found: what a known failure names); an empty list is a pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import psycopg
from psycopg import sql

from imagetest.model.profile import Profile
from imagetest.model.profile_content import ContentSchema, EntityContent
from imagetest.model.results import Problem

Conn = psycopg.Connection[Any]
Snapshots = dict[str, dict[str, set[int]]]


def _id(name: str) -> sql.Identifier:
    return sql.Identifier(name)


def _rows(conn: Conn, query: sql.Composable, params: tuple[Any, ...] = ()) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(query, params)
        return list(cur.fetchall())


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "{" + ", ".join(str(v) for v in value) + "}"
    return "null" if value is None else repr(value)


class Checker:
    def __init__(self, conn: Conn, profile: Profile, snapshots: Snapshots) -> None:
        self.conn = conn
        self.profile = profile
        self.content: ContentSchema = profile.need_content()
        self.snapshots = snapshots

    def run(self, check: Any) -> tuple[str, list[Problem]]:
        """(a one-line name of the check, its problems)."""
        if isinstance(check, str):
            check = {check: None}
        kind, arg = next(iter(check.items()))
        method: Callable[[Any], list[Problem]] = getattr(self, f"check_{kind}")
        problems = [replace(p, check=kind) for p in method(arg)]
        return f"{kind} {_describe(arg)}".strip(), problems

    # -- helpers ---------------------------------------------------------------------------

    def _entity(self, name: str) -> tuple[EntityContent, str]:
        return self.content.entity(name, self.profile.name), self.profile.table(name)

    def _name_of(self, entity: str, pk: Any) -> Any:
        if pk is None:
            return None
        spec, table = self._entity(entity)
        query = sql.SQL("SELECT {} FROM {} WHERE id = %s").format(
            _id(spec.fields["name"]), _id(table)
        )
        found = _rows(self.conn, query, (pk,))
        return found[0][0] if found else f"<missing row {pk}>"

    def _value(self, spec: EntityContent, table: str, pk: Any, name: str) -> Any:
        kind = spec.kind_of(name)
        if kind == "field":
            column = spec.aap_id if name == "aap_id" else spec.fields[name]
            query = sql.SQL("SELECT {} FROM {} WHERE id = %s").format(_id(column), _id(table))
            return _rows(self.conn, query, (pk,))[0][0]
        if kind == "ref":
            ref = spec.refs[name]
            query = sql.SQL("SELECT {} FROM {} WHERE id = %s").format(_id(ref.column), _id(table))
            return self._name_of(ref.entity, _rows(self.conn, query, (pk,))[0][0])
        link = spec.sets[name]
        query = sql.SQL("SELECT {} FROM {} WHERE {} = %s").format(
            _id(link.ref), _id(link.table), _id(link.column)
        )
        members = [self._name_of(link.entity, r[0]) for r in _rows(self.conn, query, (pk,))]
        return sorted(str(m) for m in members)

    # -- checks ----------------------------------------------------------------------------

    def check_counts(self, arg: dict[str, int]) -> list[Problem]:
        problems = []
        for entity, expected in arg.items():
            query = sql.SQL("SELECT count(*) FROM {}").format(_id(self.profile.table(entity)))
            found = _rows(self.conn, query)[0][0]
            if found != expected:
                text = f"{entity}: expected {expected} rows, found {found}"
                problems.append(Problem(text, entity=entity, expected=expected, found=found))
        return problems

    def check_row(self, arg: dict[str, Any]) -> list[Problem]:
        entity, aap_id = str(arg["entity"]), int(arg["aap_id"])
        spec, table = self._entity(entity)
        query = sql.SQL("SELECT id FROM {} WHERE {} = %s ORDER BY id").format(
            _id(table), _id(spec.aap_id)
        )
        pks = [r[0] for r in _rows(self.conn, query, (aap_id,))]
        if len(pks) != 1:
            text = f"{entity} {aap_id}: expected one row, found {len(pks)}"
            return [Problem(text, entity=entity, aap_id=aap_id, expected=1, found=len(pks))]
        problems = []
        for name, want in (arg.get("expect") or {}).items():
            if not spec.kind_of(name):
                known = ", ".join(spec.names())
                text = f"{entity}: no logical field {name!r} (known: {known})"
                problems.append(Problem(text, entity=entity, field=name))
                continue
            got = self._value(spec, table, pks[0], name)
            want_norm = sorted(str(w) for w in want) if isinstance(want, list) else want
            if got != want_norm:
                text = f"{entity} {aap_id}: expected {name} {_show(want_norm)}, got {_show(got)}"
                facts = {"entity": entity, "aap_id": aap_id, "field": name}
                problems.append(Problem(text, **facts, expected=want_norm, found=got))
        return problems

    def check_no_duplicates(self, arg: list[str]) -> list[Problem]:
        problems = []
        for entity in arg:
            spec, table = self._entity(entity)
            query = sql.SQL(
                "SELECT {c}, {a}, count(*) FROM {t} GROUP BY {c}, {a} HAVING count(*) > 1"
            ).format(c=_id(self.content.cluster), a=_id(spec.aap_id), t=_id(table))
            for _cluster, aap_id, n in _rows(self.conn, query):
                text = f"{entity} {aap_id}: {n} rows for one AAP object, expected 1"
                problems.append(Problem(text, entity=entity, aap_id=aap_id, expected=1, found=n))
        return problems

    def check_times_ordered(self, arg: str | None) -> list[Problem]:
        spec, table = self._entity(arg or "Job")
        started, finished = spec.fields["started"], spec.fields["finished"]
        query = sql.SQL("SELECT {a}, {s}, {f} FROM {t} WHERE {f} < {s} ORDER BY {a}").format(
            a=_id(spec.aap_id), s=_id(started), f=_id(finished), t=_id(table)
        )
        entity = arg or "Job"
        return [
            Problem(
                f"{entity} {aap_id}: finished {f.isoformat()} is before started {s.isoformat()}",
                entity=entity,
                aap_id=aap_id,
                field="finished",
            )
            for aap_id, s, f in _rows(self.conn, query)
        ]

    def check_syncjobs(self, arg: dict[str, Any]) -> list[Problem]:
        sj = self.profile.syncjob
        cols = sj.columns
        query = sql.SQL("SELECT id, {}, {}, {} FROM {} ORDER BY id").format(
            _id(cols["type"]), _id(cols["status"]), _id(cols["error"]), _id(sj.table)
        )
        rows = [
            (pk, sj.logical_type(str(t)), _state(sj.statuses, str(s)), str(e or ""))
            for pk, t, s, e in _rows(self.conn, query)
        ]
        problems: list[Problem] = []
        if arg.get("terminal"):
            problems += [
                Problem(
                    f"SyncJob {pk} ({kind}) is still {state}, expected a terminal state",
                    entity="SyncJob",
                    field="status",
                    expected="terminal",
                    found=state,
                )
                for pk, kind, state, _ in rows
                if state == "active"
            ]
        failed = [(pk, kind, err) for pk, kind, state, err in rows if state == "failure"]
        if "failed" in arg and len(failed) != int(arg["failed"]):
            shown = "; ".join(f"{pk} ({k}): {e[:120]}" for pk, k, e in failed) or "none"
            text = f"SyncJobs failed: expected {arg['failed']}, got {len(failed)} ({shown})"
            facts = {"entity": "SyncJob", "field": "failed", "expected": int(arg["failed"])}
            problems.append(Problem(text, **facts, found=len(failed)))
        if arg.get("failed_min") and len(failed) < int(arg["failed_min"]):
            text = f"SyncJobs failed: expected at least {arg['failed_min']}, got {len(failed)}"
            problems.append(Problem(text, entity="SyncJob", field="failed", found=len(failed)))
        wanted = arg.get("error_contains")
        if wanted and not any(wanted.lower() in err.lower() for _, _, err in failed):
            errors = "; ".join(e[:120] for _, _, e in failed) or "no failed SyncJob"
            text = f"SyncJob error: expected one containing {wanted!r}, got: {errors}"
            problems.append(Problem(text, entity="SyncJob", field="error"))
        if arg.get("errors_explained"):
            problems += [
                Problem(
                    f"SyncJob {pk} ({kind}) failed without an error message",
                    entity="SyncJob",
                    field="error",
                )
                for pk, kind, err in failed
                if not err.strip()
            ]
        return problems

    def check_kept(self, arg: str) -> list[Problem]:
        before = self.snapshots.get(arg)
        if before is None:
            return [Problem(f"no snapshot named {arg!r} was taken before this check")]
        now = snapshot(self.conn, self.profile)
        problems = []
        for entity, ids in before.items():
            gone = sorted(ids - now.get(entity, set()))
            if gone:
                shown = ", ".join(map(str, gone))
                text = f"{entity}: rows synced before are gone (AAP ids {shown})"
                problems.append(Problem(text, entity=entity, expected="kept", found=gone))
        return problems


def _state(statuses: dict[str, list[str]], value: str) -> str:
    for state, values in statuses.items():
        if value in values:
            return state
    return "active"  # an unknown status is not terminal


def _describe(arg: Any) -> str:
    if arg is None:
        return ""
    if isinstance(arg, dict):
        return ", ".join(f"{k}={v}" for k, v in arg.items() if k != "expect") + (
            f" {arg['expect']}" if "expect" in arg else ""
        )
    return str(arg)


def snapshot(conn: Conn, profile: Profile) -> dict[str, set[int]]:
    """The AAP ids of every mapped entity, per entity. A row without one (AAP deleted it:
    the dashboard numbers those below zero itself, and a migration may renumber them) is
    followed by the counts and row checks instead."""
    out = {}
    for entity, spec in profile.need_content().entities.items():
        query = sql.SQL("SELECT {} FROM {} WHERE {} > 0").format(
            _id(spec.aap_id), _id(profile.table(entity)), _id(spec.aap_id)
        )
        out[entity] = {int(r[0]) for r in _rows(conn, query)}
    return out
