"""One Redis connection per process, and the wake-up queue the worker blocks on."""

from __future__ import annotations

import math
from functools import lru_cache

import redis
from django.conf import settings

WAKE_KEY = "dashboard:dispatcher:wake"
# A blocking BLPOP answers only when its own timeout ends; the socket must wait longer than
# that, or the client gives up just as the reply is due (redis-py's default socket timeout is
# 5 s, the worker's default wait too) and the connection is left half-read.
WAIT_SOCKET_MARGIN_SECONDS = 5.0


def _client(**options: float) -> redis.Redis:
    return redis.Redis(
        host=settings.REDIS_HOST,
        port=settings.REDIS_PORT,
        db=settings.REDIS_DB,
        socket_connect_timeout=5,
        health_check_interval=30,
        **options,
    )


@lru_cache(maxsize=1)
def get_redis() -> redis.Redis:
    return _client()


@lru_cache(maxsize=4)
def wait_redis(wait_seconds: int) -> redis.Redis:
    """A connection for blocking waits of up to `wait_seconds` (its socket waits longer)."""
    return _client(socket_timeout=wait_seconds + WAIT_SOCKET_MARGIN_SECONDS)


def wake_dispatcher() -> None:
    """Tell a waiting worker that a SyncJob was queued (best effort: it also polls)."""
    client = get_redis()
    pipe = client.pipeline()
    pipe.lpush(WAKE_KEY, "1")
    pipe.ltrim(WAKE_KEY, 0, 99)
    pipe.execute()


def wait_for_wake(timeout: float) -> bool:
    """Block until woken or timeout; True when woken."""
    timeout = max(timeout, 0.01)
    client = wait_redis(math.ceil(timeout))  # few distinct waits: poll and busy retry
    return client.blpop([WAKE_KEY], timeout=timeout) is not None
