"""``cyberbeeld worker``: the django-tasks database worker, made to last.

* loads the redaction and classification models on start (not inside a job's transaction);
* runs the job reaper (``common.jobs.reap``) on start and every ``JOB_REAP_INTERVAL`` seconds, so that the
  jobs of a worker that died are queued again or failed;
* survives ``database is locked`` and a lost database connection (PostgreSQL restarted, a backend
  terminated): it logs one line, closes its connections and tries again with exponential backoff,
  instead of exiting.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from cyberbeeld.common import jobs
from cyberbeeld.incidents.preload import preload
from cyberbeeld.ops import heartbeat  # the worker's heartbeat for /readyz and the status page

logger = logging.getLogger("cyberbeeld.worker")

BACKOFF_START = 0.5
BACKOFF_MAX = 30.0


def _line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class ResilientWorker(Worker):
    def __init__(self, *args: Any, preload: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.preload = preload
        self._next_reap = 0.0

    def reap(self) -> None:
        if time.monotonic() >= self._next_reap:
            self._next_reap = time.monotonic() + float(getattr(settings, "JOB_REAP_INTERVAL", 30))
            jobs.reap()

    def run(self) -> None:
        logger.info("worker %s: starting", self.worker_id)
        if self.preload:
            seconds = preload()
            logger.info("worker %s: models loaded in %.1f s", self.worker_id, seconds)
        backoff = 0.0
        while self.running:
            try:
                self.reap()
                outcome = self.step()
            except (OperationalError, InterfaceError) as exc:
                backoff = min(BACKOFF_MAX, backoff * 2 or BACKOFF_START)
                logger.warning("worker %s: database unavailable (%s); retrying in %.1f s", self.worker_id,
                               _line(exc), backoff)
                self._close()
                time.sleep(backoff)
                continue
            backoff = 0.0
            if outcome == "exit":
                return
            if self.running and outcome == "idle":
                time.sleep(self.interval)

    def _close(self) -> None:
        for conn in connections.all(initialized_only=True):
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is dropped anyway
                conn.connection = None

    def step(self) -> str:
        """Claim and run at most one task: 'ran', 'idle' or 'exit' (batch done / max tasks)."""
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        task_result = None
        retrieved = True
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)  # so no other worker runs it
        except OperationalError as exc:
            if not is_locked_database_exception(exc):
                raise
            retrieved = False  # locked: it unlocks eventually
        if task_result is not None:
            self.run_task(task_result)
        if self.batch and retrieved and task_result is None:
            logger.info("worker %s: no more tasks, exiting", self.worker_id)
            return "exit"
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            logger.info("worker %s: ran %d tasks, exiting", self.worker_id, self._run_tasks)
            return "exit"
        close_old_connections()
        return "ran" if task_result is not None else "idle"


class Command(DbWorkerCommand):
    help = ("Achtergrondtaken uitvoeren (imports, rapporten); overleeft databasestoringen / "
            "run background tasks; survives database outages")

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--no-preload", action="store_false", dest="preload",
                            help="modellen niet vooraf laden / do not preload the models")

    def handle(self, *args: Any, verbosity: int, queue_name: str, interval: float, batch: bool, backend_name: str,
               startup_delay: bool, reload: bool, max_tasks: int | None, worker_id: str, exclude_queues: str,
               preload: bool = True, **options: Any) -> None:
        self.configure_logging(verbosity)
        if verbosity >= 1:
            logger.setLevel(logging.INFO)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(queue_names=queue_names, interval=interval, batch=batch, backend_name=backend_name,
                                 startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id,
                                 excluded_queue_names=excluded, preload=preload)

        stop = heartbeat.start("worker")
        try:
            if reload and not batch:
                if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                    worker.configure_signals()
                run_with_reloader(worker.run)
            else:
                worker.configure_signals()
                worker.run()
        finally:
            stop.set()
