"""Factories for the whole suite (factory_boy, French-Canadian fake data)."""

from __future__ import annotations

import factory
from django.utils import timezone

from allie.accounts.models import Organisation, Role, Site, Team, User, UserRole
from allie.catalog.models import FormField, Service
from allie.tickets.models import Ticket

factory.Faker._DEFAULT_LOCALE = "fr_CA"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.INTERNAL


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    username = factory.LazyAttribute(lambda o: o.email)
    full_name = factory.Faker("name")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.django.Password("secret-pass-123")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            UserRole.objects.bulk_create([UserRole(user=self, role=r) for r in extracted])
            self.__dict__.pop("roles", None)


class AgentFactory(UserFactory):
    organisation = None
    roles = factory.PostGeneration(
        lambda obj, create, extracted, **kw: UserFactory.roles.function(
            obj, create, extracted or [Role.AGENT]
        )
    )


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")

    @factory.post_generation
    def members(self, create: bool, extracted: list[User] | None, **kwargs: object) -> None:
        if create and extracted:
            self.members.add(*extracted)

    @factory.post_generation
    def serves(self, create: bool, extracted: list[Organisation] | None, **kw: object) -> None:
        if create and extracted:
            self.serves.add(*extracted)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    code = factory.Sequence(lambda n: f"service-{n}")
    name_fr = factory.Sequence(lambda n: f"Service {n}")
    name_en = factory.Sequence(lambda n: f"Service {n} (en)")
    description_fr = "Description du service."
    description_en = "Service description."
    owner_team = factory.SubFactory(TeamFactory)


class FormFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormField

    service = factory.SubFactory(ServiceFactory)
    key = factory.Sequence(lambda n: f"field_{n}")
    label_fr = "Champ"
    label_en = "Field"


class TicketFactory(factory.django.DjangoModelFactory):
    """A new ticket row; use the services to move it through its life."""

    class Meta:
        model = Ticket

    title = factory.Faker("sentence", nb_words=5)
    description = factory.Faker("paragraph")
    requester = factory.SubFactory(UserFactory)
    organisation = factory.LazyAttribute(lambda o: o.requester.organisation)
    impact = "low"
    urgency = "medium"
    priority = "p4"
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda o: o.created_at)
    reference = factory.Sequence(lambda n: f"D-{900000 + n:06d}")
