"""The banner on the admin index when a year has no holiday data."""

from __future__ import annotations

from django import template

from ..checks import calendar_warning_text
from .sla_calendar import years_to_warn_safely

register = template.Library()


@register.inclusion_tag("admin/sla/calendar_banner.html", takes_context=True)
def calendar_banner(context):
    request = context.get("request")
    if request is None or not getattr(request.user, "is_staff", False):
        return {"message": ""}
    years = years_to_warn_safely()
    return {"message": calendar_warning_text(years) if years else ""}
