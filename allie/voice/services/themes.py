"""Comment themes: classify an answered comment, and reclassify all of them after an edit.

The matching is the pure `allie.voice.domain.themes.themes_of`; the themes and their keywords
(French and English) are rows administrators manage (`Theme`). A comment's themes are stored
as `CommentTheme` rows, replaced each time the answer changes. See docs/themes.md.
"""

from __future__ import annotations

from django.db import transaction

from allie.voice.domain import themes as domain
from allie.voice.domain.relationship import theme_of
from allie.voice.models import CommentTheme, RelationshipAnswer, Survey, Theme


def active_themes() -> dict[str, tuple[int, domain.Theme]]:
    """The active themes by code: their id and their matchable form (one query)."""
    rows = Theme.objects.filter(is_active=True).only("pk", "code", "keywords_fr", "keywords_en")
    return {
        row.code: (row.pk, theme_of(row.code, row.keywords_fr, row.keywords_en)) for row in rows
    }


def classify_comment(
    answer: Survey | RelationshipAnswer,
    *,
    themes: dict[str, tuple[int, domain.Theme]] | None = None,
) -> list[str]:
    """Store the themes the answer's comment speaks of (replacing earlier ones); return codes.

    Runs in the caller's transaction. An answer without a comment, or not answered, has none.
    """
    themes = active_themes() if themes is None else themes
    origin = "survey" if isinstance(answer, Survey) else "relationship_answer"
    with transaction.atomic():
        CommentTheme.objects.filter(**{origin: answer}).delete()
        if not answer.comment or answer.answered_at is None:
            return []
        codes = domain.themes_of(answer.comment, [theme for _pk, theme in themes.values()])
        CommentTheme.objects.bulk_create(
            CommentTheme(
                theme_id=themes[code][0], answered_at=answer.answered_at, **{origin: answer}
            )
            for code in codes
        )
    return codes


def reclassify_all(*, batch: int = 500) -> int:
    """Classify again every answered comment (after themes or keywords changed); return count."""
    themes = active_themes()
    count = 0
    for model in (Survey, RelationshipAnswer):
        rows = model.objects.filter(answered_at__isnull=False).exclude(comment="").order_by("pk")
        last = 0
        while True:
            chunk = list(rows.filter(pk__gt=last).only("pk", "comment", "answered_at")[:batch])
            for answer in chunk:
                classify_comment(answer, themes=themes)
            count += len(chunk)
            if len(chunk) < batch:
                break
            last = chunk[-1].pk
    with transaction.atomic():
        # Answers whose comment was emptied keep no theme.
        CommentTheme.objects.filter(survey__comment="").delete()
        CommentTheme.objects.filter(relationship_answer__comment="").delete()
    return count
