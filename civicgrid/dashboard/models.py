"""Rollups (汇总表) for the command center: counters kept correct on every change of an order, so
the district's figures are sums over a few thousand rows instead of scans over millions of orders.

Each table is a set of counters under a key. ``rollups.py`` is the only writer: every service that
changes an order's counted fields applies the difference between the order's contribution before
and after, in the same transaction. ``civicgrid rollups --rebuild`` recounts everything from the
orders and callbacks (after bulk loads), and ``civicgrid rollups --check`` compares (see ADR 007).

Keys use plain integers (0 = none) rather than nullable foreign keys so that a unique constraint
holds on every database (NULLs are distinct in PostgreSQL unique indexes).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderTally(models.Model):
    """How many orders are in each state now, per area and top-level category."""

    area_path = models.CharField(_("area path"), max_length=400)
    category_root = models.IntegerField(_("top-level category id (0: none)"), default=0)
    status = models.CharField(_("status"), max_length=12)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    supervised = models.BooleanField(_("under supervision (督办)"), default=False)
    count = models.IntegerField(_("orders"), default=0)

    class Meta:
        verbose_name = _("order tally")
        verbose_name_plural = _("order tallies")
        constraints = [models.UniqueConstraint(
            fields=["area_path", "category_root", "status", "is_overdue", "supervised"],
            name="order_tally_key")]
        indexes = [models.Index(fields=["status", "area_path"])]


class DailyTally(models.Model):
    """Orders created and closed per local day and area (a year is 365 × grids rows)."""

    day = models.DateField(_("day"))
    area_path = models.CharField(_("area path"), max_length=400)
    created = models.IntegerField(_("created"), default=0)
    # Orders closed on that day that are still closed (a reopened order leaves its closing day).
    closed = models.IntegerField(_("closed"), default=0)
    closed_on_time = models.IntegerField(_("closed on time"), default=0)

    class Meta:
        verbose_name = _("daily tally")
        verbose_name_plural = _("daily tallies")
        constraints = [models.UniqueConstraint(fields=["day", "area_path"], name="daily_tally_key")]


class CategoryTally(models.Model):
    """Orders created per local day, area and top-level category: the categories chart only (kept
    apart so that the daily figures stay one row per area and day)."""

    day = models.DateField(_("day"))
    area_path = models.CharField(_("area path"), max_length=400)
    category_root = models.IntegerField(_("top-level category id (0: none)"), default=0)
    created = models.IntegerField(_("created"), default=0)

    class Meta:
        verbose_name = _("category tally")
        verbose_name_plural = _("category tallies")
        constraints = [models.UniqueConstraint(fields=["day", "area_path", "category_root"], name="category_tally_key")]


class MonthlyTally(models.Model):
    """The figures of the 三率 per month, area and unit, with the same definitions as
    ``workorders.metrics`` (dispatches by dispatch month, closings by closing month, callbacks by
    callback month)."""

    month = models.DateField(_("month (first day)"))
    area_path = models.CharField(_("area path"), max_length=400)
    unit = models.IntegerField(_("unit id (0: none)"), default=0)
    dispatched = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    callbacks = models.IntegerField(default=0)
    resolved_verdicts = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basically = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("monthly tally")
        verbose_name_plural = _("monthly tallies")
        constraints = [models.UniqueConstraint(fields=["month", "area_path", "unit"], name="monthly_tally_key")]
        indexes = [models.Index(fields=["month", "area_path"])]
