"""System checks of the sla app: a year without holiday data is a loud warning, never an error in
a request (working days then fall back to Monday–Friday).

The check reads the holiday table, so it is a database check: ``migrate`` and
``check --database default`` run it (plain ``check`` must work without a database). Running
servers also warn in the log and on the admin index.
"""

from __future__ import annotations

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError, connections
from django.utils.translation import gettext as _


def calendar_warning_text(years: list[int]) -> str:
    return _(
        "No holiday data for %(years)s: working days fall back to Monday–Friday, so deadlines may "
        "fall on holidays. Enter the holidays and adjusted working days (节假日与调休) from the State "
        "Council's notice in the admin."
    ) % {"years": ", ".join(str(y) for y in years)}


@register(Tags.database)
def check_calendar_years(app_configs=None, databases=None, **kwargs):
    from .calendar import years_to_warn_about
    from .models import CalendarDay

    if not databases or "default" not in databases:
        return []
    try:
        if CalendarDay._meta.db_table not in connections["default"].introspection.table_names():
            return []  # before the first migrate
        years = years_to_warn_about()
    except DatabaseError:  # before migrate: nothing to say yet
        return []
    if not years:
        return []
    return [Warning(calendar_warning_text(years), id="sla.W001",
                    hint=_("Admin → Deadlines and supervision → holidays and adjusted working days."))]
