"""Shared personas for the whole suite.

One IT desk serves two organisations: "Finances" (served by the Support team) and "Clinique
Lavoie" (an external client served by the Clients team). Nobody serves "Autre".

- alice: requester at Finances          - carole: Finances' organisation contact
- bob: another requester at Finances     - oscar: requester at Autre (an outsider)
- agathe: agent, Support team            - bruno: agent, Support team
- chloe: agent, Clients team (does not serve Finances)
- lea: lead of Support                    - admin: administrator
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from allie.accounts.models import Organisation, Role, Team, User
from allie.catalog.models import Service
from tests.factories import (
    AgentFactory,
    OrganisationFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
)

# Wall-clock deadlines make property tests flaky on a shared 2-core machine: correctness is
# what they check, the bench checks speed.
settings.register_profile(
    "allie", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("allie")


@dataclass
class Desk:
    finances: Organisation
    clinic: Organisation
    other: Organisation
    support: Team
    clients: Team
    service: Service
    alice: User
    bob: User
    carole: User
    oscar: User
    agathe: User
    bruno: User
    chloe: User
    lea: User
    admin: User

    def person(self, name: str) -> User:
        user = getattr(self, name)
        return User.objects.get(pk=user.pk)  # fresh instance: no cached roles or teams


@pytest.fixture
def desk(db: Any) -> Desk:
    finances = OrganisationFactory(name="Finances")
    clinic = OrganisationFactory(name="Clinique Lavoie", kind=Organisation.Kind.EXTERNAL)
    other = OrganisationFactory(name="Autre")
    agathe = AgentFactory(email="agathe@desk.test", full_name="Agathe Tremblay")
    bruno = AgentFactory(email="bruno@desk.test", full_name="Bruno Gagnon")
    chloe = AgentFactory(email="chloe@desk.test", full_name="Chloé Roy")
    lea = AgentFactory(
        email="lea@desk.test", full_name="Léa Côté", roles=[Role.AGENT, Role.TEAM_LEAD]
    )
    admin = UserFactory(
        email="admin@desk.test",
        full_name="Admin Istrateur",
        organisation=None,
        is_staff=True,
        roles=[Role.ADMINISTRATOR],
    )
    support = TeamFactory(name="Soutien", lead=lea, members=[agathe, bruno, lea], serves=[finances])
    clients = TeamFactory(name="Clients", members=[chloe], serves=[clinic])
    service = ServiceFactory(
        code="laptop", name_fr="Portable", name_en="Laptop", owner_team=support
    )
    return Desk(
        finances=finances,
        clinic=clinic,
        other=other,
        support=support,
        clients=clients,
        service=service,
        alice=UserFactory(
            email="alice@finances.test", full_name="Alice Bouchard", organisation=finances
        ),
        bob=UserFactory(
            email="bob@finances.test", full_name="Bob Pelletier", organisation=finances
        ),
        carole=UserFactory(
            email="carole@finances.test",
            full_name="Carole Fortin",
            organisation=finances,
            is_organisation_contact=True,
        ),
        oscar=UserFactory(email="oscar@autre.test", full_name="Oscar Morin", organisation=other),
        agathe=agathe,
        bruno=bruno,
        chloe=chloe,
        lea=lea,
        admin=admin,
    )


@pytest.fixture(autouse=True)
def _cold_sla_calendar_cache():
    """Start every test with no cached business calendar, so query counts do not depend on
    which test ran before (a cold cache costs two queries: calendars and their exceptions).
    The same for the cached reference data (settings, priority matrix, SLA policies): a
    test's rows are rolled back, the process's copies must go with them."""
    from allie.core.reference_cache import clear_reference_cache
    from allie.sla.calendars import clear_calendar_cache

    clear_calendar_cache()
    clear_reference_cache()
    yield
    clear_calendar_cache()
    clear_reference_cache()


@pytest.fixture(autouse=True)
def _desk_language():
    """Start every test in the desk's language: a request through the test client leaves the
    language its LocaleMiddleware chose active in the thread, for whichever test runs next."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _commits_for_real(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    ):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that commit for real after all the others.

    Their teardown flushes the database, and with it the rows the data migrations wrote (the
    default calendar, the default ladder, the settings). pytest-django puts them last, but
    pytest's own fixture grouping runs afterwards and may pull them forward: a test whose
    parameter shared a name with a Playwright fixture once dragged the browser journeys ahead
    of a worker's other tests, which then found those rows gone.
    """
    items.sort(key=_commits_for_real)
