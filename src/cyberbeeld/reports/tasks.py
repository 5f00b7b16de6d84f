"""Background work: build a report (django-tasks; the database worker in production, immediate in tests).
Claimed, heartbeat, retried and reaped by ``common.jobs``."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from cyberbeeld.common import jobs

from .models import Report
from .services import report_build


def _run(run: Any, report: Any) -> str:
    report = Report.objects.select_related("area", "owner", "created_by").get(pk=report.pk)
    report = report_build(report, run=run)
    return str(report.content_sha256)


@task()
def build_report(report_id: int) -> Any:
    return jobs.run_job("reports.build", report_id, _run)
