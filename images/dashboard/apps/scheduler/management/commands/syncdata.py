"""Queue a manual sync of the jobs finished between --since and --until."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from apps.clusters.models import Cluster
from apps.scheduler.dates import parse_bound
from apps.scheduler.queue import queue_sync


class Command(BaseCommand):
    help = "Queue a sync of AAP jobs finished in [since, until] (ISO date or datetime, UTC)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="e.g. 2026-01-01 (00:00:00 UTC)")
        parser.add_argument("--until", help="e.g. 2026-01-31 (23:59:59.999999 UTC)")
        parser.add_argument("--cluster", type=int, help="cluster id (default: every cluster)")

    def handle(self, *args: Any, **options: Any) -> None:
        since = self._bound(options["since"], "since", end=False)
        until = self._bound(options["until"], "until", end=True)
        if since > until:
            raise CommandError(
                f"--since {since.isoformat()} is after --until {until.isoformat()}; swap them"
            )
        clusters = Cluster.objects.order_by("pk")
        if options["cluster"] is not None:
            clusters = clusters.filter(pk=options["cluster"])
        clusters = list(clusters)
        if not clusters:
            raise CommandError("no cluster is registered; run 'manage.py setclusters FILE' first")
        with transaction.atomic():
            for cluster in clusters:
                job = queue_sync(cluster, since=since, until=until)
                self.stdout.write(
                    f"queued sync job {job.pk} for {cluster.base_url}: "
                    f"{since.isoformat()} .. {until.isoformat()}"
                )

    def _bound(self, value: str | None, name: str, *, end: bool) -> datetime:
        if value is None:
            if not sys.stdin.isatty():
                raise CommandError(f"--{name} is required (ISO date, e.g. 2026-01-01)")
            value = input(f"{name} (YYYY-MM-DD or ISO datetime): ")
        try:
            return parse_bound(value, end=end)
        except ValueError as exc:
            raise CommandError(
                f"--{name} {value!r} is not an ISO date or datetime (e.g. 2026-01-01)"
            ) from exc
