"""Row counts in the dashboard database, with tables and values from the profile."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from imagetest.core.errors import HarnessError
from imagetest.model.expected import Expectation
from imagetest.model.profile import Profile


def count_query(profile: Profile, entry: Expectation) -> tuple[sql.Composed, list[str]]:
    """SELECT count(*) for one expectation; filter keys/values go through the profile."""
    table = profile.table(entry.entity)
    where: list[sql.Composable] = []
    params: list[str] = []
    is_syncjob = table == profile.syncjob.table
    for key, value in entry.filter.items():
        column = profile.syncjob.columns.get(key, key) if is_syncjob else key
        if is_syncjob and key == "type":
            value = profile.syncjob.types.get(value, value)
        where.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
        params.append(value)
    query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
    if where:
        query = sql.SQL("{} WHERE {}").format(query, sql.SQL(" AND ").join(where))
    return query, params


def count_rows(conn: psycopg.Connection[Any], profile: Profile, entry: Expectation) -> int:
    query, params = count_query(profile, entry)
    try:
        row = conn.execute(query, params).fetchone()
    except psycopg.errors.UndefinedTable:
        conn.rollback()
        raise HarnessError(
            f"table {profile.table(entry.entity)} of {entry.entity} does not exist; "
            f"did migrations run, and is --profile {profile.name} right for this image?"
        ) from None
    except psycopg.errors.UndefinedColumn as exc:
        conn.rollback()
        column = (exc.diag.message_primary or "a column").removeprefix("column ")
        raise HarnessError(
            f"{entry.label}: column {column} (filter of the expected file); "
            f"is --profile {profile.name} right for this image?"
        ) from None
    return int(row[0]) if row else 0


def all_table_counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Every table in the public schema with its row count (for diagnostics)."""
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
    ]
    counts: dict[str, int] = {}
    for table in tables:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        ).fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts


def syncjob_rows(conn: psycopg.Connection[Any], profile: Profile) -> list[dict[str, Any]]:
    """All SyncJob rows with the profile's columns under logical names."""
    sj = profile.syncjob
    cols = ["id", *(sj.columns[k] for k in ("type", "status", "started", "finished", "error"))]
    query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in cols),
        sql.Identifier(sj.table),
        sql.Identifier("id"),
    )
    names = ["id", "type", "status", "started", "finished", "error"]
    return [dict(zip(names, row, strict=True)) for row in conn.execute(query).fetchall()]
