from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("indicators", "0012_importjob_to_common"),
    ]

    operations = [
        migrations.DeleteModel(
            name="ImportJob",
        ),
    ]
