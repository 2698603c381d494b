"""Thresholds of the monthly report's rules, as configuration: ``settings.REPORTS`` overrides any
of ``DEFAULTS`` (never ``if district`` in code). ADR 012 explains each one."""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # Problem list (问题清单): an area × category with at least this many orders in the month is
    # a recurring problem.
    "recurring_min_orders": 3,
    # Recommendation list (建议清单): a rate under its floor earns a recommendation sentence.
    "response_rate_floor": 0.95,
    "resolution_rate_floor": 0.90,
    "satisfaction_rate_floor": 0.90,
    "on_time_rate_floor": 0.90,
    # A unit's category with at least this many orders in the month is named as recurring.
    "unit_recurring_min_orders": 3,
    # Rows printed in the PDF (the workbook always has every row).
    "pdf_problem_rows": 40,
    "pdf_unit_rows": 30,
    "pdf_hotspot_rows": 15,
    "top_categories": 10,
    # Fallback hotspots (when the proactive app has no findings): a grid × category needs this many
    # orders in the month.
    "hotspot_min_orders": 3,
}


def option(name: str):
    return {**DEFAULTS, **getattr(settings, "REPORTS", {})}[name]
