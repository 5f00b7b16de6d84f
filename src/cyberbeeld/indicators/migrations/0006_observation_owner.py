"""Figures have owners: existing observations become reference figures of their source table, except
own-survey estimates (``eigen-<organisation>-…``), which become the figures of that organisation."""

import django.db.models.deletion
from django.db import migrations, models


def assign_owners(apps, schema_editor):
    Observation = apps.get_model("indicators", "Observation")
    Indicator = apps.get_model("indicators", "Indicator")
    Organisation = apps.get_model("accounts", "Organisation")
    slugs = sorted(Organisation.objects.values_list("slug", "pk"), key=lambda x: -len(x[0]))
    for ind in Indicator.objects.filter(observations__isnull=False).distinct():
        rows = Observation.objects.filter(indicator=ind)
        owner = next((pk for slug, pk in slugs if ind.code.startswith(f"eigen-{slug}-")), None)
        if owner is not None:  # own survey: the organisation's own figures (only those of its gemeente)
            org_area = Organisation.objects.filter(pk=owner).values_list("area_id", flat=True).first()
            rows.filter(area_id=org_area).update(owner_id=owner, reference_source="")
            rows = rows.exclude(area_id=org_area)
        fallback = (ind.source_table or ind.source or "referentie")[:300]
        rows.filter(source_table="").update(reference_source=fallback)
        for table in rows.exclude(source_table="").values_list("source_table", flat=True).distinct():
            rows.filter(source_table=table).update(reference_source=table[:300])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('areas', '0001_initial'),
        ('indicators', '0005_jobs_heartbeat_retry_cancel'),
    ]

    operations = [
        migrations.AddField(
            model_name='observation',
            name='owner',
            field=models.ForeignKey(blank=True, help_text='De organisatie waarvan dit cijfer is', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation'),
        ),
        migrations.AddField(
            model_name='observation',
            name='reference_source',
            field=models.CharField(blank=True, default='referentie', help_text='De referentiebron (leeg als een organisatie eigenaar is)', max_length=300),
        ),
        migrations.RunPython(assign_owners, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='observation',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('owner__isnull', True), models.Q(('reference_source', ''), _negated=True)), models.Q(('owner__isnull', False), ('reference_source', '')), _connector='OR'), name='observation_owner_or_reference_source'),
        ),
    ]
