"""Block until PostgreSQL accepts connections (container start order is not readiness)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.utils import OperationalError


class Command(BaseCommand):
    help = "Wait until the database answers, at most --timeout seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=60.0)

    def handle(self, *args: Any, **options: Any) -> None:
        deadline = time.monotonic() + options["timeout"]
        while True:
            try:
                connection.ensure_connection()
                return
            except OperationalError as exc:
                if time.monotonic() > deadline:
                    raise CommandError(
                        f"database at {connection.settings_dict['HOST']}:"
                        f"{connection.settings_dict['PORT']} did not answer within "
                        f"{options['timeout']:g}s ({str(exc).strip().splitlines()[0]})"
                    ) from exc
                connection.close()
                time.sleep(1)
