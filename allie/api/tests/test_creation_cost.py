"""Opening a ticket through the API (the busiest write, budget 300 a second) issues exactly
these statements: no reference data, no roles, no handoff read back, one row per table."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from allie.accounts.models import Role, UserRole
from allie.api.authentication import issue_token
from allie.core.reference_cache import clear_reference_cache
from allie.sla.calendars import clear_calendar_cache, resolve_calendar
from allie.tickets.domain.reference import format_reference
from allie.tickets.models import Ticket

TICKETS = "/api/v1/tickets/"

# What one creation by token writes, in order, once the process's caches are warm. SQLite
# has no sequence to draw the id from within the INSERT: the reference is an UPDATE there.
STATEMENTS = [
    "SELECT accounts_apitoken",  # with the user, their organisation, site and roles
    "SAVEPOINT",
    "INSERT tickets_ticket",  # with its reference (PostgreSQL)
    *([] if connection.vendor == "postgresql" else ["UPDATE tickets_ticket"]),
    "INSERT tickets_timelineevent",
    "INSERT mail_outboundmessage",  # the acknowledgement email
    "INSERT search_ticketsearchentry",
    # The SLA summary, its deadlines and its day figures: one statement on PostgreSQL
    # (data-modifying WITHs).
    *(
        ["WITH sla_ticketsla"]
        if connection.vendor == "postgresql"
        else ["INSERT sla_ticketsla", "INSERT sla_deadline", "INSERT sla_dayfigures"]
    ),
    "RELEASE",
]
# Read once per process and minute: priority matrix, SLA settings, SLA policies, desk settings.
REFERENCE_READS = 4


def _shape(sql: str) -> str:
    """`INSERT tickets_ticket` for an INSERT INTO "tickets_ticket" (...)."""
    verb = sql.split(None, 1)[0].upper()
    if verb in ("SAVEPOINT", "RELEASE"):
        return verb
    # The last FROM of a SELECT is its own (the roles' subquery comes before it).
    tables = re.findall(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql, re.IGNORECASE)
    return f"{verb} {tables[-1] if verb == 'SELECT' else tables[0]}"


def _client_for(person) -> APIClient:
    _token, raw = issue_token(person, name="test")
    return APIClient(headers={"Authorization": f"Bearer {raw}"})


def _create(client: APIClient, title: str = "Écran noir") -> dict:
    response = client.post(TICKETS, {"title": title}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("caller", ["alice", "carole"])  # a requester, an organisation contact
def test_a_creation_by_token_issues_exactly_these_statements(desk, caller):
    client = _client_for(desk.person(caller))
    clear_calendar_cache()
    _create(client, "Chauffe")  # warms the process's calendars and reference data

    with CaptureQueriesContext(connection) as captured:
        body = _create(client)

    assert [_shape(query["sql"]) for query in captured.captured_queries] == STATEMENTS
    assert body["pending_handoff"] is None
    assert body["actions"] == ["cancel"]


@pytest.mark.django_db
def test_a_cold_process_reads_the_reference_data_once(desk):
    client = _client_for(desk.person("alice"))
    _create(client, "Chauffe")
    clear_reference_cache()
    resolve_calendar(None)  # the calendars' two reads are the sla app's own tests' business

    with CaptureQueriesContext(connection) as cold:
        _create(client)
    with CaptureQueriesContext(connection) as warm:
        _create(client)

    assert len(cold) == len(STATEMENTS) + REFERENCE_READS
    assert len(warm) == len(STATEMENTS)


@pytest.mark.django_db
def test_the_roles_come_with_the_token(desk):
    agathe = desk.person("agathe")
    UserRole.objects.get_or_create(user=agathe, role=Role.MANAGER)
    _token, raw = issue_token(agathe, name="test")
    from rest_framework.test import APIRequestFactory

    from allie.api.authentication import PersonalTokenAuthentication

    request = APIRequestFactory().get("/", headers={"Authorization": f"Bearer {raw}"})
    PersonalTokenAuthentication().authenticate(request)  # notes the first use (an UPDATE)
    with CaptureQueriesContext(connection) as captured:
        user, _token = PersonalTokenAuthentication().authenticate(request)
        roles = user.roles
    assert len(captured) == 1
    assert roles == frozenset(UserRole.objects.filter(user=agathe).values_list("role", flat=True))
    assert Role.MANAGER in roles
    assert user.is_agent


@pytest.mark.django_db
def test_a_superuser_without_role_rows_is_an_administrator_through_a_token(desk):
    alice = desk.person("alice")
    alice.is_superuser = True
    alice.save(update_fields=["is_superuser"])
    body = _create(_client_for(alice))
    assert body["sla"] is not None  # administrators see the desk's measures


@pytest.mark.django_db
def test_a_requester_without_roles_is_no_agent_through_a_token(desk):
    body = _create(_client_for(desk.person("alice")))
    assert body["sla"] is None
    assert "acknowledge" not in body["actions"]


@pytest.mark.django_db
def test_the_reference_is_the_ticket_number(desk):
    client = _client_for(desk.person("alice"))
    made = [_create(client, f"Demande {n}")["reference"] for n in range(3)]
    stored = dict(Ticket.objects.filter(reference__in=made).values_list("reference", "pk"))
    prefix = settings.ALLIE_TICKET_PREFIX
    assert {reference: format_reference(pk, prefix) for reference, pk in stored.items()} == {
        reference: reference for reference in made
    }


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the INSERT draws the id there")
def test_a_reference_past_999999_keeps_every_digit(desk):
    table = Ticket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608 (ours)
        last_value, is_called = cursor.fetchone()
        cursor.execute("SELECT setval(%s, 1234566)", [sequence])
    try:
        body = _create(_client_for(desk.person("alice")))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, %s, %s)", [sequence, last_value, is_called])
    assert body["reference"] == f"{settings.ALLIE_TICKET_PREFIX}-1234567"
    assert Ticket.objects.get(reference=body["reference"]).pk == 1234567


def _values(row) -> dict:
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}


@pytest.mark.django_db
@pytest.mark.parametrize("with_site", [True, False])
def test_the_token_lookup_builds_the_rows_the_orm_reads(desk, with_site):
    from allie.accounts.models import Site
    from allie.api.authentication import digest_of, find_live_token

    alice = desk.person("alice")
    if with_site:
        alice.site = Site.objects.create(organisation=desk.finances, name="Siège")
        alice.save(update_fields=["site"])
    desk.finances.is_vip = True  # a boolean and dates to convert on SQLite
    desk.finances.save(update_fields=["is_vip"])
    token, raw = issue_token(alice, name="test")

    with CaptureQueriesContext(connection) as captured:
        found = find_live_token(digest_of(raw))
        user = found.user
        related = (user.organisation, user.site, user.roles)
    assert len(captured) == 1
    assert _values(found) == _values(token.__class__.objects.get(pk=token.pk))
    assert _values(user) == _values(alice.__class__.objects.get(pk=alice.pk))
    assert _values(related[0]) == _values(desk.finances.__class__.objects.get(pk=desk.finances.pk))
    assert related[0].is_vip is True
    assert (related[1] is not None) == with_site
    if with_site:
        assert _values(related[1]) == _values(alice.site.__class__.objects.get(pk=alice.site_id))
    assert related[2] == frozenset()


@pytest.mark.django_db
def test_a_revoked_or_unknown_token_is_not_found(desk):
    from allie.api.authentication import digest_of, find_live_token, revoke_token

    token, raw = issue_token(desk.person("alice"), name="test")
    assert find_live_token(digest_of(raw)) is not None
    revoke_token(token)
    assert find_live_token(digest_of(raw)) is None
    assert find_live_token(digest_of(raw + "x")) is None


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql"
    or not connection.settings_dict["OPTIONS"].get("prepare_threshold"),
    reason="PostgreSQL's prepared statements (DATABASE_PREPARED_STATEMENTS)",
)
def test_the_server_keeps_the_creations_writes_and_token_lookup_prepared(desk):
    client = _client_for(desk.person("alice"))
    for n in range(6):  # psycopg prepares a statement at its fifth run in a connection
        _create(client, f"Demande {n}")
        assert client.get(TICKETS).status_code == 200  # a list: its plan depends on who asks

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [_shape(row[0]) for row in cursor.fetchall()]

    for statement in STATEMENTS:
        if statement.startswith(("INSERT", "SELECT", "WITH")):
            assert statement in prepared
    # Reads other than lookups by a unique key are planned afresh for their values.
    assert [shape for shape in prepared if shape.startswith("SELECT")] == [
        "SELECT accounts_apitoken"
    ]
    assert not [shape for shape in prepared if shape.startswith(("UPDATE", "DELETE"))]
