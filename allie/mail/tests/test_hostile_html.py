"""html_to_text against hostile nesting: the text stays linear in the HTML's size."""

from __future__ import annotations

import pytest

from allie.mail.domain.html import MAX_QUOTE_DEPTH, html_to_text

NESTED = 5_000


@pytest.mark.parametrize(
    "level",
    ["<blockquote>a", "<blockquote><br>", "<blockquote><p>a</p>"],
    ids=["text", "empty-lines", "paragraphs"],
)
def test_thousands_of_nested_blockquotes_give_text_linear_in_the_html(level: str) -> None:
    html = level * NESTED

    text = html_to_text(html)

    # Each level used to repeat every enclosing "> ": 65 kB of HTML gave 25 MB of text.
    assert len(text) < 4 * len(html)
    deepest = max(text.splitlines(), key=len)
    assert deepest.count(">") == MAX_QUOTE_DEPTH


def test_quotes_up_to_the_cap_keep_their_depth() -> None:
    html = "<blockquote>a" * 3 + "</blockquote>" * 3 + "<p>b</p>"

    assert html_to_text(html) == "> a\n> > a\n> > > a\nb"
