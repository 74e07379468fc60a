from __future__ import annotations

from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Upper


def refuse_addresses_used_twice(apps, schema_editor):
    """Name the accounts to merge rather than fail on the constraint with no hint."""
    User = apps.get_model("accounts", "User")
    twice = (
        User.objects.annotate(address=Upper("email"))
        .values("address")
        .annotate(accounts=Count("id"))
        .filter(accounts__gt=1)
        .values_list("address", flat=True)
    )
    clashes = sorted(twice)
    if clashes:
        raise RuntimeError(
            "These addresses belong to several accounts that differ only by letter case; "
            "merge or rename them in the admin, then migrate again: " + ", ".join(clashes[:20])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_contacts_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(refuse_addresses_used_twice, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                Upper("email"),
                name="person_email_any_case",
                violation_error_message="Someone already uses this email address.",
            ),
        ),
    ]
