"""Administrators configure calendars, policies and settings; bad values get clear errors."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from allie.sla.models import BusinessCalendar, CalendarException, SlaPolicy, SlaSettings
from allie.tickets.services import open_ticket

WEEKDAYS = {day: [["08:00", "12:00"], ["13:00", "17:00"]] for day in ("mon", "tue", "wed")}


@pytest.fixture
def admin_client(client, desk):
    person = desk.person("admin")
    person.language = "en"
    person.save(update_fields=["language"])
    client.force_login(person)
    return client


def calendar_data(exceptions=(), **overrides):
    data = {
        "name": "Québec",
        "timezone": "America/Toronto",
        "holidays_region": "CA-QC",
        "hours": json.dumps(WEEKDAYS),
        "exceptions-TOTAL_FORMS": str(len(exceptions)),
        "exceptions-INITIAL_FORMS": "0",
        "exceptions-MIN_NUM_FORMS": "0",
        "exceptions-MAX_NUM_FORMS": "1000",
    }
    for index, (kind, starts, ends) in enumerate(exceptions):
        data[f"exceptions-{index}-kind"] = kind
        data[f"exceptions-{index}-starts_at_0"] = starts[0]
        data[f"exceptions-{index}-starts_at_1"] = starts[1]
        data[f"exceptions-{index}-ends_at_0"] = ends[0]
        data[f"exceptions-{index}-ends_at_1"] = ends[1]
    data.update(overrides)
    return data


ADD_CALENDAR = reverse("admin:sla_businesscalendar_add")


def errors_of(response, field=None):
    form = response.context["adminform"].form
    return " ".join(form.errors.get(field or "__all__", []))


# --- Calendars --------------------------------------------------------------------------------


def test_an_administrator_adds_a_calendar_with_a_closure(admin_client):
    data = calendar_data(
        exceptions=[("closure", ("2026-12-24", "12:00:00"), ("2026-12-24", "17:00:00"))]
    )

    response = admin_client.post(ADD_CALENDAR, data)

    assert response.status_code == 302
    calendar = BusinessCalendar.objects.get(name="Québec")
    assert calendar.hours == WEEKDAYS
    assert calendar.exceptions.get().kind == CalendarException.Kind.CLOSURE


def test_overlapping_hours_are_refused_on_the_hours_field(admin_client):
    hours = {"mon": [["08:00", "12:00"], ["11:00", "17:00"]]}

    response = admin_client.post(ADD_CALENDAR, calendar_data(hours=json.dumps(hours)))

    assert response.status_code == 200
    assert "overlap" in errors_of(response, "hours")
    assert not BusinessCalendar.objects.filter(name="Québec").exists()


def test_a_calendar_without_any_business_hours_is_refused(admin_client):
    response = admin_client.post(ADD_CALENDAR, calendar_data(hours=json.dumps({})))

    assert response.status_code == 200
    assert errors_of(response, "hours")
    assert not BusinessCalendar.objects.filter(name="Québec").exists()


def test_an_unknown_holiday_region_is_refused_on_its_field(admin_client):
    response = admin_client.post(ADD_CALENDAR, calendar_data(holidays_region="XX-ZZ"))

    assert response.status_code == 200
    assert "XX-ZZ" in errors_of(response, "holidays_region")


def test_an_unknown_time_zone_is_refused_on_its_field(admin_client):
    response = admin_client.post(ADD_CALENDAR, calendar_data(timezone="Mars/Olympus"))

    assert response.status_code == 200
    assert errors_of(response, "timezone")


def test_a_second_default_calendar_gets_a_form_error_naming_the_first(admin_client):
    response = admin_client.post(ADD_CALENDAR, calendar_data(is_default="on"))

    assert response.status_code == 200
    assert "Heures de bureau (Montréal)" in errors_of(response, "is_default")
    assert "already the default calendar" in response.content.decode()
    assert BusinessCalendar.objects.filter(is_default=True).count() == 1


def test_the_default_calendar_can_be_saved_again(admin_client):
    calendar = BusinessCalendar.objects.get(is_default=True)
    data = calendar_data(name=calendar.name, is_default="on")

    response = admin_client.post(
        reverse("admin:sla_businesscalendar_change", args=[calendar.pk]), data
    )

    assert response.status_code == 302
    calendar.refresh_from_db()
    assert calendar.hours == WEEKDAYS


def test_a_closure_ending_before_it_starts_is_refused(admin_client):
    data = calendar_data(
        exceptions=[("closure", ("2026-12-24", "17:00:00"), ("2026-12-24", "12:00:00"))]
    )

    response = admin_client.post(ADD_CALENDAR, data)

    assert response.status_code == 200
    inline_errors = str(response.context["inline_admin_formsets"][0].formset.errors)
    assert "The end must come after the start." in inline_errors
    assert not BusinessCalendar.objects.filter(name="Québec").exists()


def test_the_organisation_admin_offers_a_calendar_for_it_and_its_sites(admin_client, desk):
    response = admin_client.get(
        reverse("admin:accounts_organisation_change", args=[desk.finances.pk])
    )

    content = response.content.decode()
    assert 'name="calendar"' in content
    assert 'name="sites-__prefix__-calendar"' in content


# --- Policies ---------------------------------------------------------------------------------


def policy_data(**overrides):
    data = {
        "service": "",
        "priority": "p2",
        "first_response_minutes": "30",
        "next_update_minutes": "120",
        "resolution_minutes": "480",
    }
    data.update(overrides)
    return data


ADD_POLICY = reverse("admin:sla_slapolicy_add")


def test_a_policy_for_a_service_and_priority_is_added(admin_client, desk):
    response = admin_client.post(ADD_POLICY, policy_data(service=str(desk.service.pk)))

    assert response.status_code == 302
    assert SlaPolicy.objects.get(service=desk.service).first_response_minutes == 30


def test_a_second_default_policy_for_a_priority_gets_a_clear_error(admin_client):
    response = admin_client.post(ADD_POLICY, policy_data())

    assert response.status_code == 200
    assert "already a default policy for this priority" in errors_of(response, "priority")
    assert SlaPolicy.objects.filter(service=None, priority="p2").count() == 1


def test_a_second_policy_for_the_same_service_and_priority_gets_a_clear_error(admin_client, desk):
    SlaPolicy.objects.create(
        service=desk.service,
        priority="p2",
        first_response_minutes=10,
        next_update_minutes=20,
        resolution_minutes=30,
    )

    response = admin_client.post(ADD_POLICY, policy_data(service=str(desk.service.pk)))

    assert response.status_code == 200
    assert "already has a policy for this priority" in errors_of(response, "priority")


def test_a_zero_target_is_refused_on_its_field(admin_client, desk):
    data = policy_data(service=str(desk.service.pk), next_update_minutes="0")

    response = admin_client.post(ADD_POLICY, data)

    assert response.status_code == 200
    assert "at least one business minute" in errors_of(response, "next_update_minutes")


def test_policies_are_listed_by_service_and_priority(admin_client, desk):
    response = admin_client.get(reverse("admin:sla_slapolicy_changelist"))

    content = response.content.decode()
    assert "All services (default)" in content
    assert content.count("All services (default)") >= 4  # one per priority (migration sla 0002)


# --- Settings ---------------------------------------------------------------------------------


def test_the_settings_list_leads_to_the_single_row(admin_client):
    response = admin_client.get(reverse("admin:sla_slasettings_changelist"))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:sla_slasettings_change", args=[1])
    assert admin_client.get(reverse("admin:sla_slasettings_add")).status_code == 403


def test_settings_refuse_a_status_that_cannot_pause(admin_client):
    url = reverse("admin:sla_slasettings_change", args=[1])
    data = {"paused_statuses": json.dumps(["closed"]), "warning_thresholds": "[50, 75, 90]"}

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "Choose among the open statuses" in errors_of(response, "paused_statuses")
    assert SlaSettings.current().paused_statuses == ["waiting_on_requester"]


def test_settings_save_new_thresholds(admin_client):
    url = reverse("admin:sla_slasettings_change", args=[1])
    data = {"paused_statuses": json.dumps(["waiting_on_requester"]), "warning_thresholds": "[80]"}

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert SlaSettings.current().warning_thresholds == [80]


# --- What the clocks computed, read-only ------------------------------------------------------


def test_support_finds_a_tickets_sla_and_deadlines_by_reference(admin_client, desk):
    ticket = open_ticket(requester=desk.person("alice"), title="Lent", service=desk.service)
    other = open_ticket(requester=desk.person("bob"), title="Autre", service=desk.service)

    slas = admin_client.get(reverse("admin:sla_ticketsla_changelist"), {"q": ticket.reference})
    deadlines = admin_client.get(
        reverse("admin:sla_deadline_changelist"),
        {"q": ticket.reference, "clock__exact": "first_response"},
    )

    assert [row.ticket_id for row in slas.context["cl"].result_list] == [ticket.pk]
    listed = deadlines.context["cl"].result_list
    assert sorted(row.threshold for row in listed) == [50, 75, 90, 100]
    assert {row.ticket_id for row in listed} == {ticket.pk}
    assert other.pk not in {row.ticket_id for row in listed}
    change = admin_client.get(reverse("admin:sla_ticketsla_change", args=[ticket.pk]))
    assert change.status_code == 200
    assert change.context["has_change_permission"] is False


def test_staff_without_the_administrator_role_do_not_reach_the_sla_admin(client, desk):
    lea = desk.person("lea")
    lea.is_staff = True
    lea.save(update_fields=["is_staff"])
    client.force_login(lea)

    response = client.get(reverse("admin:sla_businesscalendar_changelist"))

    assert response.status_code == 403
