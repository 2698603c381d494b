from django.contrib import admin

from .models import GeneratedReport


@admin.register(GeneratedReport)
class GeneratedReportAdmin(admin.ModelAdmin):
    """Read-only: reports are made from /reports/ (the service writes the audit row)."""

    list_display = ("title", "area_code", "month", "requested_by", "created_at", "pages", "sheets", "seconds")
    list_filter = ("month",)
    search_fields = ("title", "area_code")
    readonly_fields = [f.name for f in GeneratedReport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
