"""Search use cases: keep the index current, reindex in bulk, search within what one may see."""

from __future__ import annotations

from allie.search.services.indexing import index_ticket, reindex_tickets
from allie.search.services.searching import SearchFilters, SearchHit, SearchResults, search_tickets

__all__ = [
    "SearchFilters",
    "SearchHit",
    "SearchResults",
    "index_ticket",
    "reindex_tickets",
    "search_tickets",
]
