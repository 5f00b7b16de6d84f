"""Fault suite (issue 13, finding 2): real ``cyberbeeld worker`` processes on the test database.

* kill -9 of the worker mid-import and mid-report, then a new worker: the job ends (done, or failed
  with its reason and a retry) within a bounded time, and a killed import left nothing visible;
* a PostgreSQL backend terminated under the worker: it reconnects and carries on (PostgreSQL only).
"""

from __future__ import annotations

import os
import signal

import pytest
from live_processes import enqueue_in_database, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

HEADER = "sleutel;titel;beschrijving;datum_melding;gemeente;vorm;impact;tlp"
BOUND = 240  # seconds: worker start (models load) + the job, on a busy machine


def csv_bytes(n: int) -> bytes:
    rows = [f"K-{i:05d};Phishingmail {i};Mevrouw Jansen kreeg een mail over haar pas, melding {i}.;2026-03-02;"
            f"GM0935;phishing;B;AMBER" for i in range(n)]
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def _kill(proc) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def test_worker_killed_mid_import_then_a_new_worker_finishes_it(world, taxonomy, procs):
    from cyberbeeld.common.models import ImportJob
    from cyberbeeld.incidents.models import Incident
    from cyberbeeld.incidents.tasks import run_import_job

    n = 3000
    job = ImportJob.objects.create(kind="incidents", owner=world.maastricht, created_by=world.anna, filename="groot.csv",
                                   data=csv_bytes(n))
    enqueue_in_database(run_import_job, job.pk)
    first, log1 = procs.worker("worker-1")

    def mid_import():
        j = ImportJob.objects.defer("data").get(pk=job.pk)
        return j.state == ImportJob.State.RUNNING and j.done > 0 and j

    wait_for(mid_import, BOUND, "the import to be under way", alive=first, log=log1)
    _kill(first)
    job.refresh_from_db()
    assert job.state == ImportJob.State.RUNNING, job.state  # orphaned, mid-import
    assert Incident.objects.filter(owner=world.maastricht).count() == 0  # nothing half-written is visible
    second, log2 = procs.worker("worker-2")
    wait_for(lambda: ImportJob.objects.defer("data").get(pk=job.pk).finished, BOUND, "the import to end",
             alive=second, log=log2)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE, (job.state, job.failure_nl, log2.read_text()[-2000:])
    assert job.attempts == 2 and job.result["created"] == n and bytes(job.data) == b""
    assert Incident.objects.filter(owner=world.maastricht).count() == n
    wait_for(lambda: not Incident._base_manager.filter(staged_job__isnull=False).exists(), 60,
             "the job links of the swapped-in rows to be cleared", alive=second, log=log2)


def test_worker_killed_mid_report_then_a_new_worker_finishes_it(world, procs):
    from cyberbeeld.reports.models import Report, ReportStatus
    from cyberbeeld.reports.services import report_request
    from cyberbeeld.reports.tasks import build_report

    report = report_request(by=world.anna, owner=world.maastricht, area=world.gm_maastricht, lang="nl", fmt="pdf")
    enqueue_in_database(build_report, report.pk)
    first, log1 = procs.worker("worker-1")
    wait_for(lambda: Report.objects.filter(pk=report.pk, status=ReportStatus.RUNNING).exists(), BOUND,
             "the report to be under way", every=0.01, alive=first, log=log1)
    _kill(first)
    report.refresh_from_db()
    if report.status == ReportStatus.DONE:  # pragma: no cover - finished between the check and the kill
        pytest.skip("the report was built before the worker could be killed")
    assert report.status == ReportStatus.RUNNING and not report.content
    second, log2 = procs.worker("worker-2")
    wait_for(lambda: Report.objects.filter(pk=report.pk, status__in=[ReportStatus.DONE, ReportStatus.FAILED]).exists(),
             BOUND, "the report to end", alive=second, log=log2)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, (report.status, report.failure_nl, report.error)
    assert report.attempts == 2 and report.content and report.heartbeat_at is None


