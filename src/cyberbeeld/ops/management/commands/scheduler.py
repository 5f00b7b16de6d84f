"""``cyberbeeld scheduler [--once]``: run the scheduled jobs when due (checked every minute)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from cyberbeeld.ops import heartbeat, scheduler


class Command(BaseCommand):
    help = "Geplande taken uitvoeren (bewaartermijnen, opschonen) / run scheduled jobs"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="wat nu moet, dan stoppen / run what is due, exit")
        parser.add_argument("--interval", type=float, default=60.0)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["once"]:
            for run in scheduler.run_due():
                self.stdout.write(f"{run.job}: {'ok' if run.ok else 'mislukt / failed'} — {run.summary}")
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        beats = heartbeat.start("scheduler")
        try:
            while not stop.is_set():
                close_old_connections()
                scheduler.run_due()
                stop.wait(opts["interval"])
        finally:
            beats.set()
