"""Notices in the Django admin: community, street and district staff with admin access see and
publish notices only for areas they answer for; every save goes through the service (audited)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from . import selectors, services
from .models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("title", "area", "published_at", "is_published", "created_by")
    list_filter = ("is_published", "area__kind")
    search_fields = ("title", "body", "area__name", "area__code")
    readonly_fields = ("created_by", "created_at")
    fields = ("area", "title", "body", "is_published", "created_by", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(area__in=selectors.publishable_areas(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            from civicgrid.geo.models import Area

            kwargs["queryset"] = Area.objects.filter(pk__in=[a.pk for a in selectors.publishable_areas(request.user)])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return bool(selectors.publishable_areas(request.user)) and super().has_add_permission(request)

    def save_model(self, request, obj, form, change):
        try:
            if not change:
                saved = services.publish_notice(request.user, area=obj.area, title=obj.title, body=obj.body)
                obj.pk, obj.area_path = saved.pk, saved.area_path
                obj.published_at, obj.created_by = saved.published_at, saved.created_by
            elif "is_published" in form.changed_data and not obj.is_published:
                services.withdraw_notice(request.user, obj)
            else:
                services.update_notice(request.user, obj, fields=form.changed_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))

    def delete_model(self, request, obj):
        services.withdraw_notice(request.user, obj)

    def delete_queryset(self, request, queryset):
        for notice in queryset:
            services.withdraw_notice(request.user, notice)
