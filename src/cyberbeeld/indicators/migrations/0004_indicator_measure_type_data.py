"""Existing indicators learn what they measure; monthly police figures leave the yearly series.

* ``measure_type`` from the old ``unit`` (percent → percentage, per-1000 → rate per 1,000, else count);
  ``seed-indicators`` and a re-import then fill names, decimals, polarity and bases from the catalogue.
* Observations of the catalogue's yearly police series with a monthly period (``2012-01``) move to the
  monthly series ``…-maand`` (years and months are never one series).
"""

from __future__ import annotations

from django.db import migrations

POLICE = {"politie-3-7-4-cybercrime", "politie-3-9-1-horizontale-fraude", "politie-3-9-3-fraude-overig"}


def forwards(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    Observation = apps.get_model("indicators", "Observation")
    for ind in Indicator.objects.all():
        if ind.unit == "percent":
            ind.measure_type = "percentage"
        elif ind.unit == "per-1000":
            ind.measure_type, ind.rate_per = "rate", 1000
        else:
            ind.measure_type = "count"
        ind.save(update_fields=["measure_type", "rate_per"])
    for ind in Indicator.objects.filter(code__in=POLICE):
        monthly = Observation.objects.filter(indicator=ind, period__regex=r"^\d{4}-\d{2}$")
        if not monthly.exists():
            continue
        target = Indicator.objects.filter(code=f"{ind.code}-maand").first()
        if target is None:
            target = Indicator.objects.get(pk=ind.pk)
            target.pk = None
            target.code = f"{ind.code}-maand"
            target.frequency = "month"
            target.source_table = "47022NED"
            target.name_nl = f"{ind.name_nl} (per maand)"[:300]
            target.name_en = f"{ind.name_en} (per month)"[:300]
            target.save()
        monthly.update(indicator=target)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0003_indicator_measure_type_frequency_sourcetable")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
