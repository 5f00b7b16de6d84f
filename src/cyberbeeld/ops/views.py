"""The system status page for beheerders: readiness, heartbeats and the scheduled runs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cyberbeeld.accounts import policy

from . import health
from .models import ScheduledRun
from .scheduler import JOBS


def _is_beheerder(user: object) -> bool:
    return any(policy.may_read_audit(user, org) for org in policy.organisations_of(user))


@login_required
def system_status(request: HttpRequest) -> HttpResponse:
    if not _is_beheerder(request.user):
        raise Http404
    checks = {
        "database": health._timed(health.check_database),
        "migrations": health._timed(health.check_migrations),
        "cache": health._timed(health.check_cache),
        "worker": health._timed(health.check_worker),
        "scheduler": health._timed(health.check_scheduler),
    }
    runs = ScheduledRun.objects.all()[:100]
    return render(request, "ops/system_status.html", {"checks": checks, "runs": runs,
                                                      "jobs": [job.name for job in JOBS]})
