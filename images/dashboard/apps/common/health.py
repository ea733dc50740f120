"""Health checks for the web role."""

from __future__ import annotations

from django.db import connection

from apps.common.redis_client import get_redis


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means unhealthy; report its kind
        return f"error: {exc.__class__.__name__}"
    return "ok"


def check_redis() -> str:
    try:
        get_redis().ping()
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"
