"""Reading what a person typed (no database): FTS5 expressions and safe marking."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from allie.search.domain.query import START, STOP, clean_text, fold, fts5_query, mark


def test_accents_and_case_are_folded():
    assert fold("Évènements À ÇA") == "evenements a ca"


def test_words_become_quoted_prefixes_with_plurals_dropped():
    assert fts5_query("Évènements serveurs") == '("evenement"*) AND "serveur"*'


def test_a_phrase_is_exact_and_or_joins_alternatives():
    assert fts5_query('"mot de passe" or courriel') == '"mot de passe" OR "courriel"*'


def test_an_excluded_word_is_a_not():
    assert fts5_query("imprimante -toner") == '("imprimante"*) NOT "toner"*'


def test_only_excluded_or_empty_words_ask_for_nothing():
    assert fts5_query("-toner") is None
    assert fts5_query('  "" ** ') is None


def test_a_reference_is_searched_as_a_phrase():
    assert fts5_query("D-000042") == '"d 000042"*'


def test_short_words_are_not_prefixes():
    assert fts5_query("tv") == '"tv"'


@given(st.text(max_size=300))
def test_no_syntax_of_the_input_reaches_fts5(text):
    expression = fts5_query(text)

    if expression is not None:
        inside_quotes = expression.split('"')[1::2]
        assert all(part.replace(" ", "").isalnum() for part in inside_quotes)
        outside = "".join(expression.split('"')[0::2])
        assert set(outside) <= set("()*ANDORNT ")


def test_mark_escapes_the_text_before_adding_marks():
    marked = mark(f"<script>alert(1)</script> {START}imprimante{STOP} & co")

    assert marked == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>imprimante</mark> &amp; co"


@given(st.text(alphabet=st.sampled_from(["a", "<", ">", "&", '"', START, STOP]), max_size=40))
def test_marks_are_always_balanced_and_no_tag_comes_from_the_text(text):
    marked = mark(text)

    assert marked.count("<mark>") == marked.count("</mark>")
    assert marked.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_indexed_text_cannot_carry_markers():
    assert clean_text(f"a{START}b{STOP}c") == "abc"
