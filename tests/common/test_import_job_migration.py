"""The two import-job models of incidents and indicators become one (``common.ImportJob``): the migrations move
every existing row, with its state, counts, problems and links, and drop the old tables. Runs on SQLite and,
with ``DATABASE_URL`` set, on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

OLD = [("incidents", "0004_list_sort_indexes"), ("indicators", "0010_cleanup_legacy_indicators")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state([*targets, ("common", "0001_initial")]).apps


@pytest.fixture
def back_to_latest():
    """Whatever a test does, the database ends at the latest migrations (the next test expects them)."""
    yield
    _migrate(_latest())


def _latest():
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] in ("incidents", "indicators", "common")]


@pytest.mark.django_db(transaction=True)
def test_migrations_move_both_old_job_tables_into_one(back_to_latest):
    apps = _migrate(OLD)
    Organisation = apps.get_model("accounts", "Organisation")
    User = apps.get_model("auth", "User")
    IncJob = apps.get_model("incidents", "ImportJob")
    IndJob = apps.get_model("indicators", "ImportJob")
    Incident = apps.get_model("incidents", "Incident")
    ImportBatch = apps.get_model("indicators", "ImportBatch")

    org = Organisation.objects.create(kind="gemeente", name="Testdam", slug="testdam-mig")
    other = Organisation.objects.create(kind="gemeente", name="Elders", slug="elders-mig")
    user = User.objects.create(username="mig-user")
    long_ago = timezone.now() - dt.timedelta(days=30)

    done_inc = IncJob.objects.create(owner=org, created_by=user, filename="a.csv", data=b"", state="klaar", total=3,
                                     processed=3, created=2, updated=1, unchanged=0, finished_at=long_ago,
                                     attempts=1)
    IncJob.objects.filter(pk=done_inc.pk).update(created_at=long_ago)
    refused = IncJob.objects.create(owner=other, filename="b.xlsx", data=b"", state="mislukt", total=2, processed=2,
                                    errors=[{"row": 2, "column": "datum", "nl": "geen datum", "en": "no date"}])
    saving = IncJob.objects.create(owner=org, created_by=user, filename="c.csv", data=b"x;y", state="opslaan",
                                   total=5, processed=5, attempts=1, heartbeat_at=timezone.now())
    shown = Incident.objects.create(owner=org, title="zichtbaar", staged_job=done_inc)
    hidden = Incident.objects.create(owner=org, title="half opgeslagen", staged_job=saving)

    batch = ImportBatch.objects.create(source="upload", sha256="0" * 64, status="done")
    done_ind = IndJob.objects.create(organisation=org, by=user, file_name="cijfers.csv", content=b"", state="done",
                                     done=40, total=40, message="12:3:25:2", batch=batch, area="GM0363")
    IndJob.objects.filter(pk=done_ind.pk).update(created_at=long_ago)
    IndJob.objects.create(organisation=org, file_name="zelfde.csv", content=b"", state="done", done=9,
                                  total=9, message="already:9")
    IndJob.objects.create(organisation=other, file_name="fout.csv", content=b"", state="failed",
                                       problems=[{"file": "fout.csv", "row": 4, "column": "waarde",
                                                  "reason": "geen getal", "reason_en": "not a number"}])
    IndJob.objects.create(organisation=org, by=user, file_name="wacht.csv", content=b"a,b",
                                       state="queued")

    apps = _migrate(_latest())
    Job = apps.get_model("common", "ImportJob")
    Incident = apps.get_model("incidents", "Incident")
    ImportBatch = apps.get_model("indicators", "ImportBatch")
    tables = connection.introspection.table_names()
    assert "incidents_importjob" not in tables and "indicators_importjob" not in tables
    assert Job.objects.count() == 7
    assert Job.objects.filter(kind="incidents").count() == 3 and Job.objects.filter(kind="indicators").count() == 4

    j = Job.objects.get(uuid=done_inc.uuid)  # the incident job pages are addressed by uuid: the address stays
    assert (j.kind, j.state, j.phase, j.owner_id, j.created_by_id, j.filename) == (
        "incidents", "done", "", org.pk, user.pk, "a.csv")
    assert (j.done, j.total, j.result, j.attempts) == (3, 3, {"created": 2, "updated": 1, "unchanged": 0}, 1)
    assert j.created_at == long_ago and j.finished_at == long_ago
    j = Job.objects.get(uuid=refused.uuid)
    assert (j.state, j.owner_id, j.result) == ("failed", other.pk, {})
    assert j.problems == [{"row": 2, "column": "datum", "nl": "geen datum", "en": "no date"}]
    j = Job.objects.get(uuid=saving.uuid)  # its task is gone: failed with the reason, the file kept for a retry
    assert j.state == "failed" and "bijgewerkt" in j.failure_nl and "upgraded" in j.failure_en
    assert bytes(j.data) == b"x;y" and j.heartbeat_at is None and j.finished_at is not None
    # the done job's rows stay visible without their link; the unfinished job's never-visible rows are gone
    assert Incident.objects.get(pk=shown.pk).staged_job_id is None
    assert not Incident.objects.filter(pk=hidden.pk).exists()

    j = Job.objects.get(kind="indicators", filename="cijfers.csv")
    assert (j.state, j.owner_id, j.created_by_id, j.options, j.done, j.total) == (
        "done", org.pk, user.pk, {"area": "GM0363"}, 40, 40)
    assert j.result == {"already_imported": False, "created": 12, "updated": 3, "unchanged": 25,
                        "indicators_created": 2, "batch": batch.pk}
    assert j.created_at == long_ago
    assert ImportBatch.objects.get(pk=batch.pk).job_id == j.pk
    assert Job.objects.get(kind="indicators", filename="zelfde.csv").result == {
        "already_imported": True, "observations": 9}
    j = Job.objects.get(kind="indicators", filename="fout.csv")
    assert (j.state, j.owner_id) == ("failed", other.pk)
    assert j.problems == [{"row": 4, "column": "waarde", "nl": "geen getal", "en": "not a number", "file": "fout.csv"}]
    j = Job.objects.get(kind="indicators", filename="wacht.csv")
    assert j.state == "failed" and j.failure_en.startswith("This import was running") and bytes(j.data) == b"a,b"
    assert len({j.uuid for j in Job.objects.all()}) == 7 and all(isinstance(j.uuid, uuid.UUID) for j in Job.objects.all())


@pytest.mark.django_db(transaction=True)
def test_migrations_move_the_rows_back_when_reversed(back_to_latest):
    apps = _migrate(_latest())
    Organisation = apps.get_model("accounts", "Organisation")
    Job = apps.get_model("common", "ImportJob")
    org = Organisation.objects.create(kind="gemeente", name="Terugdam", slug="terugdam-mig")
    inc = Job.objects.create(kind="incidents", owner=org, filename="a.csv", data=b"", state="running",
                             phase="saving", done=2, total=4)
    Job.objects.create(kind="indicators", owner=org, filename="b.csv", data=b"", state="done", done=5, total=5,
                       result={"already_imported": False, "created": 5, "updated": 0, "unchanged": 0,
                               "indicators_created": 1})

    apps = _migrate(OLD)
    IncJob = apps.get_model("incidents", "ImportJob")
    IndJob = apps.get_model("indicators", "ImportJob")
    old = IncJob.objects.get(uuid=inc.uuid)
    assert (old.state, old.processed, old.total, old.owner_id) == ("opslaan", 2, 4, org.pk)
    old = IndJob.objects.get()
    assert (old.state, old.message, old.organisation_id) == ("done", "5:0:0:1", org.pk)
    assert not apps.get_model("common", "ImportJob").objects.exists()
