"""The banner on the admin index when a year has no holiday data."""

from __future__ import annotations

import logging

from django import template
from django.db import DatabaseError

from ..calendar import years_to_warn_about
from ..checks import calendar_warning_text

register = template.Library()
logger = logging.getLogger("civicgrid.sla")


@register.inclusion_tag("admin/sla/calendar_banner.html", takes_context=True)
def calendar_banner(context):
    request = context.get("request")
    if request is None or not getattr(request.user, "is_staff", False):
        return {"message": ""}
    try:
        years = years_to_warn_about()
    except DatabaseError:
        logger.exception("Cannot check the holiday table for the admin banner.")
        return {"message": ""}
    return {"message": calendar_warning_text(years) if years else ""}
