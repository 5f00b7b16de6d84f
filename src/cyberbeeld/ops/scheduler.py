"""Scheduled jobs (``cyberbeeld scheduler``): retention, pruning finished background tasks, compacting the
casebook's full-text index. Each run is logged and kept as a :class:`~cyberbeeld.ops.models.ScheduledRun`.

Run exactly one scheduler per installation (it is a single small process; a second one would run each
job twice, which is harmless for these jobs but wasteful).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cyberbeeld.incidents.retention import apply_retention
from cyberbeeld.sharing.textsearch import TABLES

from .models import ScheduledRun

log = logging.getLogger("cyberbeeld.scheduler")


def _retention() -> str:
    report = apply_retention(by=None)
    return f"anonymised={len(report.anonymised)} deleted={len(report.deleted)}"


def _prune_tasks() -> str:
    days = int(os.environ.get("CYBERBEELD_TASK_RETENTION_DAYS", "30") or 30)
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    old_runs, _ = ScheduledRun.objects.filter(started_at__lt=timezone.now() - timedelta(days=365)).delete()
    return f"tasks_deleted={deleted} runs_deleted={old_runs}"


def _search_optimize() -> str:
    if connection.vendor != "sqlite":
        return "skipped (PostgreSQL: autovacuum keeps the GIN index)"
    with connection.cursor() as cur:
        for table in TABLES.values():
            cur.execute(f"INSERT INTO {table}({table}) VALUES('optimize')")
    return f"optimized={len(TABLES)}"


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[], str]


JOBS = (
    Job("apply-retention", timedelta(days=1), _retention),
    Job("prune-tasks", timedelta(days=1), _prune_tasks),
    Job("search-optimize", timedelta(days=7), _search_optimize),
)


def due(now: datetime | None = None) -> list[Job]:
    now = now or timezone.now()
    out = []
    for job in JOBS:
        last = (ScheduledRun.objects.filter(job=job.name).order_by("-started_at")
                .values_list("started_at", flat=True).first())
        if last is None or last + job.every <= now:
            out.append(job)
    return out


def run_job(job: Job) -> ScheduledRun:
    run = ScheduledRun.objects.create(job=job.name, started_at=timezone.now())
    try:
        with transaction.atomic():
            summary = job.run()
        run.ok = True
    except Exception as exc:  # noqa: BLE001 - one failing job must not stop the others
        summary = f"{type(exc).__name__}: {exc}"[:1000]
        log.exception("scheduled job %s failed", job.name, extra={"event": "job_failed"})
    run.summary = summary
    run.finished_at = timezone.now()
    run.save(update_fields=["ok", "summary", "finished_at"])
    log.info("scheduled job %s %s: %s", job.name, "ok" if run.ok else "failed", summary,
             extra={"event": "job_run"})
    return run


def run_due(now: datetime | None = None) -> list[ScheduledRun]:
    return [run_job(job) for job in due(now)]
