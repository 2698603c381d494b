"""Community notices (社区公告): what a community, street or district office tells its residents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.geo.models import Area


class Notice(models.Model):
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="notices")
    # Copied from the area so "every notice above this community" is one indexed prefix test.
    area_path = models.CharField(_("area path"), max_length=400, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published"), db_index=True)
    is_published = models.BooleanField(_("published"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("community notice")
        verbose_name_plural = _("community notices")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title
