"""One Redis connection per process, and the wake-up queue the worker blocks on."""

from __future__ import annotations

from functools import lru_cache

import redis
from django.conf import settings

WAKE_KEY = "dashboard:dispatcher:wake"


@lru_cache(maxsize=1)
def get_redis() -> redis.Redis:
    return redis.Redis(
        host=settings.REDIS_HOST,
        port=settings.REDIS_PORT,
        db=settings.REDIS_DB,
        socket_connect_timeout=5,
        health_check_interval=30,
    )


def wake_dispatcher() -> None:
    """Tell a waiting worker that a SyncJob was queued (best effort: it also polls)."""
    client = get_redis()
    pipe = client.pipeline()
    pipe.lpush(WAKE_KEY, "1")
    pipe.ltrim(WAKE_KEY, 0, 99)
    pipe.execute()


def wait_for_wake(timeout: float) -> bool:
    """Block until woken or timeout; True when woken."""
    return get_redis().blpop([WAKE_KEY], timeout=max(timeout, 0.01)) is not None
