"""The incident import jobs move into the one import-job model (``common.ImportJob``, kind "incidents").

State vocabulary: wachtend → queued, controleren/opslaan → running (phase checking/saving), klaar → done,
mislukt → failed, geannuleerd → cancelled; the counts become ``result``, ``errors`` become ``problems``.
A job that had not ended has no task any more (its task carried the old primary key): it becomes failed
with the reason, keeping its file, so its owner can retry it. Rows a done job staged are unstaged (they are
visible either way); rows an unfinished job staged (never visible) are deleted, so no incident points at
the old table when its foreign key moves (0006)."""

from django.db import migrations
from django.utils import timezone

INTERRUPTED = ("Deze import liep toen Cyberbeeld werd bijgewerkt en is gestopt; er is niets ingelezen. "
               "Probeer het opnieuw.",
               "This import was running when Cyberbeeld was upgraded and was stopped; nothing was imported. "
               "Please try again.")
STATES = {"wachtend": ("queued", ""), "controleren": ("running", "checking"), "opslaan": ("running", "saving"),
          "klaar": ("done", ""), "mislukt": ("failed", ""), "geannuleerd": ("cancelled", "")}
BACK = {"queued": "wachtend", "done": "klaar", "failed": "mislukt", "cancelled": "geannuleerd"}


def forward(apps, schema_editor):
    Old = apps.get_model("incidents", "ImportJob")
    New = apps.get_model("common", "ImportJob")
    Incident = apps.get_model("incidents", "Incident")
    for old in Old.objects.order_by("pk").iterator():
        state, phase = STATES.get(old.state, ("failed", ""))
        fields = {}
        if state in ("queued", "running"):
            state, phase = "failed", ""
            fields = {"failure_nl": INTERRUPTED[0], "failure_en": INTERRUPTED[1], "finished_at": timezone.now(),
                      "heartbeat_at": None}
        new = New.objects.create(
            kind="incidents", uuid=old.uuid, owner_id=old.owner_id, created_by_id=old.created_by_id,
            filename=old.filename, data=old.data, state=state, phase=phase, done=old.processed, total=old.total,
            result={"created": old.created, "updated": old.updated, "unchanged": old.unchanged}
            if state == "done" else {},
            problems=old.errors or [], attempts=old.attempts, started_at=old.started_at,
            heartbeat_at=old.heartbeat_at, failure_nl=old.failure_nl, failure_en=old.failure_en,
            finished_at=old.finished_at)
        New.objects.filter(pk=new.pk).update(created_at=old.created_at, **fields)  # auto_now_add set it anew
        staged = Incident.objects.filter(staged_job_id=old.pk)
        if old.state == "klaar":
            staged.update(staged_job=None)
        else:
            staged.delete()


def backward(apps, schema_editor):
    Old = apps.get_model("incidents", "ImportJob")
    New = apps.get_model("common", "ImportJob")
    for new in New.objects.filter(kind="incidents").order_by("pk").iterator():
        state = ("opslaan" if new.phase == "saving" else "controleren") if new.state == "running" else BACK[new.state]
        result = new.result or {}
        old = Old.objects.create(
            uuid=new.uuid, owner_id=new.owner_id, created_by_id=new.created_by_id, filename=new.filename,
            data=new.data, state=state, total=new.total or 0, processed=new.done, created=result.get("created", 0),
            updated=result.get("updated", 0), unchanged=result.get("unchanged", 0), errors=new.problems or [],
            finished_at=new.finished_at, attempts=new.attempts, started_at=new.started_at,
            heartbeat_at=new.heartbeat_at, failure_nl=new.failure_nl, failure_en=new.failure_en)
        Old.objects.filter(pk=old.pk).update(created_at=new.created_at)
    New.objects.filter(kind="incidents").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("common", "0001_initial"),
        ("incidents", "0004_list_sort_indexes"),
    ]

    operations = [migrations.RunPython(forward, backward)]
