"""The indicator import jobs move into the one import-job model (``common.ImportJob``, kind "indicators").

``organisation``/``by``/``file_name``/``content``/``area`` become ``owner``/``created_by``/``filename``/``data``/
``options["area"]``; the result string of a done job (``"created:updated:unchanged:indicators"`` or
``"already:observations"``) becomes the ``result`` object; problems take the job's shape (``nl``/``en``); the
job's batch now points at its job (``ImportBatch.job``). A job that had not ended has no task any more (its
task carried the old primary key): it becomes failed with the reason, keeping its file, so it can be retried;
its staged batch is left to ``discard_stale``, which removes the batches of jobs no longer running."""

from django.db import migrations
from django.utils import timezone

INTERRUPTED = ("Dit inlezen liep toen Cyberbeeld werd bijgewerkt en is gestopt; er is niets ingelezen. "
               "Probeer het opnieuw.",
               "This import was running when Cyberbeeld was upgraded and was stopped; nothing was imported. "
               "Please try again.")


def _result(message: str) -> dict:
    parts = message.split(":")
    if len(parts) == 2 and parts[0] == "already" and parts[1].isdigit():
        return {"already_imported": True, "observations": int(parts[1])}
    if len(parts) == 4 and all(p.isdigit() for p in parts):
        created, updated, unchanged, indicators = map(int, parts)
        return {"already_imported": False, "created": created, "updated": updated, "unchanged": unchanged,
                "indicators_created": indicators}
    return {}


def _problem(p: dict) -> dict:
    row = {"row": p.get("row") or 0, "column": p.get("column") or "", "nl": p.get("reason", ""),
           "en": p.get("reason_en") or p.get("reason", "")}
    if p.get("file"):
        row["file"] = p["file"]
    return row


def forward(apps, schema_editor):
    Old = apps.get_model("indicators", "ImportJob")
    New = apps.get_model("common", "ImportJob")
    ImportBatch = apps.get_model("indicators", "ImportBatch")
    for old in Old.objects.order_by("pk").iterator():
        state = old.state if old.state in ("queued", "running", "done", "failed", "cancelled") else "failed"
        later = {}
        if state in ("queued", "running"):
            state = "failed"
            later = {"failure_nl": INTERRUPTED[0], "failure_en": INTERRUPTED[1], "finished_at": timezone.now(),
                     "heartbeat_at": None}
        result = _result(old.message) if state == "done" else {}
        if result and old.batch_id:
            result["batch"] = old.batch_id
        new = New.objects.create(
            kind="indicators", owner_id=old.organisation_id, created_by_id=old.by_id, filename=old.file_name,
            data=old.content, options={"area": old.area} if old.area else {}, state=state, done=old.done,
            total=old.total, result=result, problems=[_problem(p) for p in old.problems or []],
            attempts=old.attempts, started_at=old.started_at, heartbeat_at=old.heartbeat_at,
            failure_nl=old.failure_nl, failure_en=old.failure_en)
        New.objects.filter(pk=new.pk).update(created_at=old.created_at, **later)  # auto_now_add set it anew
        if old.batch_id:
            ImportBatch.objects.filter(pk=old.batch_id).update(job=new)


def backward(apps, schema_editor):
    Old = apps.get_model("indicators", "ImportJob")
    New = apps.get_model("common", "ImportJob")
    ImportBatch = apps.get_model("indicators", "ImportBatch")
    batches = dict(ImportBatch.objects.exclude(job=None).values_list("job_id", "pk"))
    for new in New.objects.filter(kind="indicators").order_by("pk").iterator():
        r = new.result or {}
        message = (f"already:{r.get('observations', 0)}" if r.get("already_imported") else
                   f"{r.get('created', 0)}:{r.get('updated', 0)}:{r.get('unchanged', 0)}:"
                   f"{r.get('indicators_created', 0)}") if new.state == "done" else ""
        old = Old.objects.create(
            organisation_id=new.owner_id, by_id=new.created_by_id, file_name=new.filename, content=new.data,
            area=(new.options or {}).get("area", ""), state=new.state, done=new.done, total=new.total,
            message=message, problems=[{"row": p.get("row"), "column": p.get("column"), "reason": p.get("nl", ""),
                                        "reason_en": p.get("en", "")} for p in new.problems or []],
            batch_id=batches.get(new.pk), attempts=new.attempts, started_at=new.started_at,
            heartbeat_at=new.heartbeat_at, failure_nl=new.failure_nl, failure_en=new.failure_en)
        Old.objects.filter(pk=old.pk).update(created_at=new.created_at)
    ImportBatch.objects.exclude(job=None).update(job=None)
    New.objects.filter(kind="indicators").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("common", "0001_initial"),
        ("indicators", "0011_importbatch_job"),
    ]

    operations = [migrations.RunPython(forward, backward)]
