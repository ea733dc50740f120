"""The ``hold`` step: the harness locks one entity's table against writes, as a slow database
would, so the dashboard's work on it waits mid-way (its parse jobs stay running) until a
later kill or stop has sent its signal (to the frozen container), or a restart has acted;
then the lock goes.

Why: the reference dashboard parses 100 jobs in one batch of ~0.05 s, so "while parse jobs
run" could start and end between two looks at the SyncJobs (seen on Podman, 2 runs of 5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from imagetest.core import bounded
from imagetest.core.bounded import Bound
from imagetest.core.errors import HarnessError
from imagetest.core.log import get_logger
from imagetest.run import pipeline
from imagetest.run.pipeline import RunContext
from imagetest.stages import wait

log = get_logger("hold")
# A writer that holds the table (it should be none) may keep the lock from us this long.
LOCK_TIMEOUT = "10s"


@dataclass
class Holds:
    """The locks a scenario holds now: one open transaction per held table."""

    open: dict[str, psycopg.Connection[Any]] = field(default_factory=dict)

    def take(self, ctx: RunContext, entity: str) -> None:
        table = ctx.need_profile().table(entity)
        bound = Bound(wait.QUERY_SECONDS, ctx.alive(f"holding {entity}"))
        connect = pipeline.connector(ctx.need_state())
        conn: psycopg.Connection[Any] = bounded.call(connect, bound, wait.DB_CONNECT)
        try:
            bounded.call(lambda: _lock(conn, table), bound, f"locking {table} (service db)")
        except psycopg.errors.LockNotAvailable:
            conn.close()
            raise HarnessError(
                f"hold {entity}: table {table} stayed locked by the dashboard for "
                f"{LOCK_TIMEOUT}; hold it before the step that makes it write there"
            ) from None
        except BaseException:
            conn.close()
            raise
        self.open[entity] = conn
        log.info("hold %s: writes to %s wait until a kill, stop or restart lands",
                 entity, table)  # fmt: skip

    def release(self) -> None:
        """Every lock goes (closing the transaction ends it); idempotent."""
        while self.open:
            entity, conn = self.open.popitem()
            conn.close()
            log.info("hold %s released", entity)


def _lock(conn: psycopg.Connection[Any], table: str) -> None:
    conn.autocommit = False  # the lock lasts as long as this transaction
    conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
    # EXCLUSIVE: reads (the harness's, the sync's) go on; inserts and updates wait.
    conn.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(sql.Identifier(table)))
