"""The task role: wait for migrations, then run SyncJobs until stopped."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.scheduler.dispatcher import Dispatcher


class Command(BaseCommand):
    help = "Run the sync worker (SIGTERM/SIGINT stop it after the current job)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--until-idle",
            action="store_true",
            help="exit once no job is pending (tests, benchmarks)",
        )
        parser.add_argument("--poll", type=float, help="seconds between queue polls")

    def handle(self, *args: Any, **options: Any) -> None:
        dispatcher = Dispatcher()
        if options["poll"]:
            dispatcher.poll = options["poll"]
        signal.signal(signal.SIGTERM, dispatcher.stop)
        signal.signal(signal.SIGINT, dispatcher.stop)
        dispatcher.run(until_idle=options["until_idle"])
