"""Personal API tokens: `Authorization: Bearer allie_<secret>`, only a digest is stored."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from allie.accounts.models import ApiToken, User

TOKEN_PREFIX = "allie_"  # noqa: S105 (a public marker, not a secret)


def digest_of(raw: str) -> str:
    """Return the SHA-256 hex digest stored for a raw token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, *, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it with the raw secret, shown once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=raw[: len(TOKEN_PREFIX) + 6], digest=digest_of(raw)
    )
    return token, raw


def revoke_token(token: ApiToken) -> None:
    """Revoke a token; it stops working at once."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from None
        # The caller's organisation and site come with it: opening a ticket (the busiest
        # write) reads both, for the ticket and its SLA calendar.
        token = (
            ApiToken.objects.select_related("user", "user__organisation", "user__site")
            .filter(digest=digest_of(raw), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """Describe the personal tokens in the OpenAPI schema."""

    target_class = "allie.api.authentication.PersonalTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal token from the API tokens page (allie_…).",
        }
