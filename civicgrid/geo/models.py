"""Where things are: one area tree (district → street → community → grid), buildings, households."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

PATH_SEPARATOR = "/"


class AreaKind(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street / town")
    COMMUNITY = "community", _("Community / village")
    GRID = "grid", _("Grid")


# The order of the tree: each kind's parent must be of the kind before it.
KIND_ORDER = [AreaKind.DISTRICT, AreaKind.STREET, AreaKind.COMMUNITY, AreaKind.GRID]
PARENT_KIND = {KIND_ORDER[i + 1]: KIND_ORDER[i] for i in range(len(KIND_ORDER) - 1)}


class AreaQuerySet(models.QuerySet):
    def subtree_of(self, area: Area, include_self: bool = True):
        """All areas under ``area`` by materialised path: one indexed prefix scan."""
        qs = self.filter(path__startswith=area.path)
        return qs if include_self else qs.exclude(pk=area.pk)

    def of_kind(self, kind: str):
        return self.filter(kind=kind)


class Area(models.Model):
    """One node of the area tree.

    ``code`` is the 12-digit statistical division code (统计用区划代码) for districts, streets and
    communities, and that code plus a 3-digit sequence for grids. ``path`` is the chain of codes
    from the root (``370203000000/370203020000/370203020009/370203020009001/``): a subtree is one
    ``startswith`` on an indexed column, with no recursion, on SQLite and PostgreSQL alike.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=AreaKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("path"), max_length=400, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    # GeoJSON geometry (Polygon or MultiPolygon) in WGS-84, validated on every write by services.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    centroid_lon = models.FloatField(_("centroid longitude"), null=True, blank=True)
    centroid_lat = models.FloatField(_("centroid latitude"), null=True, blank=True)
    households_planned = models.PositiveIntegerField(_("households (planned)"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        indexes = [models.Index(fields=["kind", "path"]), models.Index(fields=["parent", "kind"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def ancestor_codes(self) -> list[str]:
        return [code for code in self.path.split(PATH_SEPARATOR) if code][:-1]

    def ancestors(self):
        """Root first; one query."""
        codes = self.ancestor_codes
        by_code = {a.code: a for a in Area.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    def is_within(self, other: Area) -> bool:
        return self.path.startswith(other.path)


class GeoIndexState(models.Model):
    """A single row whose ``version`` changes whenever any boundary changes.

    Every process keeps its own in-memory STRtree; it compares this number (at most every
    GEO_INDEX_CHECK_SECONDS) with the one it was built from, and rebuilds when they differ.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("geo index state")
        verbose_name_plural = _("geo index state")


class Building(models.Model):
    """An entry of the address book (楼栋): hotline addresses are matched against these."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    address = models.CharField(_("standard address"), max_length=200)
    # Address with spaces and punctuation removed and full-width digits folded, for matching.
    address_key = models.CharField(_("address key"), max_length=200, db_index=True, editable=False)
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    grid = models.ForeignKey(
        Area, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="buildings",
        limit_choices_to={"kind": AreaKind.GRID},
    )
    # Denormalised from the grid so that jurisdiction filters are one prefix match.
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    floors = models.PositiveSmallIntegerField(_("floors"), default=6)
    entrances = models.PositiveSmallIntegerField(_("entrances (单元)"), default=1)
    households_count = models.PositiveIntegerField(_("household count"), default=0)
    built_year = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.address


class HouseholdTag(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    LOW_INCOME = "low_income", _("Low-income")
    DISABLED = "disabled", _("Disability")
    ELDERLY_PARTY_MEMBER = "elderly_party_member", _("Elderly party member")
    MILITARY_FAMILY = "military_family", _("Military family")
    RENTED = "rented", _("Rented out")


class Household(models.Model):
    """A household (户). Names, phones and ID numbers are personal data: masked on display,
    shown in full only to staff of the jurisdiction through an audited read."""

    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="households")
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    entrance = models.PositiveSmallIntegerField(_("entrance (单元)"), default=1)
    room = models.CharField(_("room"), max_length=20)
    size = models.PositiveSmallIntegerField(_("members"), default=1)
    head_name = models.CharField(_("head of household"), max_length=50, blank=True)
    head_phone = models.CharField(_("phone"), max_length=20, blank=True)
    head_id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    tags = models.JSONField(_("care tags"), default=list, blank=True)
    residents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("resident accounts"), blank=True, related_name="households"
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    PERSONAL_FIELDS = ("head_name", "head_phone", "head_id_number")

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["building__code", "entrance", "room"]
        constraints = [
            models.UniqueConstraint(fields=["building", "entrance", "room"], name="household_unique_room")
        ]

    def __str__(self) -> str:
        return f"{self.building.address} {self.entrance}单元{self.room}室"
