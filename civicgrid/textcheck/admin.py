from django.contrib import admin

from . import services
from .models import ReplyCheck, UrgencyFlag, UrgencyTerm


@admin.register(UrgencyTerm)
class UrgencyTermAdmin(admin.ModelAdmin):
    list_display = ("phrase", "kind", "weight", "group", "language", "is_active", "updated_at")
    list_filter = ("kind", "group", "language", "is_active")
    list_editable = ("weight", "is_active")
    search_fields = ("phrase", "note")

    # Edits go through the services: audited, and the detector reloads the lexicon at once.
    def save_model(self, request, obj, form, change):
        services.save_term(request.user, obj, list(form.changed_data))

    def delete_model(self, request, obj):
        services.delete_term(request.user, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.delete_term(request.user, obj)


@admin.register(UrgencyFlag)
class UrgencyFlagAdmin(admin.ModelAdmin):
    list_display = ("order", "score", "reason_text", "applied", "created_at")
    list_filter = ("applied",)
    raw_id_fields = ("order", "appeal")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReplyCheck)
class ReplyCheckAdmin(admin.ModelAdmin):
    list_display = ("order", "state", "score", "flagged", "reviewed_by", "created_at")
    list_filter = ("state", "flagged")
    raw_id_fields = ("order", "reviewed_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
