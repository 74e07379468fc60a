"""What a person typed, turned into a safe SQLite FTS5 query; matches marked in escaped text.

The syntax is the one PostgreSQL's `websearch_to_tsquery` understands, so both databases read
a query alike: words (all must match), "quoted phrases", `or` between alternatives and `-word`
to exclude. Every word is folded (accents off, lower case), lightly stemmed (a plural `s`/`x`
removed) and searched as a prefix, since FTS5 has no French or English stemmer: "Évènements"
becomes `"evenement"*`, which finds "événement" and "événements".
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
MIN_PREFIX = 3
# Markers the database puts around matches; removed from indexed text so only ours exist.
START, STOP = "\x02", "\x03"
_MARKERS = str.maketrans("", "", START + STOP)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_PIECE = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Clause:
    """One unit of a query: a phrase of folded tokens, negated or not, prefix or exact."""

    tokens: tuple[str, ...]
    negated: bool = False
    prefix: bool = True
    or_before: bool = False


def fold(text: str) -> str:
    """Return `text` in lower case without accents ("Évènement" → "evenement")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def light_stem(token: str) -> str:
    """Drop one plural `s` or `x` from a long enough word (French and English alike)."""
    if len(token) > 4 and token[-1] in "sx" and not token.endswith("ss"):
        return token[:-1]
    return token


def clean_text(text: str) -> str:
    """Return `text` without the match markers, so indexed text can never fake a mark."""
    return (text or "").translate(_MARKERS)


def parse(text: str) -> list[Clause]:
    """Return the clauses of a websearch-style query, at most `MAX_TERMS` of them."""
    clauses: list[Clause] = []
    or_pending = False
    for match in _PIECE.finditer(clean_text(text)[:MAX_QUERY_LENGTH]):
        negated_phrase, phrase, word = match.groups()
        if word is not None and word.casefold() == "or":
            or_pending = bool(clauses)
            continue
        if phrase is not None:
            tokens = tuple(_TOKEN.findall(fold(phrase)))
            negated, prefix = bool(negated_phrase), False
        else:
            negated = word.startswith("-") and len(word) > 1
            tokens = tuple(_TOKEN.findall(fold(word.removeprefix("-") if negated else word)))
            prefix = True
        if not tokens:
            continue
        if prefix:
            *head, last = tokens
            tokens = (*head, light_stem(last))
            prefix = len(tokens[-1]) >= MIN_PREFIX
        clauses.append(Clause(tokens, negated, prefix, or_before=or_pending and not negated))
        or_pending = False
        if len(clauses) >= MAX_TERMS:
            break
    return clauses


def websearch_text(text: str) -> str:
    """Return `text` as PostgreSQL's `websearch_to_tsquery` should read it: the pieces `parse`
    keeps (at most `MAX_TERMS`), as typed but without pieces holding no letter or digit.

    A lone "-" is an operator with no word; some forty of them make `websearch_to_tsquery`
    fail ("tsquery stack too small", PostgreSQL 15), which answered a 500.
    """
    pieces: list[str] = []
    terms = 0
    for match in _PIECE.finditer(clean_text(text)[:MAX_QUERY_LENGTH]):
        negated_phrase, phrase, word = match.groups()
        if word is not None and word.casefold() == "or":
            if terms and pieces[-1] != "or":
                pieces.append("or")
            continue
        if phrase is not None:
            if not _TOKEN.search(phrase):
                continue
            pieces.append(f'{negated_phrase}"{phrase}"')
        else:
            bare = word.lstrip("-")
            if not _TOKEN.search(bare):
                continue
            pieces.append(f"-{bare}" if bare != word else word)
        terms += 1
        if terms >= MAX_TERMS:
            break
    if pieces and pieces[-1] == "or":
        pieces.pop()
    return " ".join(pieces)


def fts5_query(text: str) -> str | None:
    """Return an FTS5 MATCH expression for `text`, or None when nothing positive is asked.

    Tokens are only letters and digits, each double-quoted: no FTS5 syntax can get through.
    """
    clauses = parse(text)
    positive = [clause for clause in clauses if not clause.negated]
    if not positive:
        return None
    expression = ""
    for clause in positive:
        rendered = _render(clause)
        if not expression:
            expression = rendered
        elif clause.or_before:
            expression = f"{expression} OR {rendered}"
        else:
            expression = f"({expression}) AND {rendered}"
    for clause in clauses:
        if clause.negated:
            expression = f"({expression}) NOT {_render(clause)}"
    return expression


def _render(clause: Clause) -> str:
    phrase = " ".join(clause.tokens)
    return f'"{phrase}"*' if clause.prefix else f'"{phrase}"'


def mark(text: str) -> str:
    """Return `text` HTML-escaped, then with the database's markers turned into `<mark>`.

    Escaping comes first, so ticket text can never add markup; unbalanced markers are closed.
    """
    escaped = html.escape(text or "", quote=True)
    out: list[str] = []
    open_mark = False
    for char in escaped:
        if char == START and not open_mark:
            out.append("<mark>")
            open_mark = True
        elif char == STOP and open_mark:
            out.append("</mark>")
            open_mark = False
        elif char not in (START, STOP):
            out.append(char)
    if open_mark:
        out.append("</mark>")
    return "".join(out)


def mark_count(text: str) -> int:
    """Return how many matches the database marked in `text`."""
    return (text or "").count(START)
