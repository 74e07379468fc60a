"""sanitise_html against hostile mail, and html_to_text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allie.mail.domain.html import html_to_text, sanitise_html
from allie.mail.tests import load


@pytest.fixture(scope="module")
def attack() -> str:
    html = load("html_attack.eml").html
    assert html is not None
    return sanitise_html(html)


@pytest.mark.parametrize(
    "forbidden",
    [
        "<script", "evil.test/x.js", "<style", "display:none", "<iframe", "<object", "<embed",
        "<form", "<input", "<button", "<svg", "<base", "<meta", "onload", "onerror", "onclick",
        "javascript", "tracker.evil.test", "position", "background", 'class="alert',
        'id="login"', "steal(",
    ],
)  # fmt: skip
def test_hostile_html_is_neutralised(attack: str, forbidden: str) -> None:
    assert forbidden not in attack.lower()


def test_what_is_harmless_survives(attack: str) -> None:
    assert '<p style="color:red">Bonjour</p>' in attack
    assert "faux message du site" in attack
    assert "<td>cellule</td>" in attack
    assert "Se connecter" in attack  # the button's text, not the button


def test_links_open_apart_without_referrer(attack: str) -> None:
    links = re.findall(r"<a [^>]*>", attack)
    assert len(links) == 3
    for link in links:
        assert 'rel="noopener noreferrer nofollow"' in link
        assert 'target="_blank"' in link
    assert 'href="https://exemple.test/facture"' in attack


def test_remote_images_are_blocked_by_default(attack: str) -> None:
    assert "<img" not in attack
    assert attack.count('<span class="mail-blocked-image">[image]</span>') == 2


def test_remote_images_on_request() -> None:
    html = '<p><img src="https://cdn.finances.test/logo.png" alt="Logo"></p>'
    assert sanitise_html(html, allow_remote_images=True) == (
        '<p><img src="https://cdn.finances.test/logo.png" alt="Logo"></p>'
    )
    assert sanitise_html(html) == '<p><span class="mail-blocked-image">Logo</span></p>'
    assert "Image bloquée" in sanitise_html(
        html.replace(' alt="Logo"', ""), blocked_image_text=("Image bloquée")
    )


def test_cid_images_are_rewritten_through_the_map() -> None:
    html = load("related_inline_image.eml").html
    assert html is not None
    cid_map = {"<image001.png@01DB8C4E.A1B2C3D0>": "/pieces/42/?t=a&u=b"}
    cleaned = sanitise_html(html, cid_map=cid_map)
    assert '<img width="2" height="2" src="/pieces/42/?t=a&amp;u=b" alt="capture">' in cleaned
    assert "cid:" not in cleaned
    unmapped = sanitise_html(html)
    assert "<img" not in unmapped
    assert '<span class="mail-blocked-image">capture</span>' in unmapped


REL = 'rel="noopener noreferrer nofollow"'
BARE_LINK = f'<a {REL} target="_blank">x</a>'  # attribute order as nh3 writes it
PNG = "data:image/png;base64,iVBORw0KGgo="


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (f'<img src="{PNG}">', f'<img src="{PNG}">'),
        ('<a href="data:text/html,<script>alert(1)</script>">x</a>', BARE_LINK),
        (
            '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
            '<span class="mail-blocked-image">[image]</span>',
        ),
        ('<a href="/admin/delete">x</a>', BARE_LINK),
        ('<a href="cid:x">x</a>', BARE_LINK),
        (
            '<a href="mailto:alice@finances.test">A</a>',
            f'<a href="mailto:alice@finances.test" target="_blank" {REL}>A</a>',
        ),
        (
            '<a href="http://x.test" target="_self" rel="opener">x</a>',
            f'<a href="http://x.test" target="_blank" {REL}>x</a>',
        ),
        ("<p>a<!-- secret -->b</p>", "<p>ab</p>"),
        (
            '<table><tr><td background="https://t.test/b.png" bgcolor="#fff">x</td></tr></table>',
            '<table><tbody><tr><td bgcolor="#fff">x</td></tr></tbody></table>',
        ),
        (
            '<span style="color:blue;background:url(https://t.test/x)">x</span>',
            '<span style="color:blue">x</span>',
        ),
        ("<math><mi xlink:href='javascript:alert(1)'>x</mi></math>", ""),
        ("", ""),
    ],
)
def test_sanitise_cases(html: str, expected: str) -> None:
    assert sanitise_html(html) == expected


@given(st.text(alphabet=st.sampled_from(list("<>\"'=/ :;&#xscriptimgonloadjavhref")), max_size=200))
def test_sanitised_output_never_carries_script(html: str) -> None:
    cleaned = sanitise_html(html).lower()
    assert "<script" not in cleaned
    assert "javascript:" not in cleaned
    assert " on" not in re.sub(r">[^<]*<", "><", cleaned)  # no event handler attribute


# HTML to text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Un</p><p>Deux&nbsp;&amp; trois</p>", "Un\nDeux & trois"),
        ("Ligne<br>suivante<br/>fin", "Ligne\nsuivante\nfin"),
        ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
        ("<table><tr><td>Poste</td><td>B-204</td></tr></table>", "Poste B-204"),
        (
            "<div>Réponse</div><blockquote>cité<blockquote>très cité</blockquote></blockquote>",
            "Réponse\n> cité\n> > très cité",
        ),
        ("<pre>  indenté\n    plus</pre>", "  indenté\n    plus"),
        (
            "<head><title>T</title><style>p{}</style></head><script>x()</script><p>Corps</p>",
            "Corps",
        ),
        ("<p>&lt;script&gt; reste du texte</p>", "<script> reste du texte"),
        ("<p>unclosed <b>bold", "unclosed bold"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


@given(st.text(max_size=300))
def test_html_to_text_never_raises(html: str) -> None:
    assert isinstance(html_to_text(html), str)
