"""Glue between the Cluster row and its AAP client."""

from __future__ import annotations

import threading

from django.db import connection

from apps.clusters.connector import AAPClient
from apps.clusters.models import Cluster


def save_tokens(cluster_id: int, access: str, refresh: str) -> None:
    """Store a refreshed token pair at once: AAP has already revoked the old one."""
    # update() skips from_db/get_prep on expressions only; plain values go through the field.
    Cluster.objects.filter(pk=cluster_id).update(access_token=access, refresh_token=refresh)
    if threading.current_thread() is not threading.main_thread():
        connection.close()  # fetch threads must not leak connections


def client_for(cluster: Cluster) -> AAPClient:
    return AAPClient(
        cluster.base_url,
        cluster.aap_version,
        access_token=cluster.access_token,
        refresh_token=cluster.refresh_token,
        client_id=cluster.client_id,
        client_secret=cluster.client_secret,
        verify_ssl=cluster.verify_ssl,
        save_tokens=lambda access, refresh: save_tokens(cluster.pk, access, refresh),
    )


__all__ = ["client_for", "save_tokens"]
