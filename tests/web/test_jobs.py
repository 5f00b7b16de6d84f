"""Jobs that end (issue 13, findings 2 and 3), in-process: claim once, heartbeat, time limit, bounded
retry, reaper, cancel and retry for the owner only, uploaded files deleted when a job ends; short write
transactions (no redaction or classification inside one; bulk imports staged in chunks and swapped in)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.utils import timezone

from cyberbeeld.accounts import services as account_services
from cyberbeeld.accounts.models import AuditEvent
from cyberbeeld.common import jobs
from cyberbeeld.common.models import ImportJob
from cyberbeeld.incidents import bulk
from cyberbeeld.incidents.models import Incident

pytestmark = pytest.mark.django_db

HEADER = "sleutel;titel;beschrijving;datum_melding;gemeente;vorm;impact;tlp"


def csv_bytes(n: int, start: int = 0) -> bytes:
    rows = [f"K-{i:04d};Phishingmail {i};Inwoners kregen een mail, nummer {i}.;2026-03-02;GM0935;phishing;B;AMBER"
            for i in range(start, start + n)]
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def ago(seconds: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)


# --------------------------------------------------------------------------- short write transactions


def test_incident_save_redacts_and_classifies_outside_the_write_transaction(world, taxonomy, monkeypatch):
    """Finding 3: deduce and the classifier were loaded (and run) inside incident_save's transaction,
    holding SQLite's write lock for 11–34 s after a restart."""
    from cyberbeeld.incidents import services

    base = len(connection.atomic_blocks)  # the test's own transaction
    seen: list[tuple[str, int]] = []
    real_redact, real_classifier = services.redact, services.classifier

    def spy_redact(text: str) -> str:
        seen.append(("redact", len(connection.atomic_blocks) - base))
        return real_redact(text)

    def spy_classifier():
        seen.append(("classifier", len(connection.atomic_blocks) - base))
        return real_classifier()

    monkeypatch.setattr(services, "redact", spy_redact)
    monkeypatch.setattr(services, "classifier", spy_classifier)
    inc = services.incident_save(by=world.anna, owner=world.maastricht, data={
        "title": "Phishingmail namens de bank", "tlp": "amber",
        "raw_description": "Jan de Vries (06-12345678) kreeg een mail met een link."})
    assert {name for name, _ in seen} == {"redact", "classifier"}
    assert all(depth == 0 for _, depth in seen), seen
    assert "06-12345678" not in inc.redacted_description and inc.suggested_form is not None


def _checked(world, data: bytes):
    rows, result = bulk.check_file(world.maastricht, "i.csv", data)
    assert result.ok
    return rows, result


def test_import_killed_while_saving_leaves_nothing_visible_and_the_rerun_is_idempotent(world, taxonomy, monkeypatch):
    """Saving commits short chunks; until the final swap none of them is visible. A kill -9 after two chunks
    (no cleanup runs) leaves nothing visible; the rerun of the job deletes the staged rows first."""
    monkeypatch.setattr(bulk, "CHUNK", 2)
    data = csv_bytes(7)
    job = ImportJob.objects.create(kind="incidents", owner=world.maastricht, created_by=world.anna, filename="i.csv", data=data,
                                   state=ImportJob.State.RUNNING, phase=ImportJob.Phase.SAVING)
    rows, result = _checked(world, data)
    calls = []

    class Killed(BaseException):
        pass

    def dies_after_two_chunks() -> None:
        calls.append(1)
        if len(calls) == 3:
            raise Killed

    monkeypatch.setattr(bulk, "discard_staged", lambda job_id: None)  # kill -9: no clean-up runs
    with pytest.raises(Killed):
        bulk.save_rows(world.maastricht, world.anna, rows, result, filename="i.csv", job=job,
                       check=dies_after_two_chunks)
    monkeypatch.undo()
    monkeypatch.setattr(bulk, "CHUNK", 2)
    assert Incident._base_manager.filter(staged_job=job).count() == 4  # written, committed …
    assert Incident.objects.count() == 0  # … and invisible
    assert not AuditEvent.objects.filter(object_type="incidents.incident").exists()
    rows, result = _checked(world, data)
    done = bulk.save_rows(world.maastricht, world.anna, rows, result, filename="i.csv", job=job)
    assert (done.created, done.updated) == (7, 0)
    assert Incident.objects.count() == 7 == Incident._base_manager.count()
    assert not Incident._base_manager.filter(staged_job__isnull=False).exists()
    assert AuditEvent.objects.filter(object_type="incidents.incident", action="import").count() == 7
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and bytes(job.data) == b""
    again = bulk.import_file(world.maastricht, world.anna, "i.csv", data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7) and Incident.objects.count() == 7


