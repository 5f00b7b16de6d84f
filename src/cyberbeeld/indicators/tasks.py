"""Background import (django-tasks): the web upload runs here, progress is saved on the ImportJob
(claimed, heartbeat, retried and reaped by ``common.jobs``)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from django_tasks import task

from cyberbeeld.common import jobs

from .models import ImportBatch, ImportJob
from .ownership import figure_writer
from .services import ImportFailed, discard_staged, import_observations


def _run(run: Any, job: ImportJob) -> str:
    job = ImportJob.objects.select_related("by").get(pk=job.pk)
    last = [0.0]

    def progress(done: int, total: int | None) -> None:
        run.check()
        now = time.monotonic()
        if now - last[0] > 0.3:  # parsing runs before the transaction: these updates are visible at once
            last[0] = now
            run.mine().update(done=done, total=total)

    discard_staged(job.pk)  # a rerun after a killed worker: the rows that run staged go first
    writer = figure_writer(job.by, job.organisation)  # checked again when the job runs: roles may have changed
    if writer is None:
        reason = "u mag voor deze organisatie geen cijfers inlezen"
        run.finish(ImportJob.State.FAILED, message=reason,
                   problems=[{"reason": reason, "reason_en": "you may not import figures for this organisation"}])
        return "failed"
    suffix = Path(job.file_name).suffix or ".csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (Path(job.file_name).stem[:80] + suffix)
        path.write_bytes(bytes(job.content))
        options = {"area": job.area} if job.area else {}
        try:
            summary = import_observations(path, writer=writer, by=job.by, progress=progress,
                                          origin=ImportBatch.Origin.UPLOAD, job_id=job.pk,
                                          store_progress=lambda done, total: run.check(),
                                          final_check=run.assert_owned, **options)
        except ImportFailed as exc:
            run.finish(ImportJob.State.FAILED, problems=exc.problems[:100], message=str(exc)[:1000])
            return "failed"
    run.finish(ImportJob.State.DONE, done=summary.observations, total=summary.observations, batch=summary.batch,
               message=(f"already:{summary.observations}" if summary.already_imported else
                        f"{summary.created}:{summary.updated}:{summary.unchanged}:{len(summary.indicators_created)}"))
    return "done"


@task()
def run_import_job(job_id: int) -> Any:
    return jobs.run_job("indicators.import", job_id, _run)
