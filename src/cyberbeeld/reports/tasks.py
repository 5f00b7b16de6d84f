"""Background work: build a report (django-tasks; the database worker in production, immediate in tests)."""

from __future__ import annotations

from django_tasks import task


@task()
def build_report(report_id: int) -> str:
    from .models import Report
    from .services import report_build

    report = Report.objects.select_related("area", "owner", "created_by").get(pk=report_id)
    report = report_build(report)
    return report.content_sha256
