"""Reads of organisations and people, always scoped to what the reader may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from allie.accounts.models import STAFF_ROLES, Organisation, Role, User, UserRole


def visible_organisations(user: Any) -> QuerySet[Organisation]:
    """Return the organisations `user` may see: all for administrators, served ones for agents.

    Everyone sees their own organisation; a plain requester sees nothing else.
    """
    from allie.tickets.selectors import served_organisation_ids

    organisations = Organisation.objects.all()
    if user is None or not user.is_authenticated or not user.is_active:
        return organisations.none()
    if user.is_administrator:
        return organisations
    condition = Q(pk=user.organisation_id) if user.organisation_id else Q(pk__in=[])
    if user.is_agent:
        condition |= Q(pk__in=served_organisation_ids(user))
    return organisations.filter(condition)


def visible_people(user: Any) -> QuerySet[User]:
    """Return the people `user` may see.

    Administrators see everyone; agents see the people of the organisations they serve and
    every agent; anyone else sees only themselves.
    """
    from allie.tickets.selectors import served_organisation_ids

    people = User.objects.all()
    if user is None or not user.is_authenticated or not user.is_active:
        return people.none()
    if user.is_administrator:
        return people
    if not user.is_agent:
        return people.filter(pk=user.pk)
    # A subquery rather than a join on role grants, so nobody is listed twice.
    staff = UserRole.objects.filter(role__in=STAFF_ROLES).values("user_id")
    return people.filter(
        Q(pk=user.pk)
        | Q(organisation_id__in=served_organisation_ids(user))
        | Q(pk__in=staff)
        | Q(is_superuser=True)
    )


def serving_lead_or_admin(organisation_id: int | None) -> User | None:
    """Return who answers for an organisation when nobody closer does: the lead of a team
    serving it (the first by id), else an administrator; active people only."""
    lead = (
        User.objects.filter(led_teams__serves=organisation_id, is_active=True)
        .order_by("pk")
        .first()
    )
    if lead is not None:
        return lead
    return (
        User.objects.filter(role_grants__role=Role.ADMINISTRATOR, is_active=True)
        .order_by("pk")
        .first()
    )
