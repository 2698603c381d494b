"""The audit log in the administration: searchable, filterable, and read-only for everyone."""

from __future__ import annotations

from django.contrib import admin

from civicgrid.people.jurisdiction import jurisdiction_for

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "actor_repr", "action", "object_type", "object_repr", "ip_address")
    list_filter = ("kind", "action", "object_type")
    search_fields = ("actor_repr", "action", "object_type", "object_id", "object_repr", "request_id", "ip_address")
    date_hierarchy = "created_at"
    list_per_page = 100
    show_full_result_count = False  # a count over millions of rows would slow every page
    fields = (
        "created_at", "kind", "action", "actor", "actor_repr", "object_type", "object_id", "object_repr",
        "changes", "reason", "ip_address", "user_agent", "request_id",
    )
    readonly_fields = fields

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        # The log names everyone's actions across the district: global administrators only.
        return request.user.is_active and request.user.is_staff and jurisdiction_for(request.user).is_global

    # Append-only: the application never offers to add, change or delete a row.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False




class AuditedPersonalDataReadMixin:
    """A change form that shows personal data in full is a read of it: log it (GET only).

    Set ``personal_fields`` on the ModelAdmin; lists stay masked and are not logged.
    """

    personal_fields: tuple[str, ...] = ()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from civicgrid.core.services import record_personal_data_read

        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and self.personal_fields:
            obj = self.model._default_manager.filter(pk=object_id).first()
            if obj is not None:
                record_personal_data_read(
                    actor=request.user, obj=obj, fields=list(self.personal_fields), purpose="admin"
                )
        return response
