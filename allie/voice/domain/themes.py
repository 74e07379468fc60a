"""Comment themes and negative comments, by keywords in French and English.

Matching folds case and accents ("Délai" matches "delai") and works on whole words; a keyword
ending in "*" matches any word it begins ("lent*" matches "lent", "lenteur", "lentement").
A keyword of several words matches them in sequence. Deliberately simple and predictable:
administrators can read why a comment landed in a theme, and add their own keywords.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    code: str
    keywords: tuple[str, ...]


# The built-in themes; administrators add others (and keywords) in the admin.
BUILT_IN_THEMES: tuple[Theme, ...] = (
    Theme(
        "speed",
        (
            "lent*",
            "rapid*",
            "vite",
            "delai*",
            "attente",
            "attendu",
            "attendre",
            "long*",
            "tard*",
            "semaine*",
            "slow*",
            "fast*",
            "quick*",
            "wait*",
            "delay*",
            "took",
            "late",
            "days",
            "weeks",
        ),
    ),
    Theme(
        "communication",
        (
            "nouvelle*",
            "suivi*",
            "informe*",
            "explique*",
            "explication*",
            "reponse*",
            "rappel*",
            "courriel*",
            "jargon",
            "clair*",
            "update*",
            "inform*",
            "explain*",
            "explanation*",
            "answer*",
            "call back",
            "called back",
            "email*",
            "unclear",
            "clear*",
            "kept me posted",
        ),
    ),
    Theme(
        "competence",
        (
            "competen*",
            "connaissance*",
            "expert*",
            "compris",
            "comprendre",
            "incompeten*",
            "savait",
            "skill*",
            "knowledge*",
            "knew",
            "understood",
            "understand*",
            "clueless",
        ),
    ),
    Theme(
        "courtesy",
        (
            "poli*",
            "impoli*",
            "courtois*",
            "aimable*",
            "gentil*",
            "respect*",
            "bete",
            "rude*",
            "polite*",
            "kind*",
            "friendly",
            "courteous*",
            "patien*",
            "helpful",
        ),
    ),
    Theme(
        "outcome",
        (
            "regle*",
            "resolu*",
            "fonctionne*",
            "marche",
            "encore",
            "toujours pas",
            "probleme*",
            "panne*",
            "fixed",
            "solved",
            "resolved",
            "works",
            "working",
            "still",
            "broken",
            "issue*",
            "problem*",
        ),
    ),
)

NEGATIVE_WORDS: tuple[str, ...] = (
    "decu*",
    "decevant*",
    "inacceptable*",
    "nul",
    "nulle",
    "horrible*",
    "pire",
    "frustr*",
    "fache*",
    "mecontent*",
    "insatisf*",
    "incompeten*",
    "impoli*",
    "honte*",
    "ridicule*",
    "aucune reponse",
    "toujours pas",
    "jamais",
    "perte de temps",
    "disappoint*",
    "unacceptable",
    "terrible",
    "awful",
    "worst",
    "useless",
    "rude*",
    "frustrat*",
    "angry",
    "unhappy",
    "dissatisf*",
    "incompetent*",
    "ridiculous",
    "no answer",
    "never",
    "waste of time",
    "still not",
    "not fixed",
    "not resolved",
)


def fold(text: str) -> str:
    """Lower-case `text` and strip accents ("Écran" → "ecran")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _matches(keyword: str, tokens: Sequence[str]) -> bool:
    parts = words(keyword.rstrip("*"))
    if not parts:
        return False
    prefix = keyword.endswith("*")
    size = len(parts)
    for start in range(len(tokens) - size + 1):
        window = tokens[start : start + size]
        if window[:-1] != parts[:-1]:
            continue
        last = window[-1]
        if last == parts[-1] or (prefix and last.startswith(parts[-1])):
            return True
    return False


def themes_of(comment: str, themes: Iterable[Theme] = BUILT_IN_THEMES) -> list[str]:
    """Return the codes of the themes a comment speaks of, in the order given."""
    tokens = words(comment)
    return [theme.code for theme in themes if any(_matches(k, tokens) for k in theme.keywords)]


def is_negative(comment: str, extra_words: Iterable[str] = ()) -> bool:
    """Whether a comment reads as unhappy (any negative word or phrase)."""
    tokens = words(comment)
    return any(_matches(word, tokens) for word in (*NEGATIVE_WORDS, *extra_words))
