"""The staff pages' notice when this year or the next has no holiday data: the command center's
deadlines (and the overdue counts built on them) are then counted on Monday–Friday."""

from __future__ import annotations

import logging

from django import template
from django.db import DatabaseError
from django.urls import reverse

from civicgrid.core.listing import join_list

from ..calendar import years_to_warn_about

register = template.Library()
logger = logging.getLogger("civicgrid.sla")


def years_to_warn_safely() -> list[int]:
    """This year and the next when they lack holiday data; nothing when the table cannot be read
    (a page must not fail over its warning)."""
    try:
        return years_to_warn_about()
    except DatabaseError:
        logger.exception("Cannot check the holiday table for the calendar warning.")
        return []


@register.inclusion_tag("sla/_calendar_notice.html", takes_context=True)
def calendar_notice(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"years": ""}
    years = years_to_warn_safely()
    if not years:
        return {"years": ""}
    may_import = user.is_staff and user.has_perms(["sla.add_calendarday", "sla.change_calendarday"])
    return {"years": join_list([str(y) for y in years]),
            "import_url": reverse("admin:sla_calendarday_import") if may_import else ""}
