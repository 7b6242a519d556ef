"""``{% member_control_indicators %}``: the indicators of member control, read from what
happened, where another app's page shows the register (the dashboard). A template tag, so that
members' templates show governance's evidence without members importing governance."""

from __future__ import annotations

from django import template

from ..selectors.access import sees_governance
from ..selectors.evidence import member_control_for_user

register = template.Library()


@register.inclusion_tag("governance/_indicators_on_dashboard.html", takes_context=True)
def member_control_indicators(context, heading_level: int = 2) -> dict:
    user = context.get("user")
    shown = user is not None and sees_governance(user)
    return {"evidence": member_control_for_user(user) if shown else None, "h": heading_level}
