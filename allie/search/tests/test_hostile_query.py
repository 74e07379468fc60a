"""Queries made of operators only: nothing found, never a database error (both databases)."""

from __future__ import annotations

import pytest

from allie.search.domain.query import MAX_TERMS, websearch_text

DASHES = " ".join(["-"] * 40)


def test_operator_only_pieces_are_dropped_from_the_websearch_text():
    assert websearch_text(DASHES) == ""
    assert websearch_text("imprimante - -- -! toner") == "imprimante toner"
    assert (
        websearch_text('"mot de passe" or -courriel --spam') == '"mot de passe" or -courriel -spam'
    )
    assert websearch_text('-"" or or wi-fi') == "wi-fi"


def test_the_websearch_text_keeps_at_most_max_terms_words():
    assert websearch_text(" ".join(["-x"] * 60)) == " ".join(["-x"] * MAX_TERMS)


# Forty lone dashes made PostgreSQL's websearch_to_tsquery fail ("tsquery stack too small").
@pytest.mark.parametrize("query", [DASHES, f"imprimante {DASHES}", "- a " * 40])
@pytest.mark.parametrize("name", ["alice", "agathe", "admin"])
def test_a_query_of_lone_dashes_finds_no_error(make, found, query, name):
    ticket = make("alice", title="Imprimante bloquée")

    hits = found(name, query)

    assert hits in ([], [ticket.reference])
    if query.startswith("imprimante"):
        assert hits == [ticket.reference]


def test_the_search_api_answers_forty_dashes(client, desk, make):
    make("alice", title="Imprimante bloquée")
    client.force_login(desk.person("agathe"))

    response = client.get("/api/v1/search/", {"q": DASHES})

    assert response.status_code == 200
    assert response.json()["results"] == []
