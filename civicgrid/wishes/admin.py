"""Volunteer teams are configuration (edited here); wishes and hard problems are written by the
services on their pages, so the admin only looks them up."""

from django.contrib import admin

from .models import HardProblem, VolunteerTeam, Wish


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "area", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "area__name", "area__code")
    autocomplete_fields = ("members",)
    raw_id_fields = ("area",)

    def save_model(self, request, obj, form, change):
        obj.area_path = obj.area.path
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Wish)
class WishAdmin(ReadOnlyAdmin):
    list_display = ("title", "state", "grid", "on_behalf", "claimer", "created_at")
    list_filter = ("state", "on_behalf")
    search_fields = ("title", "grid__name")
    list_select_related = ("grid", "claimer")


@admin.register(HardProblem)
class HardProblemAdmin(ReadOnlyAdmin):
    list_display = ("title", "state", "area", "secretary", "progress", "created_at")
    list_filter = ("state", "source")
    search_fields = ("title", "area__name")
    list_select_related = ("area", "secretary")