def test_import_updates_changed_rows_in_the_final_swap(world, taxonomy, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 3)
    bulk.import_file(world.maastricht, world.anna, "i.csv", csv_bytes(5))
    changed = csv_bytes(5).replace(b"Phishingmail 2;", b"Phishingmail twee;") + csv_bytes(2, start=5).split(b"\n", 1)[1]
    result = bulk.import_file(world.maastricht, world.anna, "i.csv", changed)
    assert (result.created, result.updated, result.unchanged) == (2, 1, 4)
    assert Incident.objects.get(external_id="K-0002").title == "Phishingmail twee"
    assert Incident.objects.count() == 7
    assert not ImportJob.objects.exists()  # a command-line import keeps no job row


# --------------------------------------------------------------------------- reaper, time limit, attempts


def test_reaper_requeues_an_orphan_then_fails_it_after_the_last_attempt(world, settings):
    settings.JOB_STALE_AFTER, settings.JOB_MAX_ATTEMPTS = 30, 2
    job = ImportJob.objects.create(kind="incidents", owner=world.maastricht, filename="i.csv", data=b"x;y", attempts=1,
                                   state=ImportJob.State.RUNNING, phase=ImportJob.Phase.CHECKING, started_at=ago(120), heartbeat_at=ago(60),
                                   done=40, total=100)
    fresh = ImportJob.objects.create(kind="incidents", owner=world.maastricht, filename="j.csv", data=b"x;y", attempts=1,
                                     state=ImportJob.State.RUNNING, phase=ImportJob.Phase.CHECKING, started_at=ago(120), heartbeat_at=ago(1))
    assert jobs.reap() == {"requeued": 1, "failed": 0, "timed_out": 0}
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.state == ImportJob.State.QUEUED and job.done == 0 and bytes(job.data) == b"x;y"
    assert fresh.state == ImportJob.State.RUNNING  # its worker is alive
    # the second attempt dies too: no attempts left
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING, phase=ImportJob.Phase.SAVING, attempts=2, heartbeat_at=ago(45))
    assert jobs.reap()["failed"] == 1
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED and bytes(job.data) == b"" and job.finished_at is not None
    assert "2 pogingen" in job.failure_nl and "2 attempts" in job.failure_en


def test_a_job_past_its_time_limit_is_failed(world, settings):
    from cyberbeeld.reports.models import Report, ReportStatus

    settings.JOB_TIMEOUT = 600
    report = Report.objects.create(owner=world.maastricht, area=world.gm_maastricht, status=ReportStatus.RUNNING,
                                   attempts=1, started_at=ago(700), heartbeat_at=ago(1))
    assert jobs.reap()["timed_out"] == 1
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "tijdslimiet van 600 seconden" in report.failure_nl
    assert "time limit of 600 seconds" in report.failure("en")


def test_a_job_is_claimed_by_one_run_only(world):
    job = ImportJob.objects.create(kind="incidents", owner=world.maastricht, filename="i.csv", data=b"")
    ran = []

    def body(run, j):
        ran.append(run.attempt)
        # a second delivery of the same task while this one runs does nothing
        assert jobs.run_job("incidents.import", j.pk, lambda *a: ran.append("twice")) == {"state": "skipped"}
        run.finish(ImportJob.State.DONE)
        return "ok"

    assert jobs.run_job("incidents.import", job.pk, body) == "ok"
    assert ran == [1]
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.attempts == 1 and job.heartbeat_at is None


def test_an_unexpected_error_fails_the_job_with_the_reason(world):
    job = ImportJob.objects.create(kind="incidents", owner=world.maastricht, filename="i.csv", data=b"abc")

    def body(run, j):
        raise ValueError("kapotte invoer")

    jobs.run_job("incidents.import", job.pk, body)
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED and bytes(job.data) == b""
    assert "kapotte invoer" in job.failure_nl and job.failure_en.startswith("Unexpected error")


@pytest.mark.django_db(transaction=True)
def test_cancel_stops_a_running_job_through_its_heartbeat(world, settings):
    """The heartbeat thread (its own connection) notices the cancel; the run stops at its next step and
    writes nothing; the uploaded file is gone."""
    settings.JOB_HEARTBEAT_INTERVAL = 0.05
    job = ImportJob.objects.create(kind="incidents", owner=world.maastricht, filename="i.csv", data=b"secret")

    def body(run, j):
        assert account_services.job_cancel(ImportJob.objects.get(pk=j.pk), by=world.anna)
        deadline = time.monotonic() + 10
        while run.stop_reason is None and time.monotonic() < deadline:
            time.sleep(0.02)
        run.check()
        run.finish(ImportJob.State.DONE)  # pragma: no cover - never reached
        return "done"

    assert jobs.run_job("incidents.import", job.pk, body) == {"state": "stopped", "reason": "lost"}
    job.refresh_from_db()
    assert job.state == ImportJob.State.CANCELLED and bytes(job.data) == b"" and job.failure_en == "Cancelled."


