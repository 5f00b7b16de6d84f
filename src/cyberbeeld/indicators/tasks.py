"""Background import (django-tasks): the web upload runs here, progress is saved on the ImportJob."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from django_tasks import task

from .models import ImportJob
from .ownership import figure_writer
from .services import ImportFailed, import_observations


@task()
def run_import_job(job_id: int) -> str:
    job = ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(state=ImportJob.State.RUNNING)
    last = [0.0]

    def progress(done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] > 0.3:  # parsing runs before the transaction: these updates are visible at once
            last[0] = now
            ImportJob.objects.filter(pk=job_id).update(done=done, total=total)

    writer = figure_writer(job.by, job.organisation)  # checked again when the job runs: roles may have changed
    if writer is None:
        reason = "u mag voor deze organisatie geen cijfers inlezen"
        ImportJob.objects.filter(pk=job_id).update(state=ImportJob.State.FAILED, message=reason,
                                                   problems=[{"reason": reason,
                                                              "reason_en": "you may not import figures for this organisation"}])
        return "failed"
    suffix = Path(job.file_name).suffix or ".csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (Path(job.file_name).stem[:80] + suffix)
        path.write_bytes(bytes(job.content))
        options = {"area": job.area} if job.area else {}
        try:
            summary = import_observations(path, writer=writer, by=job.by, progress=progress, **options)
        except ImportFailed as exc:
            ImportJob.objects.filter(pk=job_id).update(state=ImportJob.State.FAILED, problems=exc.problems[:100],
                                                       message=str(exc)[:1000])
            return "failed"
        except Exception as exc:  # noqa: BLE001 - a task must record why it stopped
            ImportJob.objects.filter(pk=job_id).update(state=ImportJob.State.FAILED, message=str(exc)[:1000],
                                                       problems=[{"reason": str(exc)[:500]}])
            return "failed"
    ImportJob.objects.filter(pk=job_id).update(
        state=ImportJob.State.DONE, done=summary.observations, total=summary.observations,
        batch=summary.batch, message=(
            f"already:{summary.observations}" if summary.already_imported else
            f"{summary.created}:{summary.updated}:{summary.unchanged}:{len(summary.indicators_created)}"))
    return "done"
