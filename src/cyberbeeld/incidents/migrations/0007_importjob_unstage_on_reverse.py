"""Nothing forward. Backward (before 0006 moves ``Incident.staged_job`` back to the old table): rows staged by
an import job of the new table are unstaged (done) or deleted (unfinished), in a transaction of their own."""

from django.db import migrations


def unstage(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    Incident.objects.filter(staged_job__isnull=False).exclude(staged_job__state="done").delete()
    Incident.objects.filter(staged_job__isnull=False).update(staged_job=None)


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0006_delete_importjob"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, unstage)]
