"""``cyberbeeld worker``: django-tasks-db's database worker, with a heartbeat for ``/readyz``."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from cyberbeeld.ops import heartbeat


class Command(DbWorkerCommand):
    help = "Achtergrondtaken uitvoeren (met hartslag voor /readyz) / run background tasks"

    def handle(self, *args: Any, **options: Any) -> None:
        stop = heartbeat.start("worker")
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
