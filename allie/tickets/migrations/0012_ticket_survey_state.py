"""Each ticket carries its satisfaction survey's state, for the team and outcome figures.

The figures counted surveys by joining every survey to the period's resolved tickets: with
400,000 surveys at a million tickets, a sequential scan and a hash join of them all for each
figure (60–73 ms, most of the team page). The survey services now copy the survey's state onto
its ticket (sent, answered, scores), and `ticket_team_outcomes` carries those columns too, so
the survey tallies read the same index as the ticket tallies (docs/performance.md, session 12).

This migration adds the columns (on SQLite Django rebuilds the ticket table for that, which
drops its triggers: search 0003's `search_entry_follow_ticket` is made again after, and after
the columns are removed when going back), copies every existing survey's state (one UPDATE), then builds
the index again with the new columns: dropped and created CONCURRENTLY (no write lock on a
large ticket table; the team page reads the table meanwhile), hence not atomic. Last, on
PostgreSQL, VACUUM ANALYZE of the tickets: the copy rewrote every surveyed ticket's row, and
until the visibility map is set again the figures' index-only scans read the table (at a
million tickets: 245 ms for the six-month trend instead of 33; 9 s of VACUUM).
"""

from __future__ import annotations

import importlib

from django.db import migrations, models

from allie.core.migration_operations import drop_postgresql_index, postgresql_index

COVERED = (
    "status, owner_id, service_id, resolved_at_first_contact, agent_reply_count, "
    "requester_reply_count, reopen_count, handoff_count, id"
)
OUTCOMES = "tickets_ticket (team_id, resolved_at) INCLUDE ({}) WHERE resolved_at IS NOT NULL"
BEFORE = OUTCOMES.format(COVERED)
AFTER = OUTCOMES.format(COVERED + ", survey_sent, survey_answered, survey_csat, survey_ces")

COPY_SURVEYS = """
    UPDATE tickets_ticket SET survey_sent = TRUE,
        survey_answered = voice_survey.answered_at IS NOT NULL,
        survey_csat = CASE WHEN voice_survey.answered_at IS NOT NULL THEN voice_survey.csat END,
        survey_ces = CASE WHEN voice_survey.answered_at IS NOT NULL THEN voice_survey.ces END
    FROM voice_survey WHERE voice_survey.ticket_id = tickets_ticket.id
"""
FORGET_SURVEYS = """
    UPDATE tickets_ticket SET survey_sent = FALSE, survey_answered = FALSE,
        survey_csat = NULL, survey_ces = NULL
    WHERE survey_sent
"""


def restore_search_trigger(apps, schema_editor):
    """Make again, on SQLite, the trigger a rebuild of the ticket table has dropped."""
    if schema_editor.connection.vendor == "sqlite":
        scope = importlib.import_module("allie.search.migrations.0003_entry_scope")
        schema_editor.execute(
            scope._SQLITE_FOLLOW.replace("CREATE TRIGGER ", "CREATE TRIGGER IF NOT EXISTS ", 1)
        )


def vacuum_tickets(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("VACUUM ANALYZE tickets_ticket")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("tickets", "0011_ticket_team_outcomes"),
        ("voice", "0006_commitment_by_due"),  # the surveys whose state is copied
        ("search", "0004_short_pending_list"),  # its trigger on the ticket table
    ]

    operations = [
        # Going back, the columns' removal rebuilds the table too: this restores the trigger.
        migrations.RunPython(migrations.RunPython.noop, restore_search_trigger, elidable=False),
        migrations.AddField(
            model_name="ticket",
            name="survey_sent",
            field=models.BooleanField(default=False, verbose_name="survey sent"),
        ),
        migrations.AddField(
            model_name="ticket",
            name="survey_answered",
            field=models.BooleanField(default=False, verbose_name="survey answered"),
        ),
        migrations.AddField(
            model_name="ticket",
            name="survey_csat",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="survey satisfaction"
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="survey_ces",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="survey ease"
            ),
        ),
        migrations.RunPython(restore_search_trigger, migrations.RunPython.noop, elidable=False),
        drop_postgresql_index("ticket_team_outcomes", BEFORE),
        migrations.RunSQL(COPY_SURVEYS, FORGET_SURVEYS, elidable=False),
        postgresql_index("ticket_team_outcomes", AFTER),
        migrations.RunPython(vacuum_tickets, migrations.RunPython.noop, elidable=False),
    ]
