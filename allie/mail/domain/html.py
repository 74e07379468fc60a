"""HTML from mail: sanitised for display (``sanitise_html``), turned into text (``html_to_text``).

Mail HTML is hostile by default: it may carry script, event handlers, forms that mimic our own
pages, tracking images and ``javascript:`` links. ``sanitise_html`` keeps an allow-list through
nh3 (ammonia): formatting, tables, links and images only; links open in a new tab without a
referrer; remote images are blocked unless the viewer asked for them, because loading them tells
the sender when and where the message was read.
"""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Mapping
from html.parser import HTMLParser

import nh3

_TAGS = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "center", "cite", "code",
        "col", "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "font", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
        "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var", "wbr",
    }
)  # fmt: skip

# No id/class (they could collide with, or imitate, our own page), no `background` (a remote
# image by another name), no event handlers: only presentation.
_GENERIC_ATTRIBUTES = frozenset({"align", "dir", "lang", "style", "title", "valign"})
_ATTRIBUTES: dict[str, set[str]] = {
    "*": set(_GENERIC_ATTRIBUTES),
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "font": {"color", "face", "size"},
    "table": {"border", "cellpadding", "cellspacing", "width", "bgcolor"},
    "td": {"colspan", "rowspan", "width", "height", "bgcolor", "nowrap"},
    "th": {"colspan", "rowspan", "width", "height", "bgcolor", "nowrap"},
    "tr": {"bgcolor"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "ol": {"start", "type"},
    "ul": {"type"},
    "li": {"value"},
    "blockquote": {"cite"},
    "q": {"cite"},
}

# Properties that can load a URL (background, list-style-image, content, cursor, border-image)
# or lay the message over our own interface (position, z-index) are left out.
_STYLE_PROPERTIES = frozenset(
    {
        "background-color", "border", "border-bottom", "border-collapse", "border-color",
        "border-left", "border-radius", "border-right", "border-spacing", "border-style",
        "border-top", "border-width", "color", "direction", "display", "font", "font-family",
        "font-size", "font-style", "font-variant", "font-weight", "height", "letter-spacing",
        "line-height", "margin", "margin-bottom", "margin-left", "margin-right", "margin-top",
        "max-width", "min-width", "padding", "padding-bottom", "padding-left", "padding-right",
        "padding-top", "text-align", "text-decoration", "text-indent", "text-transform",
        "vertical-align", "white-space", "width", "word-break", "word-wrap",
    }
)  # fmt: skip

# Dropped with their content: text inside these was never meant to be read as the message.
_CLEAN_CONTENT_TAGS = frozenset(
    {"script", "style", "title", "noscript", "template", "textarea", "select", "iframe", "object"}
)
# `cid` and `data` pass the scheme check only so that the filter below can decide on them
# per tag: cid: images are rewritten through cid_map, data: is kept for images alone.
_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel", "cid", "data"})
_LINK_SCHEMES = ("http:", "https:", "mailto:", "tel:")
_DATA_IMAGE = re.compile(r"^data:image/(?:png|gif|jpeg|webp);base64,[a-z0-9+/=\s]*$", re.I)
_REMOTE = ("http:", "https:")

# nh3 serialises attributes in double quotes with `"`, `<` and `>` escaped, so an img tag in
# its output is matched exactly by this pattern (used to replace blocked images).
_IMG_TAG = re.compile(r'<img((?:\s+[a-zA-Z-]+(?:="[^"]*")?)*)\s*/?>')
_ALT = re.compile(r'\salt="([^"]*)"')


def sanitise_html(
    html: str,
    *,
    allow_remote_images: bool = False,
    cid_map: Mapping[str, str] | None = None,
    blocked_image_text: str = "[image]",
) -> str:
    """Return ``html`` cut down to a safe allow-list, ready to insert in a page.

    ``cid_map`` maps a content-id (without angle brackets) to the URL that serves that inline
    image; ``cid:`` images not in it are removed. Remote (http/https) images are replaced by
    ``blocked_image_text`` (or their alt text) unless ``allow_remote_images``.
    """
    if not html:
        return ""
    cids = {_normalise_cid(key): url for key, url in (cid_map or {}).items()}
    our_urls = frozenset(cids.values())

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in {"src", "href", "cite"}:
            return value
        lowered = value.strip().lower()
        if tag == "img" and attribute == "src":
            if lowered.startswith("cid:"):
                return cids.get(_normalise_cid(value.strip()[4:]))
            if lowered.startswith(_REMOTE):
                return value if allow_remote_images else None
            return value if _DATA_IMAGE.match(value.strip()) else None
        return value if lowered.startswith(_LINK_SCHEMES) else None

    def relative_url(url: str) -> str | None:
        # A relative URL in mail would point into our own site: only the URLs the caller gave
        # for inline images are allowed.
        return url if url in our_urls else None

    cleaned = nh3.clean(
        html,
        tags=set(_TAGS),
        clean_content_tags=set(_CLEAN_CONTENT_TAGS),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        attribute_filter=attribute_filter,
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        url_schemes=set(_URL_SCHEMES),
        url_relative=relative_url,
        filter_style_properties=set(_STYLE_PROPERTIES),
    )
    return _IMG_TAG.sub(lambda match: _placeholder(match, blocked_image_text), cleaned)


def _placeholder(match: re.Match[str], text: str) -> str:
    attributes = match.group(1)
    if ' src="' in attributes:
        return match.group(0)
    # The filter removed this image's source: show its alt text (already escaped by nh3)
    # or the caller's placeholder instead of a broken image.
    alt = _ALT.search(attributes)
    label = alt.group(1) if alt and alt.group(1).strip() else html_module.escape(text)
    return f'<span class="mail-blocked-image">{label}</span>'


def _normalise_cid(content_id: str) -> str:
    return content_id.strip().strip("<>").strip()


def html_to_text(html: str) -> str:
    """Readable plain text from HTML: tags dropped, blocks on their own lines, entities decoded.

    Quoted history (``<blockquote>``) comes out as ``> `` lines so that quote stripping works on
    HTML-only mail too. The result is text, to be escaped like any other text when displayed.
    """
    if not html:
        return ""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
        text = parser.text()
    except Exception:
        # html.parser is lenient but not guaranteed never to raise on hostile input: fall back
        # to ammonia dropping every tag.
        text = html_module.unescape(nh3.clean(html, tags=set()))
    return text


_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template"})
# Quote levels written as "> " prefixes; deeper ones get no more. Every line carrying its full
# depth would make thousands of nested blockquotes (a few bytes each) quadratic in text size.
MAX_QUOTE_DEPTH = 20
_SPACES = re.compile(r"[ \t\r\n\f\v\u200b]+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = []
        self._current: list[str] = []
        self._quote_depth = 0
        self._line_depth = 0
        self._skip = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "br":
            self._flush(force=True)
        elif tag in _BLOCK_TAGS:
            self._flush()
            if tag == "blockquote":
                self._quote_depth += 1
            elif tag == "pre":
                self._pre += 1
            elif tag == "li":
                self._current.append("- ")
            if len(self._current) <= 1:
                self._line_depth = self._quote_depth
        elif tag in {"td", "th"} and self._current:
            self._current.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._flush(force=True)
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self._flush()
            if tag == "blockquote":
                self._quote_depth = max(0, self._quote_depth - 1)
            elif tag == "pre":
                self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if not self._current:
            self._line_depth = self._quote_depth
        if self._pre:
            first, *rest = data.replace("\r\n", "\n").split("\n")
            self._current.append(first)
            for line in rest:
                self._flush(force=True)
                self._current.append(line)
        else:
            self._current.append(_SPACES.sub(" ", data.replace("\xa0", " ")))

    def _flush(self, *, force: bool = False) -> None:
        line = "".join(self._current)
        line = line.rstrip() if self._pre else line.strip()
        self._current = []
        if line or force:
            depth = min(self._line_depth, MAX_QUOTE_DEPTH)
            prefix = "> " * depth if line else ">" * depth
            self._lines.append(prefix + line)
        self._line_depth = self._quote_depth

    def text(self) -> str:
        self._flush()
        text = "\n".join(self._lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
