import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("common", "0001_initial"),
        ("indicators", "0010_cleanup_legacy_indicators"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="job",
            field=models.ForeignKey(blank=True, help_text="De import in de webinterface die deze run startte",
                                    null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                    to="common.importjob"),
        ),
    ]
