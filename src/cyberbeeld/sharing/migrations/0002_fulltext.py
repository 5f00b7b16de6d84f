"""Full-text tables (FTS5 on SQLite, tsvector + GIN on PostgreSQL); see sharing/textsearch.py."""

from django.db import migrations


def forwards(apps, schema_editor):
    from cyberbeeld.sharing.textsearch import create_schema

    create_schema(schema_editor)


def backwards(apps, schema_editor):
    from cyberbeeld.sharing.textsearch import drop_schema

    drop_schema(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("sharing", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
