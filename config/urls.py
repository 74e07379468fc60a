"""Top-level URL map: each interface owns its own URL module."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/", include("allie.api.urls")),
    path("admin/", admin.site.urls),
    path("", include("allie.core.urls")),
    path("portal/", include("allie.portal.urls")),
    path("desk/", include("allie.workspace.urls")),
    path("escalations/", include("allie.escalations.urls")),
    path("sla/", include("allie.sla.urls")),
    path("mail/", include("allie.mail.urls")),
    path("voice/", include("allie.voice.urls")),
    path("", include("allie.search.urls")),
    path("", include("allie.tickets.urls")),
]

handler400 = "allie.core.errors.bad_request"
handler403 = "allie.core.errors.permission_denied"
handler404 = "allie.core.errors.page_not_found"
handler500 = "allie.core.errors.server_error"
