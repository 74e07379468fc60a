"""The default escalation ladder (for organisations without their own).

The team lead at 90 % of any clock, a manager at any breach, the client organisation's
executive sponsor when the resolution target is breached. VIP requests alert the team lead as
they open; two reopenings alert the team lead; a requester may ask once a day.
"""

from __future__ import annotations

from django.db import migrations

STEPS = [
    ("team_lead", "any", 90),
    ("manager", "any", 100),
    ("executive_sponsor", "resolution", 100),
]


def create_default(apps, schema_editor):
    ladder_model = apps.get_model("escalations", "EscalationLadder")
    step_model = apps.get_model("escalations", "EscalationStep")
    if ladder_model.objects.filter(organisation__isnull=True).exists():
        return
    ladder = ladder_model.objects.create(
        organisation=None,
        reopen_threshold=2,
        requester_cooldown_hours=24,
        vip_behaviour="at_opening",
    )
    for position, (level, clock, threshold) in enumerate(STEPS, start=1):
        step_model.objects.create(
            ladder=ladder, position=position, level=level, clock=clock, threshold=threshold
        )


class Migration(migrations.Migration):
    dependencies = [("escalations", "0001_initial")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