def test_retries_are_bounded_a_job_whose_workers_keep_dying_fails_with_its_reason(world, procs):
    """With one attempt allowed, the job of a killed worker is failed (reason in NL and EN, retry offered)."""
    from cyberbeeld.common import jobs
    from cyberbeeld.reports.models import Report, ReportStatus
    from cyberbeeld.reports.services import report_request
    from cyberbeeld.reports.tasks import build_report

    report = report_request(by=world.anna, owner=world.maastricht, area=world.gm_maastricht, lang="nl", fmt="pdf")
    enqueue_in_database(build_report, report.pk)
    first, log1 = procs.worker("worker-1", CYBERBEELD_JOB_MAX_ATTEMPTS="1")
    wait_for(lambda: Report.objects.filter(pk=report.pk, status=ReportStatus.RUNNING).exists(), BOUND,
             "the report to be under way", every=0.01, alive=first, log=log1)
    _kill(first)
    if Report.objects.filter(pk=report.pk, status=ReportStatus.DONE).exists():  # pragma: no cover
        pytest.skip("the report was built before the worker could be killed")
    second, log2 = procs.worker("worker-2", CYBERBEELD_JOB_MAX_ATTEMPTS="1")
    wait_for(lambda: Report.objects.filter(pk=report.pk, status=ReportStatus.FAILED).exists(), BOUND,
             "the report to be failed", alive=second, log=log2)
    report.refresh_from_db()
    assert "1 pogingen" in report.failure_nl and "1 attempts" in report.failure_en
    assert jobs.can_retry(report)


def test_worker_survives_postgresql_terminating_its_connection(world, taxonomy, procs):
    from django.db import connection

    from cyberbeeld.common.models import ImportJob
    from cyberbeeld.incidents.models import Incident
    from cyberbeeld.incidents.tasks import run_import_job

    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend needs PostgreSQL (the Makefile's PostgreSQL run executes this test)")

    def others() -> list[int]:
        with connection.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid()")
            return [r[0] for r in cur.fetchall()]

    def terminate() -> int:
        pids = others()
        with connection.cursor() as cur:
            for pid in pids:
                cur.execute("SELECT pg_terminate_backend(%s)", [pid])
        return len(pids)

    worker, log = procs.worker()
    wait_for(others, BOUND, "the worker to connect", alive=worker, log=log)
    assert terminate() >= 1  # while idle
    small = ImportJob.objects.create(kind="incidents", owner=world.maastricht, created_by=world.anna, filename="a.csv",
                                     data=csv_bytes(5))
    enqueue_in_database(run_import_job, small.pk)
    wait_for(lambda: ImportJob.objects.defer("data").get(pk=small.pk).finished, BOUND, "the first import",
             alive=worker, log=log)
    assert ImportJob.objects.get(pk=small.pk).state == ImportJob.State.DONE
    # and in the middle of a job: the job is queued again and finished by the same worker
    big = ImportJob.objects.create(kind="incidents", owner=world.maastricht, created_by=world.anna, filename="b.csv",
                                   data=csv_bytes(3000))
    enqueue_in_database(run_import_job, big.pk)
    wait_for(lambda: ImportJob.objects.defer("data").filter(pk=big.pk, state=ImportJob.State.RUNNING, phase=ImportJob.Phase.CHECKING,
                                                            done__gt=0).exists(),
             BOUND, "the second import to be under way", alive=worker, log=log)
    terminate()
    wait_for(lambda: ImportJob.objects.defer("data").get(pk=big.pk).finished, BOUND, "the second import",
             alive=worker, log=log)
    big.refresh_from_db()
    assert big.state == ImportJob.State.DONE and big.attempts == 2, (big.state, big.failure_nl)
    assert Incident.objects.filter(owner=world.maastricht).count() == 3000
    assert worker.poll() is None  # the worker never exited
    assert "database unavailable" in log.read_text() or "database error" in log.read_text()
