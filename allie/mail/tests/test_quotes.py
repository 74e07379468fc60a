"""strip_quoted on the replies of real clients, in French and English, and on edge cases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allie.mail.domain.quotes import strip_quoted
from allie.mail.tests import load

REPLIES = {
    "outlook_reply_fr.eml": (
        "Bonjour Agathe,\n\nJ’ai redémarré le poste et l’imprimante fonctionne à nouveau. "
        "Merci beaucoup!\n\nAlice Bouchard\nDirection des finances"
    ),
    "outlook_reply_en.eml": (
        "Hi Agathe,\n\nIt’s still broken – the VPN drops every 10 minutes.\n\nThanks,\nBob"
    ),
    "outlook_message_origine_fr.eml": ("Bonjour,\n\nOui, vous pouvez fermer la demande.\n\nCarole"),
    "gmail_reply_fr.eml": (
        "Bonjour,\n\nLe problème revient chaque matin vers 8 h. Je vous envoie une capture"
        " d'écran\ndemain.\n\nMerci,\nOscar"
    ),
    "gmail_reply_en.eml": (
        "Hello,\n\nThe laptop arrived, but the docking station is missing.\n\nBest regards,\nJane"
    ),
    "apple_mail_reply_fr.eml": "Merci, c’est réglé de mon côté.",
    "apple_mail_reply_en.eml": (
        "Here is a photo of the screen:\n\n\nIt happens after about an hour.\n\nJane"
    ),
    "thunderbird_reply_fr.eml": ("Bonjour,\n\nLe poste redémarre en boucle depuis la mise à jour."),
    "thunderbird_reply_en.eml": "I confirm the share is reachable now.",
}


@pytest.mark.parametrize(("name", "expected"), sorted(REPLIES.items()))
def test_replies_of_real_clients(name: str, expected: str) -> None:
    assert strip_quoted(load(name).text) == expected


def test_replies_from_html_only_mail() -> None:
    # The Gmail HTML part alone, as if the message had no text part: blockquote becomes "> ".
    from allie.mail.domain.html import html_to_text

    html = load("gmail_reply_fr.eml").html
    assert html is not None
    assert strip_quoted(html_to_text(html)) == (
        "Bonjour,\n\nLe problème revient chaque matin vers 8 h. Je vous envoie une capture"
        " d'écran demain.\n\nMerci,\nOscar"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # French Outlook with the non-breaking spaces of French typography
        (
            "Oui.\n\nDe\u00a0: Agathe Tremblay\nEnvoyé\u00a0: lundi 3 mars 2025 10:02\n"
            "À\u00a0: Alice\nObjet\u00a0: x\n\nancien",
            "Oui.",
        ),
        # Outlook on the web, bold markers kept by the text conversion
        (
            "Done.\n\n*From:* Agathe <a@desk.test>\n*Sent:* Monday\n*To:* Bob\n*Subject:* x\n\nold",
            "Done.",
        ),
        ("Réglé.\n\n-----Original Message-----\nFrom: x\n\nold", "Réglé."),
        ("Vu.\n\n-------- Message original --------\nold", "Vu."),
        # Attribution on one line, Apple Mail and Thunderbird style
        ("Ok\n\nLe 3 mars 2025 à 10:02, Agathe <a@d> a écrit :\n\n> vieux\n", "Ok"),
        ("Ok\n\nOn Mar 3, 2025, at 10:02 AM, Agathe <a@d> wrote:\n> old\n", "Ok"),
        # "X a écrit :" without Le/On, followed by quoted lines
        ("Ok\n\nAgathe Tremblay a écrit\u00a0:\n> vieux\n", "Ok"),
        # signature separator, and only the last one counts as a footer
        ("Texte\n-- \nAlice\nFinances", "Texte"),
        ("Texte\n\nSent from my iPhone", "Texte"),
        ("Texte\n\nObtenir Outlook pour Android", "Texte"),
        # lists and sign-offs are content, not signatures
        (
            "Thanks, but it still fails:\n- step one\n- step two\n\nCordialement,\nAlice",
            "Thanks, but it still fails:\n- step one\n- step two\n\nCordialement,\nAlice",
        ),
        # inline answers between quotes are the new content
        (
            "On Mon, Mar 3, 2025 at 10:02 AM Agathe <a@d> wrote:\n> Question 1?\nRéponse 1.\n"
            "> Question 2?\nRéponse 2.\n",
            "Réponse 1.\nRéponse 2.",
        ),
        ("Windows\r\nline endings\r\n> quoted\r\n", "Windows\nline endings"),
        ("", ""),
        ("   \n ", ""),
    ],
)
def test_rules(text: str, expected: str) -> None:
    assert strip_quoted(text) == expected


def test_a_message_that_is_only_quoted_is_kept_whole() -> None:
    text = "Le 3 mars 2025 à 10:02, Agathe <a@d> a écrit :\n> Bonjour\n"
    assert strip_quoted(text) == text.strip("\n")


def test_a_message_that_starts_with_a_forward_header_is_kept_whole() -> None:
    text = "De : Fournisseur\nEnvoyé : hier\nÀ : Carole\nObjet : Facture\n\nPayez."
    assert strip_quoted(text) == text


def test_ordinary_sentences_starting_with_le_or_on_are_kept() -> None:
    text = "Le serveur est lent.\nOn a redémarré hier, sans effet.\nLe 3 mars, ça a empiré."
    assert strip_quoted(text) == text


@given(st.text(max_size=500))
def test_never_empty_when_there_was_content(text: str) -> None:
    result = strip_quoted(text)
    assert bool(result.strip()) == bool(text.strip())


@given(st.lists(st.sampled_from(["Bonjour", "> cité", "", "-- ", "On x wrote:", "De : a"])))
def test_result_lines_come_from_the_text(lines: list[str]) -> None:
    text = "\n".join(lines)
    result_lines = {line.rstrip() for line in strip_quoted(text).split("\n")}
    assert result_lines <= {line.rstrip() for line in text.split("\n")} | {""}
