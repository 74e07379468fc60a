"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Return what the page header needs: which parts of the product to link to."""
    from allie.escalations.selectors import may_see_executive_view
    from allie.sla.selectors import may_see_compliance
    from allie.voice.selectors import may_see_figures

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_agent:
        return {"nav_is_agent": False}
    return {
        "nav_is_agent": True,
        "nav_sees_escalations": may_see_executive_view(user),
        "nav_sees_reports": may_see_compliance(user),
        "nav_sees_team_figures": may_see_figures(user),
    }
