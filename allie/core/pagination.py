"""Page numbers over lists that can grow without limit, counted only as far as a page needs.

Django's `Paginator` counts every row before it shows the first 25: a large team's queue holds
tens of thousands of open tickets, and counting them cost more than reading and rendering the
page (docs/performance.md, session 12). `BoundedPaginator` counts at most `bound` rows, or as
many as the page asked for needs, plus one: enough to number the pages up to there and to know
whether another follows. Past the bound it says "more than" instead of a total.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_BOUND = 1000
FARTHEST_PAGE = 10_000  # past it, a page number is not counted to: it falls back to the last


class BoundedPaginator(Paginator):
    """A `Paginator` over a queryset whose count stops at `bound` rows (or at the asked page)."""

    def __init__(
        self, object_list: QuerySet[Any], per_page: int, *, bound: int | None = None
    ) -> None:
        super().__init__(object_list, per_page)
        self.reach = COUNT_BOUND if bound is None else bound

    def get_page(self, number: Any) -> Page:
        try:
            wanted = int(number)
        except (TypeError, ValueError, OverflowError):
            wanted = 1
        if wanted <= FARTHEST_PAGE:
            # Count far enough to reach the page asked for. A page past the rows (or past the
            # farthest page) falls back to the last page counted, as Django's does.
            self.reach = max(self.reach, wanted * self.per_page)
        return super().get_page(number)

    @cached_property
    def count(self) -> int:
        """The rows, counted up to `reach` + 1: one more than `reach` means "more than reach"."""
        return self.object_list.order_by().values("pk")[: self.reach + 1].count()

    @property
    def is_bounded(self) -> bool:
        """Whether the count stopped before the end of the rows."""
        return self.count > self.reach
