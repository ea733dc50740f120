"""Content checks by logical names, through the profile's ``content:`` mapping.

Each check returns the list of its failures, one sentence each, phrased like the count
contract ("Job 5: expected template 'JT1', got 'JT-renamed'"); an empty list is a pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from imagetest.model.profile import Profile
from imagetest.model.profile_content import ContentSchema, EntityContent

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

    def run(self, check: Any) -> tuple[str, list[str]]:
        """(a one-line name of the check, its failures)."""
        if isinstance(check, str):
            check = {check: None}
        kind, arg = next(iter(check.items()))
        method: Callable[[Any], list[str]] = getattr(self, f"check_{kind}")
        return f"{kind} {_describe(arg)}".strip(), method(arg)

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

    def check_counts(self, arg: dict[str, int]) -> list[str]:
        problems = []
        for entity, expected in arg.items():
            query = sql.SQL("SELECT count(*) FROM {}").format(_id(self.profile.table(entity)))
            found = _rows(self.conn, query)[0][0]
            if found != expected:
                problems.append(f"{entity}: expected {expected} rows, found {found}")
        return problems

    def check_row(self, arg: dict[str, Any]) -> list[str]:
        entity, aap_id = str(arg["entity"]), int(arg["aap_id"])
        spec, table = self._entity(entity)
        query = sql.SQL("SELECT id FROM {} WHERE {} = %s ORDER BY id").format(
            _id(table), _id(spec.aap_id)
        )
        pks = [r[0] for r in _rows(self.conn, query, (aap_id,))]
        if len(pks) != 1:
            return [f"{entity} {aap_id}: expected one row, found {len(pks)}"]
        problems = []
        for name, want in (arg.get("expect") or {}).items():
            if not spec.kind_of(name):
                known = ", ".join(spec.names())
                problems.append(f"{entity}: no logical field {name!r} (known: {known})")
                continue
            got = self._value(spec, table, pks[0], name)
            want_norm = sorted(str(w) for w in want) if isinstance(want, list) else want
            if got != want_norm:
                problems.append(
                    f"{entity} {aap_id}: expected {name} {_show(want_norm)}, got {_show(got)}"
                )
        return problems

    def check_no_duplicates(self, arg: list[str]) -> list[str]:
        problems = []
        for entity in arg:
            spec, table = self._entity(entity)
            query = sql.SQL(
                "SELECT {c}, {a}, count(*) FROM {t} GROUP BY {c}, {a} HAVING count(*) > 1"
            ).format(c=_id(self.content.cluster), a=_id(spec.aap_id), t=_id(table))
            for _cluster, aap_id, n in _rows(self.conn, query):
                problems.append(f"{entity} {aap_id}: {n} rows for one AAP object, expected 1")
        return problems

    def check_times_ordered(self, arg: str | None) -> list[str]:
        spec, table = self._entity(arg or "Job")
        started, finished = spec.fields["started"], spec.fields["finished"]
        query = sql.SQL("SELECT {a}, {s}, {f} FROM {t} WHERE {f} < {s} ORDER BY {a}").format(
            a=_id(spec.aap_id), s=_id(started), f=_id(finished), t=_id(table)
        )
        return [
            f"{arg or 'Job'} {aap_id}: finished {f.isoformat()} is before started {s.isoformat()}"
            for aap_id, s, f in _rows(self.conn, query)
        ]

    def check_syncjobs(self, arg: dict[str, Any]) -> list[str]:
        sj = self.profile.syncjob
        cols = sj.columns
        query = sql.SQL("SELECT id, {}, {}, {} FROM {} ORDER BY id").format(
            _id(cols["type"]), _id(cols["status"]), _id(cols["error"]), _id(sj.table)
        )
        rows = [
            (pk, sj.logical_type(str(t)), _state(sj.statuses, str(s)), str(e or ""))
            for pk, t, s, e in _rows(self.conn, query)
        ]
        problems = []
        if arg.get("terminal"):
            problems += [
                f"SyncJob {pk} ({kind}) is still {state}, expected a terminal state"
                for pk, kind, state, _ in rows
                if state == "active"
            ]
        failed = [(pk, kind, err) for pk, kind, state, err in rows if state == "failure"]
        if "failed" in arg and len(failed) != int(arg["failed"]):
            shown = "; ".join(f"{pk} ({k}): {e[:120]}" for pk, k, e in failed) or "none"
            problems.append(
                f"SyncJobs failed: expected {arg['failed']}, got {len(failed)} ({shown})"
            )
        if arg.get("failed_min") and len(failed) < int(arg["failed_min"]):
            problems.append(
                f"SyncJobs failed: expected at least {arg['failed_min']}, got {len(failed)}"
            )
        wanted = arg.get("error_contains")
        if wanted and not any(wanted.lower() in err.lower() for _, _, err in failed):
            errors = "; ".join(e[:120] for _, _, e in failed) or "no failed SyncJob"
            problems.append(f"SyncJob error: expected one containing {wanted!r}, got: {errors}")
        if arg.get("errors_explained"):
            problems += [
                f"SyncJob {pk} ({kind}) failed without an error message"
                for pk, kind, err in failed
                if not err.strip()
            ]
        return problems

    def check_kept(self, arg: str) -> list[str]:
        before = self.snapshots.get(arg)
        if before is None:
            return [f"no snapshot named {arg!r} was taken before this check"]
        now = snapshot(self.conn, self.profile)
        problems = []
        for entity, ids in before.items():
            gone = sorted(ids - now.get(entity, set()))
            if gone:
                shown = ", ".join(map(str, gone))
                problems.append(f"{entity}: rows synced before are gone (AAP ids {shown})")
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
    """The AAP ids of every mapped entity, per entity."""
    out = {}
    for entity, spec in profile.need_content().entities.items():
        query = sql.SQL("SELECT {} FROM {}").format(_id(spec.aap_id), _id(profile.table(entity)))
        out[entity] = {int(r[0]) for r in _rows(conn, query)}
    return out
