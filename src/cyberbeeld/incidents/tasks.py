"""Background tasks (django-tasks): bulk import with progress, and the retention run."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from cyberbeeld.common import jobs

from .retention import apply_retention
from .services import import_job_run


@task()
def run_import_job(job_id: int) -> dict[str, Any]:
    return jobs.run_job("incidents.import", job_id, import_job_run)  # type: ignore[no-any-return]


@task()
def apply_retention_task(dry_run: bool = False) -> dict[str, Any]:
    """Scheduled daily (cron or a systemd timer: ``cyberbeeld apply-retention``, or enqueue this task)."""
    return apply_retention(by=None, dry_run=dry_run).as_dict()
