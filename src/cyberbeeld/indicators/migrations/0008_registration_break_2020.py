"""The police registration change of 2020 (every offence in a report a separate crime, the DigiD app) is a method
break on every series of the registration tables (83648NED, 47018NED, 47025NED, 47022NED), not only on the cyber
and fraud series: indicators made earlier from those tables get the catalogue's table breaks."""

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
