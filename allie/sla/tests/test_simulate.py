"""`allie sla simulate`: the issue's example, standard input, and malformed documents."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

EXAMPLE: dict[str, Any] = {
    "calendar": {
        "timezone": "America/Toronto",
        "hours": {
            "mon": [["08:00", "12:00"], ["13:00", "17:00"]],
            "tue": [],
            "wed": [],
            "thu": [],
            "fri": [],
            "sat": [],
            "sun": [],
        },
        "holidays": "CA-QC",
        "closures": [["2026-12-24T12:00:00-05:00", "2026-12-24T17:00:00-05:00"]],
        "openings": [["2026-12-27T10:00:00-05:00", "2026-12-27T14:00:00-05:00"]],
    },
    "policy": {
        "first_response": 60,
        "next_update": 240,
        "resolution": 960,
        "paused_statuses": ["waiting_on_requester"],
    },
    "events": [
        {"at": "2026-03-06T16:30:00-05:00", "status": "new"},
        {"at": "2026-03-09T08:20:00-04:00", "status": "acknowledged"},
        {"at": "2026-03-09T08:25:00-04:00", "public_reply": True},
    ],
    "now": "2026-03-09T10:00:00-04:00",
}

# Computed by hand (see test_clock.test_the_example_of_issue_3_computed_by_hand): Mondays only,
# first business minute Monday 08:00 EDT; reply at 08:25 (25 min), now 10:00.
EXPECTED = {
    "first_response": {
        "state": "met",
        "elapsed_seconds": 1500,
        "remaining_seconds": 2100,
        "due": None,
    },
    "next_update": {
        "state": "running",
        "elapsed_seconds": 5700,
        "remaining_seconds": 8700,
        "due": "2026-03-09T13:25:00-04:00",
        "breaches": 0,
    },
    "resolution": {
        "state": "running",
        "elapsed_seconds": 7200,
        "remaining_seconds": 50400,
        "due": "2026-03-16T17:00:00-04:00",
    },
}


def simulate(document: object, tmp_path: Path) -> str:
    path = tmp_path / "document.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    out = io.StringIO()
    call_command("sla", "simulate", str(path), stdout=out)
    return out.getvalue()


def test_the_example_of_the_issue(tmp_path: Path) -> None:
    output = simulate(EXAMPLE, tmp_path)
    assert json.loads(output) == EXPECTED
    assert output.startswith('{\n  "first_response": {\n    "state": "met",')


def test_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(EXAMPLE)))
    out = io.StringIO()
    call_command("sla", "simulate", "-", stdout=out)
    assert json.loads(out.getvalue()) == EXPECTED


def test_dates_are_printed_in_the_calendars_zone_and_breaches_counted(tmp_path: Path) -> None:
    document = copy.deepcopy(EXAMPLE)
    document["calendar"]["timezone"] = "Europe/Paris"
    document["calendar"]["holidays"] = None
    document["now"] = "2026-03-16T17:00:00+01:00"  # a week later, nobody replied since
    result = json.loads(simulate(document, tmp_path))
    assert result["next_update"]["state"] == "breached"
    # In Paris, the reply at 13:25 came after 08:00-12:00 and 13:00-13:25 (265 min > 240): a
    # breach; the current interval (13:25 -> a week later) is a second one.
    assert result["next_update"]["breaches"] == 2
    assert result["first_response"] == {
        "state": "breached",
        "elapsed_seconds": 265 * 60,
        "remaining_seconds": -205 * 60,
        "due": None,
    }
    assert result["next_update"]["due"].endswith("+01:00")


def mutate(path: str, value: object) -> dict[str, Any]:
    """A copy of the example with the value at ``path`` (dotted, list indexes as numbers) replaced
    (or removed when ``value`` is ``...``)."""
    document = copy.deepcopy(EXAMPLE)
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
    target: Any = document
    for part in parents:
        target = target[part]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return document


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            mutate("policy.first_response", 0),
            "policy.first_response: must be a positive number of minutes",
        ),
        (
            mutate("policy.next_update", "240"),
            "policy.next_update: must be a positive number of minutes",
        ),
        (
            mutate("policy.resolution", True),
            "policy.resolution: must be a positive number of minutes",
        ),
        (mutate("policy.resolution", ...), "policy.resolution: is required"),
        (
            mutate("events.2.at", "2026-03-09 08:25"),
            "events[2].at: not an ISO datetime with an offset",
        ),
        (mutate("events.1.at", "yesterday"), "events[1].at: not an ISO datetime with an offset"),
        (
            mutate("events.2.at", "2026-03-09T08:00:00-04:00"),
            "events[2].at: is earlier than events[1].at",
        ),
        (mutate("events.2.at", "2026-03-09T11:00:00-04:00"), "events[2].at: is later than now"),
        (
            mutate("events.1.status", "acknowleged"),
            'events[1].status: unknown status "acknowleged"',
        ),
        (mutate("events.2.public_reply", False), "events[2].public_reply: must be true"),
        (
            mutate("events.0", {"at": "2026-03-06T16:30:00-05:00", "public_reply": True}),
            "events[0]: the first event must be a status",
        ),
        (mutate("events", []), "events: must be a non-empty list of events"),
        (mutate("now", "2026-03-09T10:00:00"), "now: not an ISO datetime with an offset"),
        (
            mutate("calendar.hours.mon", [["08:00", "12:00"], ["11:00", "13:00"]]),
            "calendar.hours.mon[0]: overlapping ranges",
        ),
        (mutate("calendar.hours.mon", []), "calendar.hours: no business hours at all"),
        (
            mutate("calendar.hours.mon.1", ["17:00", "13:00"]),
            "calendar.hours.mon[1]: end must be after start",
        ),
        (mutate("calendar.hours.mon.0.1", "noon"), 'calendar.hours.mon[0][1]: not a time "noon"'),
        (mutate("calendar.holidays", "XX-YY"), 'calendar.holidays: unknown region "XX-YY"'),
        (
            mutate("calendar.timezone", "America/Montreal_"),
            'calendar.timezone: unknown time zone "America/Montreal_"',
        ),
        (
            mutate("calendar.closures.0.1", "2026-12-24T11:00:00-05:00"),
            "calendar.closures[0]: end must be after start",
        ),
        (
            mutate("calendar.openings.0", ["2026-12-27T10:00:00-05:00"]),
            "calendar.openings[0]: must be a pair [start, end]",
        ),
        (mutate("calendar.holiday", "CA"), "calendar.holiday: unknown field"),
        (
            mutate("policy.paused_statuses", ["closed"]),
            'policy.paused_statuses: "closed" stops the clocks',
        ),
        ([1, 2], "document: must be a JSON object"),
        ('{"calendar": ', "document: not valid JSON"),
        ('{"now": NaN}', "document: not valid JSON"),
    ],
)
def test_a_malformed_document_exits_with_2_naming_the_field(
    document: object, message: str, tmp_path: Path
) -> None:
    with pytest.raises(CommandError) as caught:
        simulate(document, tmp_path)
    assert caught.value.returncode == 2
    assert str(caught.value).startswith(message)


def test_a_missing_file_exits_with_2(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("sla", "simulate", str(tmp_path / "missing.json"))
    assert caught.value.returncode == 2


def test_the_real_command_line_exit_code() -> None:
    allie = Path(sys.executable).parent / "allie"
    document = json.dumps(mutate("events.2.at", "2026-03-09 08:25"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    result = subprocess.run(  # noqa: S603
        [str(allie), "sla", "simulate", "-"],
        input=document,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert "events[2].at: not an ISO datetime with an offset" in result.stderr
    assert result.stdout == ""
