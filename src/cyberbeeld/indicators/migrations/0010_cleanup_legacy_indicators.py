"""Indicators left by earlier demo versions: those made from the police files' ``total_incident_count`` column (a sum
over every crime type, not a figure) go; those still named by a raw CBS key get a readable name
(``indicators.services.cleanup_legacy_indicators``; the demo's refresh runs the same step)."""

from django.db import migrations


def cleanup(apps, schema_editor):
    from cyberbeeld.indicators.services import cleanup_legacy_indicators

    cleanup_legacy_indicators(apps.get_model("indicators", "Indicator"))


class Migration(migrations.Migration):

    dependencies = [
        ("indicators", "0009_staged_observations"),
    ]

    operations = [
        migrations.RunPython(cleanup, migrations.RunPython.noop),
    ]
