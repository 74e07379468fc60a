"""A default calendar (Montréal office hours, Québec holidays), default policies, settings."""

from __future__ import annotations

from django.db import migrations

HOURS = {day: [["08:30", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
# Business minutes: first response, next update, resolution (a business day is 8.5 hours).
TARGETS = {
    "p1": (15, 60, 240),
    "p2": (30, 120, 480),
    "p3": (60, 240, 1350),
    "p4": (240, 480, 2700),
}


def create_defaults(apps, schema_editor):
    calendar_model = apps.get_model("sla", "BusinessCalendar")
    policy_model = apps.get_model("sla", "SlaPolicy")
    apps.get_model("sla", "SlaSettings").objects.get_or_create(pk=1)
    if not calendar_model.objects.filter(is_default=True).exists():
        calendar_model.objects.create(
            name="Heures de bureau (Montréal)",
            timezone="America/Toronto",
            holidays_region="CA-QC",
            hours=HOURS,
            is_default=True,
        )
    for priority, (first, update, resolution) in TARGETS.items():
        policy_model.objects.get_or_create(
            service=None,
            priority=priority,
            defaults={
                "first_response_minutes": first,
                "next_update_minutes": update,
                "resolution_minutes": resolution,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
