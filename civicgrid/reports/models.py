"""A monthly analysis report generated in the platform: who asked, when, for which area and
month, and the files with their checksums (the files themselves live in the media storage)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area


def report_path(instance, filename: str) -> str:
    return f"reports/{instance.area_code}/{instance.month}/{filename}"


class GeneratedReport(models.Model):
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    # Copied from the area: scoping by path prefix without a join, and the file names.
    area_path = models.CharField(_("area path"), max_length=400, db_index=True)
    area_code = models.CharField(_("area code"), max_length=20)
    month = models.CharField(_("month"), max_length=7)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("generated"), auto_now_add=True, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    has_data = models.BooleanField(_("has data"), default=True)
    pdf = models.FileField(_("PDF"), upload_to=report_path, blank=True, max_length=300)
    pdf_size = models.PositiveIntegerField(_("PDF size (bytes)"), null=True, blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    xlsx = models.FileField(_("workbook"), upload_to=report_path, blank=True, max_length=300)
    xlsx_size = models.PositiveIntegerField(_("workbook size (bytes)"), null=True, blank=True)
    xlsx_sha256 = models.CharField(_("workbook SHA-256"), max_length=64, blank=True)
    sheets = models.PositiveSmallIntegerField(_("sheets"), null=True, blank=True)
    seconds = models.FloatField(_("generation time (s)"), default=0)

    class Meta:
        verbose_name = _("generated report")
        verbose_name_plural = _("generated reports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["area_path", "month"])]

    def __str__(self) -> str:
        return self.title

    def file_for(self, fmt: str):
        return {"pdf": self.pdf, "xlsx": self.xlsx}.get(fmt)
