"""Create the single desk-settings row, so the admin always has it to edit."""

from __future__ import annotations

from django.db import migrations


def create_row(apps, schema_editor):
    apps.get_model("tickets", "DeskSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
