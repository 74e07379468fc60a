"""The new part of a reply: quoted history and signature removed, in French and English.

Replies are cut at the first line that starts the quoted history. That line is found both by
mail-parser-reply's header patterns (``languages=["fr", "en"]``) and by our own rules for what
it misses: French Outlook separators ("-----Message d'origine-----"), "De : … Envoyé : …" blocks
with the non-breaking spaces French typography puts before colons, attributions ("Le … a
écrit :", "On … wrote:") wrapped over two lines as Gmail does, and Outlook's underscore rule.
Then "> " quoted lines, the "-- " signature and mobile footers ("Envoyé de mon iPhone") go.

Only that much is cut: the library's sign-off heuristics ("Thanks,", "Cordialement", lines
starting with "- ") are not used, because on a help desk they cut real content ("Thanks, but it
still fails: ..."), and a sign-off left in costs nothing. Text is never lost: when nothing new
remains, inline answers between quotes are kept, and failing that the whole text is returned.
"""

from __future__ import annotations

import re
from functools import cache

from mailparser_reply import EmailMessage

LANGUAGES = ("fr", "en")
MAX_LIBRARY_CHARS = 32_000  # the library looks at the head of the text only
MAX_LIBRARY_LINE = 200

_SPACE = r"[ \t\u00a0\u202f]"
_COLON = rf"{_SPACE}*:"
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:original message|message d'origine|message d’origine|message original"
    r"|courriel original|reply message|message de réponse)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_FROM_LINE = re.compile(rf"^[ \t*]*(?:De|From|Exp[ée]diteur){_SPACE}*\**{_COLON}", re.IGNORECASE)
_HEADER_LINE = re.compile(
    rf"^[ \t*]*(?:Envoy[ée]|Sent|Date|[ÀA]|To|Objet|Subject|Cc){_SPACE}*\**{_COLON}",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(rf"^\s*(?:Le|On){_SPACE}", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(rf"(?:a{_SPACE}+[ée]crit|wrote){_COLON}\s*$", re.IGNORECASE)
_QUOTED = re.compile(r"^\s*>")
_SIGNATURE = re.compile(r"^--\s?$")
_MOBILE_FOOTER = re.compile(
    r"^\s*(?:Envoy[ée] (?:de|depuis) mon|Sent from my|Get Outlook for|Obtenir Outlook pour"
    r"|T[ée]l[ée]charger Outlook pour)\b",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """Return the new content of ``text`` (a plain-text body), never empty if it had any."""
    if not text or not text.strip():
        return ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = min(_own_cut(lines), _library_cut(lines))
    new = _clean_tail(_unquoted(lines[:cut]))
    if new.strip():
        return new.strip("\n")
    # Answers written between the quoted lines (bottom or inline posting).
    inline = _clean_tail([line for line in _unquoted(lines) if not _is_attribution(line, "")])
    if inline.strip():
        return inline.strip("\n")
    return text.strip("\n")


def _own_cut(lines: list[str]) -> int:
    """Index of the first line of quoted history found by our rules, or len(lines)."""
    for index, line in enumerate(lines):
        if not line.strip():
            continue  # no rule starts on a blank line; skipping them keeps 25 MB of them cheap
        following = lines[index + 1 : index + 6]
        if _SEPARATOR.match(line):
            return index
        if _UNDERSCORES.match(line) and any(_FROM_LINE.match(f) for f in following[:2]):
            return index
        if _FROM_LINE.match(line) and sum(bool(_HEADER_LINE.match(f)) for f in following) >= 2:
            return index
        next_line = lines[index + 1] if index + 1 < len(lines) else ""
        if _is_attribution(line, next_line):
            return index
        if _ATTRIBUTION_END.search(line) and _next_is_quoted(lines, index):
            return index  # "Alice Bouchard <alice@…> a écrit :" followed by quoted lines
    return len(lines)


def _is_attribution(line: str, next_line: str) -> bool:
    if not _ATTRIBUTION_START.match(line):
        return False
    if _ATTRIBUTION_END.search(line):
        return len(line) < 300
    # Gmail wraps long attributions: "Le lun. 3 mars 2025, à 10 h 02, Alice <" / "alice@…> a
    # écrit :". The second line must not be quoted text nor a long sentence.
    joined = f"{line.rstrip()} {next_line.strip()}"
    return len(joined) < 300 and bool(_ATTRIBUTION_END.search(joined))


def _next_is_quoted(lines: list[str], index: int) -> bool:
    for line in lines[index + 1 :]:
        if line.strip():
            return bool(_QUOTED.match(line))
    return False


def _library_cut(lines: list[str]) -> int:
    """Index of the first line mail-parser-reply takes for the header of an older message."""
    # Only the head of the text is searched: the earliest cut is what counts, and the library's
    # patterns backtrack quadratically on long lines starting with "On"/"Le" (header lines are
    # short, so each line is also cut to MAX_LIBRARY_LINE; line numbers stay the same).
    head: list[str] = []
    size = 0
    for line in lines:
        size += len(line) + 1
        if size > MAX_LIBRARY_CHARS:
            break
        head.append(line.strip()[:MAX_LIBRARY_LINE])
    # The library strips every line before matching: match the same way, keep our own lines.
    stripped = "\n".join(head)
    try:
        match = _library_header_pattern().search(stripped)
    except Exception:  # a third-party regex must not cost us the message
        return len(lines)
    if match is None:
        return len(lines)
    start = match.start()
    while start < len(stripped) and stripped[start] == "\n":
        start += 1
    return stripped.count("\n", 0, start)


@cache
def _library_header_pattern() -> re.Pattern[str]:
    return EmailMessage(text="", languages=list(LANGUAGES)).HEADER_REGEX


def _unquoted(lines: list[str]) -> list[str]:
    return [line for line in lines if not _QUOTED.match(line)]


def _clean_tail(lines: list[str]) -> str:
    """Drop the "-- " signature and a trailing mobile footer."""
    for index, line in enumerate(lines):
        if _SIGNATURE.match(line) and any(previous.strip() for previous in lines[:index]):
            lines = lines[:index]
            break
    # One slice, not one per line: 25 MB of trailing empty lines were quadratic (days of work).
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    lines = lines[:end]
    if lines and _MOBILE_FOOTER.match(lines[-1]):
        lines = lines[:-1]
    return "\n".join(lines).rstrip()
