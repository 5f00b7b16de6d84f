"""Background import (django-tasks): the web upload runs here, progress is saved on the ImportJob
(claimed, heartbeat, retried and reaped by ``common.jobs``)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from django_tasks import task

from cyberbeeld.common import jobs
from cyberbeeld.common.models import ImportJob

from .models import ImportBatch
from .ownership import figure_writer
from .services import ImportFailed, discard_staged, import_observations


def problem_rows(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An import's problems in the job's shape: ``{"row", "column", "nl", "en"}`` (and the file, if named)."""
    out = []
    for p in problems:
        row = {"row": p.get("row") or 0, "column": p.get("column") or "", "nl": p.get("reason", ""),
               "en": p.get("reason_en") or p.get("reason", "")}
        if p.get("file"):
            row["file"] = p["file"]
        out.append(row)
    return out


def _run(run: Any, job: ImportJob) -> str:
    job = ImportJob.objects.select_related("created_by", "owner").get(pk=job.pk)
    last = [0.0]

    def progress(done: int, total: int | None) -> None:
        run.check()
        now = time.monotonic()
        if now - last[0] > 0.3:  # parsing runs before the transaction: these updates are visible at once
            last[0] = now
            run.mine().update(done=done, total=total)

    discard_staged(job.pk)  # a rerun after a killed worker: the rows that run staged go first
    writer = figure_writer(job.created_by, job.owner)  # checked again when the job runs: roles may have changed
    if writer is None:
        run.finish(ImportJob.State.FAILED, problems=[
            {"row": 0, "column": "", "nl": "u mag voor deze organisatie geen cijfers inlezen",
             "en": "you may not import figures for this organisation"}])
        return "failed"
    suffix = Path(job.filename).suffix or ".csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (Path(job.filename).stem[:80] + suffix)
        path.write_bytes(bytes(job.data))
        options = {"area": job.options["area"]} if job.options.get("area") else {}
        try:
            summary = import_observations(path, writer=writer, by=job.created_by, progress=progress,
                                          origin=ImportBatch.Origin.UPLOAD, job_id=job.pk,
                                          store_progress=lambda done, total: run.check(),
                                          final_check=run.assert_owned, **options)
        except ImportFailed as exc:
            run.finish(ImportJob.State.FAILED, problems=problem_rows(exc.problems[:100]))
            return "failed"
    run.finish(ImportJob.State.DONE, done=summary.observations, total=summary.observations, result={
        "observations": summary.observations, "already_imported": summary.already_imported,
        "created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged,
        "indicators_created": len(summary.indicators_created),
        "batch": summary.batch.pk if summary.batch is not None else None})
    return "done"


@task()
def run_import_job(job_id: int) -> Any:
    return jobs.run_job("indicators.import", job_id, _run)
