"""One import-job model serves every kind of import: the job life cycle (``common.jobs``) and the pages see
only the rows of their own kind."""

from __future__ import annotations

import pytest

from cyberbeeld.common import jobs
from cyberbeeld.common.models import ImportJob

pytestmark = pytest.mark.django_db


def _job(world, kind: str, **fields) -> ImportJob:
    return ImportJob.objects.create(kind=kind, owner=world.maastricht, created_by=world.anna, filename="x.csv",
                                    data=b"x", **fields)


def test_each_job_runs_under_the_kind_it_names(world):
    incidents, indicators = _job(world, "incidents"), _job(world, "indicators")
    assert jobs.kind_of(incidents).key == "incidents.import"
    assert jobs.kind_of(indicators).key == "indicators.import"
    assert jobs.KINDS["incidents.import"].on_end != jobs.KINDS["indicators.import"].on_end  # its own clean-up
    assert list(jobs.KINDS["incidents.import"].qs()) == [incidents]
    assert list(jobs.KINDS["indicators.import"].qs()) == [indicators]
    # a task of one kind never claims a job of the other (a task carries only the primary key)
    assert jobs.run_job("incidents.import", indicators.pk, lambda run, job: {"state": "ran"}) == {"state": "skipped"}
    indicators.refresh_from_db()
    assert indicators.state == ImportJob.State.QUEUED and indicators.attempts == 0


def test_a_job_page_shows_only_jobs_of_its_own_kind(client, world):
    incidents, indicators = _job(world, "incidents"), _job(world, "indicators")
    client.force_login(world.anna)
    assert client.get(f"/nl/incidenten/importeren/{incidents.uuid}/").status_code == 200
    assert client.get(f"/nl/incidenten/importeren/{indicators.uuid}/").status_code == 404
    assert client.get(f"/nl/monitor/import/{indicators.pk}/").status_code == 200
    assert client.get(f"/nl/monitor/import/{incidents.pk}/").status_code == 404
    page = client.get("/nl/incidenten/importeren/").content.decode()
    assert str(incidents.uuid) in page and str(indicators.uuid) not in page


def test_progress_state_and_phase_as_shown(world):
    job = _job(world, "incidents", state=ImportJob.State.RUNNING, phase=ImportJob.Phase.SAVING, done=50, total=200)
    assert (job.percent, job.finished, str(job.state_label)) == (25, False, "bezig met opslaan")
    job.state, job.phase = ImportJob.State.DONE, ""
    assert (job.percent, job.finished, str(job.state_label)) == (100, True, "klaar")
    assert _job(world, "indicators", total=None).percent == 0
