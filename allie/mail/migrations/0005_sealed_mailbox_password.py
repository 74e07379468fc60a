"""Mailbox passwords typed in the admin are sealed at rest (allie.core.sealing).

The column becomes text (a sealed value is longer than the password) and the passwords already
stored in clear are sealed in place; going back opens them again.
"""

from __future__ import annotations

from django.db import migrations

import allie.core.sealing


def _rewrite(apps, schema_editor, change, wanted) -> None:
    # Raw SQL: the historical model's field would seal or open the values itself.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, password FROM mail_mailbox WHERE password <> ''")
        for pk, stored in cursor.fetchall():
            if wanted(stored):
                cursor.execute(
                    "UPDATE mail_mailbox SET password = %s WHERE id = %s", [change(stored), pk]
                )


def seal_stored_passwords(apps, schema_editor) -> None:
    sealing = allie.core.sealing
    _rewrite(apps, schema_editor, sealing.seal, lambda stored: not sealing.is_sealed(stored))


def open_stored_passwords(apps, schema_editor) -> None:
    sealing = allie.core.sealing
    _rewrite(apps, schema_editor, sealing.unseal, sealing.is_sealed)


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0004_held_for_review"),
    ]

    operations = [
        migrations.AlterField(
            model_name="mailbox",
            name="password",
            field=allie.core.sealing.SealedCharField(blank=True, verbose_name="password"),
        ),
        migrations.RunPython(seal_stored_passwords, open_stored_passwords),
    ]
