import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0005_importjob_to_common"),
    ]

    operations = [
        migrations.AlterField(
            model_name="incident",
            name="staged_job",
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="+", to="common.importjob"),
        ),
        migrations.DeleteModel(
            name="ImportJob",
        ),
    ]
