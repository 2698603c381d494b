"""Admin for Open311 keys and service attributes. A key is created through the service, which
stores only its hash and shows the key once."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from . import services
from .models import ApiKey, ServiceAttribute, Submission


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "contact", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "contact")
    fields = ("name", "contact", "is_active", "key_prefix", "created_by", "created_at", "last_used_at")
    readonly_fields = ("key_prefix", "created_by", "created_at", "last_used_at")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw = services.create_api_key(actor=request.user, name=obj.name, contact=obj.contact)
        obj.pk, obj.key_prefix, obj.key_hash = key.pk, key.key_prefix, key.key_hash
        messages.warning(request, _("The new api_key is %(key)s. Copy it now: it is not shown again.") % {"key": raw})

    def has_delete_permission(self, request, obj=None):
        # Deactivate instead: submissions keep pointing at the key that sent them.
        return False


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ("code", "category", "description", "datatype", "required", "position", "is_active")
    list_filter = ("datatype", "required", "is_active")
    search_fields = ("code", "description", "category__code", "category__name")
    autocomplete_fields = ("category",)  # by name or code, not by database id


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("token", "api_key", "appeal", "created_at")
    fields = ("token", "api_key", "appeal", "created_at")
    readonly_fields = fields
    search_fields = ("token", "appeal__tracking_number")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


