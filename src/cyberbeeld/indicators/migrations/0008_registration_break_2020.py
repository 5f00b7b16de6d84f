"""Indicators made earlier from a source table get the catalogue's table-wide breaks (``tables.<id>.breaks``).
Today no table carries one: the police registration change of 2020 is a break on the cyber and fraud series
only (CBS publishes no break for the 83648NED totals), so this changes nothing on existing installs."""

from django.db import migrations


def table_breaks(apps, schema_editor):
    from cyberbeeld.indicators import catalogue

    Indicator = apps.get_model("indicators", "Indicator")
    for ind in Indicator.objects.filter(in_catalogue=False).exclude(source_table=""):
        breaks = catalogue.table_breaks(ind.source_table)
        if breaks and ind.method_breaks != breaks:
            ind.method_breaks = breaks
            ind.save(update_fields=["method_breaks"])


class Migration(migrations.Migration):

    dependencies = [
        ("indicators", "0007_importbatch_provenance"),
    ]

    operations = [
        migrations.RunPython(table_breaks, migrations.RunPython.noop),
    ]
