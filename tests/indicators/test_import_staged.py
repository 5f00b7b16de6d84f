"""Indicator imports commit in bounded chunks yet stay all-or-nothing for the user (issue 14 / issue 13 point 3):
new cells are staged in short transactions and swapped in by one final statement; a failure, a cancel or a killed
run mid-import leaves nothing visible, and the uploaded file is deleted when the job ends."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from cyberbeeld.common.models import ImportJob
from cyberbeeld.indicators import services
from cyberbeeld.indicators.models import ImportBatch, Indicator, Observation, StagedObservation
from cyberbeeld.indicators.ownership import PLATFORM

pytestmark = pytest.mark.django_db
FILE = "cbs-83648NED/83648NED_gemeenten_totaal_2010_2020.csv"


@pytest.fixture
def areas(world, shared_data, settings):
    from cyberbeeld.areas.importers import import_file, reference_files

    settings.SHARED_DATA_DIR = shared_data
    for path in reference_files(shared_data):
        import_file(path)
    return world


class Killed(BaseException):
    """Stands for the process dying: not an Exception, so no handler of the importer may swallow it."""


def _state():
    return (Observation.objects.count(), sorted(Indicator.objects.values_list("code", flat=True)),
            ImportBatch.objects.count())


def test_the_import_commits_in_chunks_and_shows_nothing_until_the_end(areas, shared_data, monkeypatch):
    """Each chunk is its own transaction: while the third chunk is staged, the first two are in the staging
    table (committed) and not one observation is visible."""
    monkeypatch.setattr(services, "_CHUNK", 500)
    seen = []

    def progress(done, total):
        seen.append((StagedObservation.objects.count(), Observation.objects.count()))

    summary = services.import_observations(shared_data / FILE, writer=PLATFORM, store_progress=progress)
    assert len(seen) >= 3 and [s for s, _ in seen[:3]] == [500, 1000, 1500]
    assert all(visible == 0 for _, visible in seen)
    assert summary.created == Observation.objects.count() > 3000
    assert StagedObservation.objects.count() == 0 and ImportBatch.objects.get().status == "done"


@pytest.mark.parametrize("how", [RuntimeError, Killed])
def test_a_failure_or_kill_mid_import_leaves_nothing(areas, shared_data, monkeypatch, how):
    """A failure is undone at once; a killed run (its clean-up never ran) leaves only staged rows, which no page
    shows, and the next import discards them before it writes."""
    monkeypatch.setattr(services, "_CHUNK", 500)
    before = _state()
    calls = []

    def progress(done, total):
        calls.append(done)
        if len(calls) == 3:
            raise how("mid-import")

    real_discard = services.discard
    if how is Killed:
        monkeypatch.setattr(services, "discard", lambda batch: None)  # a dead process cleans nothing up
    with pytest.raises(how):
        services.import_observations(shared_data / FILE, writer=PLATFORM, store_progress=progress)
    assert Observation.objects.count() == before[0]
    if how is RuntimeError:
        assert _state() == before and StagedObservation.objects.count() == 0
    else:
        assert StagedObservation.objects.count() == 1500  # three chunks staged, none visible
        monkeypatch.setattr(services, "discard", real_discard)
        monkeypatch.setattr(services, "STALE_AFTER", 0)
        services.discard_stale()  # what the next import does first
        assert _state() == before and StagedObservation.objects.count() == 0
    monkeypatch.setattr(services, "STALE_AFTER", 3600)
    out = io.StringIO()
    call_command("import_cbs", str(shared_data / FILE), stdout=out)
    assert "niets gewijzigd" not in out.getvalue()
    count = Observation.objects.count()
    call_command("import_cbs", str(shared_data / FILE), stdout=out)
    assert "al ingelezen, niets gewijzigd" in out.getvalue() and Observation.objects.count() == count


def test_a_running_import_is_not_taken_for_a_stale_one(areas, shared_data, monkeypatch):
    """Another import started meanwhile does not discard the rows of one that is still staging."""
    monkeypatch.setattr(services, "_CHUNK", 500)
    other = []

    def progress(done, total):
        if not other:
            other.append(True)
            services.discard_stale()
        assert StagedObservation.objects.exists()

    services.import_observations(shared_data / FILE, writer=PLATFORM, store_progress=progress)
    assert Observation.objects.count() > 3000


def test_an_upload_job_that_is_cancelled_mid_import_leaves_nothing_and_no_file(areas, shared_data, monkeypatch,
                                                                              settings):
    from cyberbeeld.accounts import services as account_services
    from cyberbeeld.common import jobs
    from cyberbeeld.indicators.tasks import _run

    settings.JOB_HEARTBEAT_INTERVAL = 3600  # the test's transaction is invisible to the heartbeat's connection

    def run_import_job(pk):
        return jobs.run_job("indicators.import", pk, _run)

    monkeypatch.setattr(services, "_CHUNK", 500)
    data = (shared_data / FILE).read_bytes()
    job = ImportJob.objects.create(kind="indicators", owner=areas.kenniscentrum, created_by=areas.kees, filename="83648NED.csv",
                                   data=data)
    before = _state()
    real = services._insert
    calls = []

    def insert(rows, path):
        real(rows, path)
        calls.append(1)
        if len(calls) == 2:  # the owner cancels while the rows are being staged
            account_services.job_cancel(ImportJob.objects.get(pk=job.pk), by=areas.kees)

    monkeypatch.setattr(services, "_insert", insert)
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.state == ImportJob.State.CANCELLED, (job.state, job.failure_nl)
    assert _state() == before and StagedObservation.objects.count() == 0
    assert bytes(job.data) == b""  # the uploaded file is gone when the job ends
    monkeypatch.setattr(services, "_insert", real)
    job2 = ImportJob.objects.create(kind="indicators", owner=areas.kenniscentrum, created_by=areas.kees, filename="83648NED.csv",
                                    data=data)
    run_import_job(job2.pk)
    job2.refresh_from_db()
    assert job2.state == ImportJob.State.DONE, (job2.state, job2.failure_nl, job2.problems)
    batch = ImportBatch.objects.get(job=job2)
    assert bytes(job2.data) == b"" and batch.origin == "upload" and job2.result["batch"] == batch.pk
    assert Observation.objects.filter(import_batch=batch).count() == Observation.objects.count() > 3000
