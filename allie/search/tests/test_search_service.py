"""`search_tickets` and `index_ticket` on the database in use (run on SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from allie.search.models import TicketSearchEntry
from allie.search.services import SearchFilters, reindex_tickets, search_tickets
from allie.tickets.models import Status
from allie.tickets.services import reply, transition


def test_a_requester_finds_their_ticket_by_a_word_of_its_title(make, found):
    ticket = make("alice", title="Imprimante bloquée au 3e étage")

    assert found("alice", "imprimante") == [ticket.reference]


@pytest.mark.parametrize("query", ["evenement", "événement", "Évènements", "EVENEMENTS"])
def test_accents_case_and_plurals_do_not_matter(make, found, query):
    ticket = make("alice", title="Panne", description="Un événement imprévu a coupé le réseau.")

    assert found("alice", query) == [ticket.reference]


def test_an_accented_query_finds_the_plain_word(make, found):
    ticket = make("alice", title="Probleme de messagerie")

    assert found("alice", "problème") == [ticket.reference]


def test_english_words_are_found_in_english_text(make, found):
    ticket = make("alice", title="Printers are offline", description="Both printers stopped.")

    assert found("alice", "printer") == [ticket.reference]
    assert found("alice", "offline printers") == [ticket.reference]


def test_another_organisations_ticket_never_appears(make, found):
    make("oscar", title="Imprimante bloquée", replies=["Imprimante vérifiée"])
    mine = make("alice", title="Imprimante bloquée")

    assert found("alice", "imprimante") == [mine.reference]
    assert found("agathe", "imprimante") == [mine.reference]  # serves Finances, not Autre
    assert found("chloe", "imprimante") == []  # serves the clinic only
    assert len(found("admin", "imprimante")) == 2


def test_a_requester_does_not_see_a_colleagues_tickets_but_the_contact_does(make, found):
    bobs = make("bob", title="Imprimante de Bob")

    assert found("alice", "imprimante") == []
    assert found("bob", "imprimante") == [bobs.reference]
    assert found("carole", "imprimante") == [bobs.reference]


def test_internal_notes_are_never_matched_nor_shown(desk, make, found):
    ticket = make("alice", title="Écran noir", replies=["Nous regardons."])
    reply(ticket, by=desk.person("agathe"), body="Note: mot de passe zanzibar", public=False)

    assert found("alice", "zanzibar") == []
    assert found("agathe", "zanzibar") == []
    entry = TicketSearchEntry.objects.get(ticket=ticket)
    assert "zanzibar" not in entry.replies
    assert "Nous regardons." in entry.replies


def test_public_replies_and_the_requesters_name_are_searchable(make, found):
    ticket = make("alice", title="Écran noir", replies=["Le câble HDMI était débranché."])

    assert found("agathe", "hdmi") == [ticket.reference]
    assert found("agathe", "Bouchard") == [ticket.reference]


def test_a_reference_finds_its_ticket(make, found):
    ticket = make("alice", title="Écran noir")
    make("alice", title="Autre écran noir")

    assert found("alice", ticket.reference) == [ticket.reference]
    assert found("alice", ticket.reference.split("-")[1]) == [ticket.reference]


def test_a_title_hit_outranks_a_reply_hit(make, found):
    in_reply = make("alice", title="Poste lent", replies=["Votre imprimante a été réinstallée."])
    in_title = make("alice", title="Imprimante hors ligne")

    assert found("agathe", "imprimante") == [in_title.reference, in_reply.reference]
    assert search_tickets(AnonymousUser(), "imprimante").hits == []


def test_a_description_hit_outranks_a_reply_hit(make, found):
    in_reply = make("alice", title="Poste lent", replies=["Le courriel fonctionne."])
    in_description = make("alice", title="Poste lent", description="Le courriel est bloqué.")

    assert found("agathe", "courriel") == [in_description.reference, in_reply.reference]


def test_snippets_are_escaped_then_marked(desk, make):
    make(
        "alice",
        title="<b>Imprimante</b>",
        description="Texte <script>alert(1)</script> puis imprimante en panne.",
    )

    hit = search_tickets(desk.person("alice"), "imprimante").hits[0]

    assert "<script>" not in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html or "alert(1)" in hit.snippet_html
    assert "<mark>imprimante</mark>" in hit.snippet_html.lower()
    assert "<b>" not in hit.title_html
    assert "<mark>" in hit.title_html


def test_words_must_all_match_and_excluded_words_exclude(make, found):
    both = make("alice", title="Imprimante et toner")
    one = make("alice", title="Imprimante seule")

    assert found("alice", "imprimante toner") == [both.reference]
    assert found("alice", "imprimante -toner") == [one.reference]
    assert set(found("alice", "toner or seule")) == {both.reference, one.reference}


def test_filters_narrow_by_status_service_and_organisation(desk, make, found):
    with_service = make("alice", title="Portable lent", service=desk.service)
    other = make("alice", title="Portable perdu")
    transition(other, by=desk.person("alice"), command="cancel")

    assert found("agathe", "portable", filters=SearchFilters(status="open")) == [
        with_service.reference
    ]
    assert found("agathe", "portable", filters=SearchFilters(status=Status.CANCELLED)) == [
        other.reference
    ]
    assert found("agathe", "portable", filters=SearchFilters(service_id=desk.service.pk)) == [
        with_service.reference
    ]
    assert found("agathe", "portable", filters=SearchFilters(service_code="laptop")) == [
        with_service.reference
    ]
    assert found("agathe", "portable", filters=SearchFilters(organisation_id=desk.other.pk)) == []


def test_pages_carry_the_total(make, desk):
    for number in range(5):
        make("alice", title=f"Imprimante {number}")

    first = search_tickets(desk.person("alice"), "imprimante", limit=2)
    last = search_tickets(desk.person("alice"), "imprimante", limit=2, offset=4)

    assert (first.total, len(first.hits)) == (5, 2)
    assert (last.total, len(last.hits)) == (5, 1)
    seen = {hit.ticket.pk for hit in first.hits} | {hit.ticket.pk for hit in last.hits}
    assert len(seen) == 3


def test_an_empty_or_stopword_query_finds_nothing(make, found):
    make("alice", title="Imprimante")

    assert found("alice", "") == []
    assert found("alice", "   ") == []
    assert found("alice", "-imprimante") == []


def test_a_rolled_back_reply_leaves_the_index_unchanged(desk, make, found):
    ticket = make("alice", title="Écran noir", replies=["Premier essai."])
    before = TicketSearchEntry.objects.get(ticket=ticket).replies

    def reply_then_fail():
        with transaction.atomic():
            reply(ticket, by=desk.person("agathe"), body="Le câble xylophone est changé.")
            assert found("alice", "xylophone") == [ticket.reference]  # same transaction: seen
            raise RuntimeError

    with pytest.raises(RuntimeError):
        reply_then_fail()

    assert found("alice", "xylophone") == []
    assert TicketSearchEntry.objects.get(ticket=ticket).replies == before


def test_a_rolled_back_opening_leaves_no_entry(desk, found):
    from allie.tickets.services import open_ticket

    def open_then_fail():
        with transaction.atomic():
            open_ticket(requester=desk.person("alice"), title="Wombat perdu")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        open_then_fail()

    assert found("alice", "wombat") == []
    assert not TicketSearchEntry.objects.exists()


def test_a_renamed_requester_is_found_under_the_new_name(desk, make, found):
    ticket = make("alice", title="Écran noir")
    alice = desk.person("alice")
    alice.full_name = "Alice Tanguay"
    alice.save()

    assert found("agathe", "Tanguay") == [ticket.reference]
    assert found("agathe", "Bouchard") == []


def test_reindex_rebuilds_entries_of_tickets_loaded_without_the_services(make, found):
    ticket = make("alice", title="Imprimante", replies=["Toner remplacé."])
    TicketSearchEntry.objects.all().delete()
    assert found("alice", "toner") == []

    count = reindex_tickets(batch_size=1)

    assert count == 1
    assert found("alice", "toner") == [ticket.reference]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_committed_reply_is_searchable_at_once(desk, make, found):
    ticket = make("alice", title="Écran noir")

    reply(ticket, by=desk.person("alice"), body="Toujours le même ornithorynque.")

    assert found("agathe", "ornithorynque") == [ticket.reference]


def test_only_the_most_recent_matches_are_ranked_beyond_the_cap(desk, make, monkeypatch):
    from allie.search.services import searching

    monkeypatch.setattr(searching, "CANDIDATES", 3)
    oldest_in_title = make("alice", title="Imprimante principale")
    for number in range(4):
        make("alice", title=f"Poste {number}", description=f"Voir l'imprimante {number}")

    results = search_tickets(desk.person("alice"), "imprimante")

    assert results.total == 3
    assert results.capped
    assert oldest_in_title.pk not in {hit.ticket.pk for hit in results.hits}
    assert search_tickets(desk.person("alice"), "imprimante principale").hits[0].ticket == (
        oldest_in_title
    )


@pytest.mark.parametrize("who", ["alice", "agathe", "admin"])
def test_the_newest_matches_are_found_across_many_recency_windows(desk, make, monkeypatch, who):
    from allie.search.services import searching

    # Tiny windows, so the matches sit in several of them with gaps of other tickets between.
    monkeypatch.setattr(searching, "CANDIDATES", 4)
    monkeypatch.setattr(searching, "RECENCY_BUCKET", 2)
    monkeypatch.setattr(searching, "FIRST_WINDOW", 1)
    monkeypatch.setattr(searching, "WINDOW_GROWTH", 2)
    alices, everyones = [], []
    for number in range(7):
        alices.append(make("alice", title=f"Imprimante {number}"))
        make("alice", title=f"Poste {number}")
        everyones += [alices[-1], make("oscar", title=f"Imprimante d'un autre client {number}")]
    for number in range(6):  # the newest tickets do not match at all
        make("alice", title=f"Clavier {number}")

    results = search_tickets(desk.person(who), "imprimante", limit=10)

    matching = everyones if who == "admin" else alices  # oscar's client is not served by agathe
    assert results.total == 4
    assert {hit.ticket.pk for hit in results.hits} == {ticket.pk for ticket in matching[-4:]}


def test_recency_windows_cover_every_bucket_once_newest_first():
    from hypothesis import given
    from hypothesis import strategies as st

    from allie.search.services.searching import RECENCY_BUCKET, recency_windows

    @given(st.integers(min_value=1, max_value=10_000_000))
    def check(newest):
        windows = recency_windows(newest)
        buckets = [bucket for window in windows for bucket in window]
        # every bucket from the newest id's down to 0, once, newest first
        assert buckets == list(range(newest // RECENCY_BUCKET, -1, -1))
        assert all(windows)
        assert all(len(later) > len(earlier) for earlier, later in itertools.pairwise(windows[:-1]))
        assert len(windows) <= 12  # a million ids: a handful of windows

    check()


def test_the_entrys_scope_copy_follows_the_ticket_whatever_writes_it(desk, make, found):
    from allie.tickets.models import Ticket

    ticket = make("oscar", title="Imprimante du client voisin")
    agathe = desk.person("agathe")
    assert found("agathe", "imprimante voisin") == []

    # A bare UPDATE (no model save, no signal): the database keeps the copy in step.
    Ticket.objects.filter(pk=ticket.pk).update(owner=agathe)
    assert found("agathe", "imprimante voisin") == [ticket.reference]

    Ticket.objects.filter(pk=ticket.pk).update(
        owner=None, organisation=desk.person("alice").organisation
    )
    entry = TicketSearchEntry.objects.get(pk=ticket.pk)
    ticket.refresh_from_db()
    assert (entry.organisation_id, entry.requester_id, entry.owner_id) == (
        ticket.organisation_id,
        ticket.requester_id,
        None,
    )
    assert found("agathe", "imprimante voisin") == [ticket.reference]
    assert found("admin", "imprimante voisin") == [ticket.reference]
