"""Admin for the catalogue and the responsibility list (saved through their services, audited),
and read-only lists of orders and appeals with personal data masked."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin_services import ServiceAdmin
from civicgrid.core.masking import mask_name, mask_phone

from . import catalogue, response_templates, routing
from .models import Appeal, Category, Responsibility, WorkOrder


@admin.register(Category)
class CategoryAdmin(ServiceAdmin):
    list_display = ("code", "name", "level", "parent", "is_private", "is_utility", "default_priority", "is_active")
    list_filter = ("level", "is_private", "is_utility", "default_priority", "is_active")
    search_fields = ("code", "name", "keywords")
    readonly_fields = ("level", "path")
    autocomplete_fields = ("parent",)
    ordering = ("path",)

    def service(self, request, form, obj):
        return catalogue.save_category(request.user, form.instance, changed=list(form.changed_data))

    def has_delete_permission(self, request, obj=None):
        return False  # orders keep their category; deactivate it instead


@admin.register(Responsibility)
class ResponsibilityAdmin(ServiceAdmin):
    list_display = ("area", "category", "unit", "level", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("area__name", "area__code", "category__name", "category__code", "unit__name")
    autocomplete_fields = ("category", "area", "unit")
    readonly_fields = ("area_path",)

    def service(self, request, form, obj):
        return routing.save_rule(request.user, form.instance, changed=list(form.changed_data))

    def delete_model(self, request, obj):
        routing.delete_rule(request.user, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            routing.delete_rule(request.user, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "status", "category", "priority", "channel", "area", "unit",
                    "suggested_unit", "created_at")
    list_filter = ("status", "channel", "priority", "level")
    search_fields = ("number", "title")
    list_select_related = ("category", "area", "unit", "suggested_unit")
    exclude = ("answer",)


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("tracking_number", "title", "channel", "masked_name", "masked_phone", "received_at")
    list_filter = ("channel",)
    search_fields = ("tracking_number", "title")
    # Personal data never shown in full here: the detail page lists only these.
    fields = ("tracking_number", "order", "channel", "title", "text", "masked_name", "masked_phone", "address",
              "category", "suggested_category", "suggestion_confidence", "source", "external_id", "received_at")
    readonly_fields = fields

    @admin.display(description=_("reporter name"))
    def masked_name(self, obj: Appeal) -> str:
        return mask_name(obj.reporter_name)

    @admin.display(description=_("reporter phone"))
    def masked_phone(self, obj: Appeal) -> str:
        return mask_phone(obj.reporter_phone)


# Imported here, not at the top, so this registration stays one appended block.
from .models import ResponseTemplate


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(ServiceAdmin):
    list_display = ("title", "category", "area", "is_active", "position")
    list_filter = ("is_active",)
    list_editable = ("is_active", "position")
    search_fields = ("title", "body")
    autocomplete_fields = ("category", "area")  # by name or code, not by database id

    def service(self, request, form, obj):
        return response_templates.save_template(request.user, form.instance)

    def save_model(self, request, obj, form, change):
        if hasattr(form, "saved"):
            obj.pk = form.saved.pk
        else:  # a row of the list's editable columns: its form is the changelist's, without the service
            response_templates.save_template(request.user, obj)

    def delete_model(self, request, obj):
        response_templates.delete_template(request.user, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            response_templates.delete_template(request.user, obj)
