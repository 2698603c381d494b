from django.contrib import admin

from .models import DuplicateRule, MeToo, SuggestionShown


@admin.register(DuplicateRule)
class DuplicateRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "category", "radius_m", "window_days", "min_similarity", "is_active")
    list_editable = ("radius_m", "window_days", "min_similarity", "is_active")
    list_display_links = ("__str__",)
    autocomplete_fields = ("category",)


@admin.register(MeToo)
class MeTooAdmin(admin.ModelAdmin):
    list_display = ("order", "appeal", "created_at")
    raw_id_fields = ("order", "appeal", "user")

    def has_add_permission(self, request):
        # A join goes through services.join_me_too (appeal, count, audit); never typed in here.
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SuggestionShown)
class SuggestionShownAdmin(admin.ModelAdmin):
    list_display = ("shown_at", "surface", "suggested", "for_order", "rank", "score", "metres", "taken")
    list_filter = ("surface", "taken")
    raw_id_fields = ("suggested", "for_order", "viewer")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
