"""BoundedPaginator: pages numbered from a count that stops where the page asked for needs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allie.accounts.models import Organisation
from allie.core import pagination
from allie.core.pagination import BoundedPaginator
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def organisations(count):
    OrganisationFactory.create_batch(count)
    return Organisation.objects.order_by("pk")


def names(page):
    return [organisation.name for organisation in page.object_list]


def test_under_the_bound_the_count_is_exact_and_pages_are_numbered_to_the_end():
    page = BoundedPaginator(organisations(6), 5, bound=8).get_page(1)

    assert page.paginator.count == 6
    assert not page.paginator.is_bounded
    assert page.paginator.num_pages == 2
    assert page.has_next()


def test_past_the_bound_it_counts_one_more_and_says_more_follow():
    rows = organisations(12)

    first = BoundedPaginator(rows, 5, bound=8).get_page(1)
    second = BoundedPaginator(rows, 5, bound=8).get_page(2)
    third = BoundedPaginator(rows, 5, bound=8).get_page(3)

    assert (first.paginator.count, first.paginator.is_bounded) == (9, True)
    assert first.has_next()
    # Asking for a farther page counts as far as it needs, and one more.
    assert (second.paginator.count, second.paginator.is_bounded) == (11, True)
    assert second.has_next()
    assert (third.paginator.count, third.paginator.is_bounded) == (12, False)
    assert not third.has_next()
    every = list(rows.values_list("name", flat=True))
    assert names(first) + names(second) + names(third) == every


def test_the_count_reads_no_further_than_the_bound():
    rows = organisations(12)

    with CaptureQueriesContext(connection) as queries:
        BoundedPaginator(rows, 5, bound=8).get_page(1).paginator.count  # noqa: B018

    counting = [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]
    assert len(counting) == 1
    assert "LIMIT 9" in counting[0]


@pytest.mark.parametrize("asked", ["0", "-3", str(10**12), str(pagination.FARTHEST_PAGE + 1)])
def test_a_page_out_of_range_falls_back_to_the_last_page_counted(asked):
    page = BoundedPaginator(organisations(12), 5, bound=8).get_page(asked)

    assert page.number == 2
    assert page.paginator.count == 9  # not counted to the end for an absurd page number


@pytest.mark.parametrize("asked", [None, "", "deux", "2.5", "1e9"])
def test_a_page_that_is_not_a_number_is_the_first(asked):
    page = BoundedPaginator(organisations(3), 5, bound=8).get_page(asked)

    assert page.number == 1


def test_without_a_bound_given_it_uses_the_module_default(monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_BOUND", 4)

    page = BoundedPaginator(organisations(6), 2).get_page(1)

    assert page.paginator.is_bounded
    assert page.paginator.count == 5