# --------------------------------------------------------------------------- pages: cancel and retry


def test_owner_cancels_an_import_others_get_404(client, world):
    job = ImportJob.objects.create(kind="incidents", owner=world.maastricht, created_by=world.anna, filename="i.csv", data=b"x")
    for user in (world.zoe, world.lezer):  # another organisation; a reader of the same one
        client.force_login(user)
        assert client.post(f"/nl/incidenten/importeren/{job.uuid}/annuleren/").status_code == 404
        assert client.post(f"/nl/incidenten/importeren/{job.uuid}/opnieuw/").status_code == 404
    job.refresh_from_db()
    assert job.state == ImportJob.State.QUEUED
    client.force_login(world.anna)
    page = client.get(f"/nl/incidenten/importeren/{job.uuid}/").content.decode()
    assert "annuleren/" in page and "Annuleren" in page
    assert client.post(f"/nl/incidenten/importeren/{job.uuid}/annuleren/").status_code == 302
    job.refresh_from_db()
    assert job.state == ImportJob.State.CANCELLED and bytes(job.data) == b""
    assert AuditEvent.objects.filter(action="job-cancel", object_id=str(job.uuid)).exists()
    page = client.get(f"/nl/incidenten/importeren/{job.uuid}/").content.decode()
    assert "er is niets ingelezen" in page and "opnieuw/" in page
    # the file was deleted with the job's end: retry asks for the file again
    response = client.post(f"/nl/incidenten/importeren/{job.uuid}/opnieuw/")
    assert response.status_code == 302 and response["Location"].endswith("/nl/incidenten/importeren/")


def test_failed_job_shows_its_reason_in_both_languages(client, world):
    job = ImportJob.objects.create(kind="incidents", owner=world.maastricht, filename="i.csv", state=ImportJob.State.FAILED,
                                   failure_nl="De achtergrondverwerker is gestopt.", failure_en="The worker stopped.")
    client.force_login(world.anna)
    assert "De achtergrondverwerker is gestopt." in client.get(f"/nl/incidenten/importeren/{job.uuid}/").content.decode()
    assert "The worker stopped." in client.get(f"/en/incidenten/importeren/{job.uuid}/").content.decode()


def test_report_cancel_and_retry_for_its_owner_only(client, world):
    from cyberbeeld.reports.models import Report, ReportStatus

    report = Report.objects.create(owner=world.maastricht, created_by=world.anna, area=world.gm_maastricht,
                                   status=ReportStatus.QUEUED)
    client.force_login(world.zoe)
    assert client.post(f"/nl/rapport/{report.uuid}/annuleren/").status_code == 404
    client.force_login(world.anna)
    assert client.post(f"/nl/rapport/{report.uuid}/annuleren/").status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.CANCELLED
    assert "geannuleerd" in client.get(f"/nl/rapport/{report.uuid}/").content.decode()
    assert client.post(f"/nl/rapport/{report.uuid}/opnieuw/").status_code == 302


def test_indicator_job_cancel_is_404_for_another_organisation(client, world):
    job = ImportJob.objects.create(kind="indicators", owner=world.maastricht, created_by=world.anna, filename="x.csv",
                                   data=b"x")
    client.force_login(world.zoe)
    assert client.post(f"/nl/monitor/import/{job.pk}/annuleren/").status_code == 404
    job.refresh_from_db()
    assert job.state == "queued"


def test_a_write_refused_for_a_busy_database_is_a_503_page_with_a_message(rf):
    """When SQLite's write lock stays taken past the busy timeout, the user gets a sentence, not a 500."""
    from django.db import OperationalError

    from cyberbeeld.web.middleware import DatabaseBusyMiddleware

    mw = DatabaseBusyMiddleware(lambda request: None)
    response = mw.process_exception(rf.post("/nl/incidenten/nieuw/"), OperationalError("database is locked"))
    assert response.status_code == 503 and response["Retry-After"]
    assert "Er is niets opgeslagen" in response.content.decode() and "Nothing was saved" in response.content.decode()
    assert mw.process_exception(rf.get("/"), OperationalError("no such table: x")) is None  # a real error stays one
